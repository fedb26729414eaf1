/**
 * RPC endpoints as written in `sip-tls.ini` (`rpc = http:IP:PORT`, `udp:IP:PORT`, `unix:PATH`,
 * repeatable), and the rule that only loopback addresses and unix sockets are used unless
 * remote access is asked for (`rpc_allow_remote = yes`).
 */
import * as net from 'node:net';
import * as path from 'node:path';

export type RpcEndpoint =
  | { kind: 'http' | 'udp'; ip: string; port: number }
  | { kind: 'unix'; path: string };

/** Longest unix socket path Linux accepts (`sun_path` is 108 bytes, NUL included). */
export const MAX_UNIX_PATH = 107;

/**
 * Parses one endpoint. Relative unix paths resolve against `baseDir` (the ini file's directory).
 * @throws Error naming the endpoint and what is wrong with it.
 */
export function parseRpcEndpoint(spec: string, baseDir = process.cwd()): RpcEndpoint {
  const text = spec.trim();
  const colon = text.indexOf(':');
  const kind = colon > 0 ? text.slice(0, colon).toLowerCase() : '';
  const rest = colon > 0 ? text.slice(colon + 1) : '';
  if (kind === 'unix') {
    if (!rest) throw new Error(`rpc endpoint '${spec}': unix socket path missing`);
    const full = path.resolve(baseDir, rest);
    if (Buffer.byteLength(full) > MAX_UNIX_PATH) {
      throw new Error(`rpc endpoint '${spec}': unix socket path longer than ${MAX_UNIX_PATH} bytes`);
    }
    return { kind: 'unix', path: full };
  }
  if (kind !== 'http' && kind !== 'udp') {
    throw new Error(`rpc endpoint '${spec}': expected http:IP:PORT, udp:IP:PORT or unix:PATH`);
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(rest);
  if (!m) throw new Error(`rpc endpoint '${spec}': expected ${kind}:IP:PORT (IPv6 in brackets)`);
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (m[1] !== undefined && net.isIPv6(host) === false) throw new Error(`rpc endpoint '${spec}': invalid IPv6 address`);
  if (m[2] !== undefined && host !== 'localhost' && !net.isIPv4(host)) {
    throw new Error(`rpc endpoint '${spec}': invalid IPv4 address '${host}'`);
  }
  if (port > 65535) throw new Error(`rpc endpoint '${spec}': port ${port} out of range`);
  return { kind, ip: host, port };
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x and `localhost`. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice(7) : host;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Refuses a network endpoint on a non-loopback address unless `allowRemote`.
 * @throws Error saying how to allow it.
 */
export function checkEndpointExposure(endpoint: RpcEndpoint, allowRemote: boolean): void {
  if (endpoint.kind === 'unix' || allowRemote || isLoopback(endpoint.ip)) return;
  throw new Error(
    `rpc endpoint ${formatRpcEndpoint(endpoint)} is not a loopback address: the RPC can reload ` +
      'and reconfigure TLS and has no authentication; set rpc_allow_remote = yes to expose it',
  );
}

export function formatRpcEndpoint(endpoint: RpcEndpoint): string {
  if (endpoint.kind === 'unix') return `unix:${endpoint.path}`;
  const host = net.isIPv6(endpoint.ip) ? `[${endpoint.ip}]` : endpoint.ip;
  return `${endpoint.kind}:${host}:${endpoint.port}`;
}
