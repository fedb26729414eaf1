/**
 * `sip-tls.ini`, read with the `ini` package: top-level `listen` (`tls:IP:PORT`, IPv6 as
 * `tls:[::1]:5061`) and `rpc` (`http:IP:PORT`, `udp:IP:PORT`, `unix:PATH`), each given once or
 * repeated as `listen[] = …`; section `[tls]` with module parameters by their exact names.
 * Errors name the file, the line and the key.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as ini from 'ini';
import { ConfigError } from './config-error';
import { ParamError, ParamStore, closestName, parseBoolWord } from './params';
import { resolveConfigPath } from './paths';
import { Endpoint } from './profile';
import { canonicalIp } from './tls-cfg';

/** Where the RPC server listens: JSON-RPC over HTTP POST, over UDP datagrams or a unix datagram socket. */
export type RpcEndpoint =
  | { kind: 'http' | 'udp'; ip: string; port: number }
  | { kind: 'unix'; path: string };

export interface MainConfig {
  /** The ini file as given. */
  file: string;
  /** Its directory: relative paths in `[tls]` and in tls.cfg resolve against it. */
  baseDir: string;
  listen: Endpoint[];
  rpc: RpcEndpoint[];
  /** `rpc_allow_remote = yes`: RPC endpoints may use non-loopback addresses. Default no. */
  rpcAllowRemote: boolean;
  /** Module parameters, validated, file paths resolved. */
  params: ParamStore;
}

const TOP_LEVEL_KEYS = ['listen', 'rpc', 'rpc_allow_remote'];
const SECTIONS = ['tls'];

