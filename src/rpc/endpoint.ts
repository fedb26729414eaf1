/**
 * RPC endpoints (`rpc = http:IP:PORT | udp:IP:PORT | unix:PATH` in sip-tls.ini, parsed by
 * `parseRpc` in main-config.ts), and the rule that only loopback addresses and unix sockets are
 * used unless remote access is asked for (`rpc_allow_remote = yes`).
 */
import * as net from 'node:net';
import type { RpcEndpoint } from '../main-config';

export type { RpcEndpoint } from '../main-config';

/** True for 127.0.0.0/8, ::1 and ::ffff:127.x. */
export function isLoopback(ip: string): boolean {
  if (ip === '::1') return true;
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
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