/** Lines where each `section\0key` is written (1-based), to locate errors. */
function locateKeys(text: string): Map<string, { line: number; col: number; array: boolean }[]> {
  const found = new Map<string, { line: number; col: number; array: boolean }[]>();
  let section = '';
  text.split(/\r?\n/).forEach((raw, i) => {
    const header = /^\s*\[([^\]]*)\]\s*(?:[;#].*)?$/.exec(raw);
    if (header) { section = header[1].trim(); return; }
    const key = /^(\s*)([^=;#\s[\]][^=]*?)\s*(\[\])?\s*=/.exec(raw);
    if (!key) return;
    const id = `${section}\0${key[2]}`;
    const list = found.get(id) ?? [];
    list.push({ line: i + 1, col: key[1].length + 1, array: Boolean(key[3]) });
    found.set(id, list);
  });
  return found;
}

/**
 * Values the ini format would cut short without a word: in an unquoted value, `;` or `#` starts a
 * comment, so `private_key_password = se;cret` would read as `se`. A `;` or `#` right after text is
 * refused (quote the value); one after a space is taken as the comment it looks like.
 */
function cutValueErrors(text: string, file: string): ConfigError[] {
  const errors: ConfigError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const m = /^(\s*([^=;#\s[\]][^=]*?)\s*(?:\[\])?\s*=\s*)(.*)$/.exec(raw);
    if (!m || /^["']/.test(m[3])) return;
    const cut = /\S[;#]/.exec(m[3]);
    if (!cut) return;
    errors.push(new ConfigError(
      `the value of '${m[2]}' has '${m[3][cut.index + 1]}' right after text, where the ini format starts a comment and cuts the value; quote the value ("…")`,
      { file, line: i + 1, col: m[1].length + cut.index + 2, parameter: m[2] }));
  });
  return errors;
}

/** `tls:IP:PORT` / `tls:[v6]:PORT` → endpoint; throws a plain Error with the reason. */
export function parseListen(value: string): Endpoint {
  const m = /^tls:(.+)$/i.exec(value.trim());
  if (!m) throw new Error(`expected tls:IP:PORT (IPv6 as tls:[::1]:5061), got '${value}'`);
  return parseHostPort(m[1], value);
}

/** `IP:PORT` or `[v6]:PORT` → endpoint; port 0..65535. */
export function parseHostPort(text: string, shown = text): Endpoint {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:\]]+):(\d{1,5})$/.exec(text);
  if (!m || !net.isIP(m[1]) || Number(m[2]) > 65535 || (m[0].startsWith('[') && !net.isIPv6(m[1]))) {
    throw new Error(`expected an IP address and port (IPv6 in brackets: [::1]:5061), got '${shown}'`);
  }
  return { ip: canonicalIp(m[1]), port: Number(m[2]) };
}

/** `http:IP:PORT`, `udp:IP:PORT` or `unix:PATH` (PATH by the guide's path rule). */
export function parseRpc(value: string, baseDir: string): RpcEndpoint {
  const m = /^(http|udp|unix):(.+)$/i.exec(value.trim());
  if (!m) throw new Error(`expected http:IP:PORT, udp:IP:PORT or unix:PATH, got '${value}'`);
  const kind = m[1].toLowerCase() as 'http' | 'udp' | 'unix';
  if (kind === 'unix') return { kind, path: resolveConfigPath(m[2], baseDir) };
  const { ip, port } = parseHostPort(m[2], value);
  return { kind, ip, port };
}

function asList(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * Reads and validates a sip-tls.ini. Collects every error it can find and throws the first
 * (all of them in `errors`).
 */
export function readMainConfig(file: string): MainConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config: ${(err as Error).message}`, { file });
  }
  const baseDir = path.dirname(path.resolve(file));
  const keys = locateKeys(text);
  const errors: ConfigError[] = cutValueErrors(text, file);
  const at = (section: string, key: string, which = 0) => {
    const spot = keys.get(`${section}\0${key}`)?.[which];
    return { file, line: spot?.line ?? 0, col: spot?.col ?? 0, parameter: key };
  };
  const data = ini.parse(text) as Record<string, unknown>;

  for (const [id, spots] of keys) {
    const plain = spots.filter((s) => !s.array);
    if (plain.length > 1) {
      const key = id.split('\0')[1];
      errors.push(new ConfigError(`'${key}' is given ${plain.length} times; repeat it as '${key}[] = …' or give it once`,
        { file, line: plain[1].line, col: plain[1].col, parameter: key }));
    }
  }

  const listen: Endpoint[] = [];
  const rpc: RpcEndpoint[] = [];
  let rpcAllowRemote = false;
  let tlsSection: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const isSection = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (isSection) {
      if (SECTIONS.includes(key)) { tlsSection = value as Record<string, unknown>; continue; }
      errors.push(new ConfigError(`unknown section [${key}] (sections: ${SECTIONS.map((s) => `[${s}]`).join(', ')})`,
        { file, line: findSectionLine(text, key), col: 1, parameter: key }));
      continue;
    }
    if (!TOP_LEVEL_KEYS.includes(key)) {
      const hint = closestName(key, TOP_LEVEL_KEYS);
      errors.push(new ConfigError(`unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; module parameters go in [tls]`, at('', key)));
      continue;
    }
    if (key === 'rpc_allow_remote') {
      const allow = typeof value === 'boolean' ? value : parseBoolWord(String(value));
      if (allow === undefined) errors.push(new ConfigError(`rpc_allow_remote: expected yes or no, got '${String(value)}'`, at('', key)));
      else rpcAllowRemote = allow;
      continue;
    }
    asList(value).forEach((item, i) => {
      try {
        if (typeof item !== 'string') throw new Error(`expected a string, got ${JSON.stringify(item)}`);
        if (key === 'listen') listen.push(parseListen(item)); else rpc.push(parseRpc(item, baseDir));
      } catch (err) {
        errors.push(new ConfigError(`${key}: ${(err as Error).message}`, at('', key, i)));
      }
    });
  }

  const { errors: paramErrors } = ParamStore.validate(tlsSection);
  for (const e of paramErrors) errors.push(new ConfigError(e.message, at('tls', e.parameter)));
  ConfigError.throwIfAny(errors);
  let params: ParamStore;
  try {
    params = new ParamStore(tlsSection, { baseDir });
  } catch (err) {
    if (err instanceof ParamError) throw new ConfigError(err.message, at('tls', err.parameter));
    throw err;
  }
  return { file, baseDir, listen, rpc, rpcAllowRemote, params };
}

function findSectionLine(text: string, name: string): number {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => l.trim().startsWith(`[${name}`));
  return i + 1;
}
