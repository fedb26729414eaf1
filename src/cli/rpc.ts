/**
 * `sip-tls rpc [--url URL | --socket PATH] [--table] [--timeout MS] METHOD [ARG…]`: calls one
 * RPC method and prints its result as JSON (`--table`: tls.list as a table).
 *
 * Arguments are typed as kamcli types them: `i:5` an integer, `s:5` a string; otherwise a
 * plain integer is sent as a number and anything else as a string.
 * Target: `--url` (http://…, udp:IP:PORT, unix:PATH), `--socket PATH` (unix datagram socket),
 * else $SIP_TLS_RPC, else the first rpc endpoint of the demo config `sip-tls serve` writes
 * (./sip-tls-demo/sip-tls.ini), else http://127.0.0.1:5062.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { callRpcRaw } from '../rpc/client';
import { formatConnectionTable } from './rpc-table';
import type { TlsListEntry } from '../rpc/host';

const USAGE = `usage: sip-tls rpc [--url URL | --socket PATH] [--table] [--timeout MS] METHOD [ARG…]
  URL: http://HOST:PORT[/PATH], udp:IP:PORT or unix:PATH; ARG: i:INT, s:STRING, INT or STRING
  e.g. sip-tls rpc tls.list --table;  sip-tls rpc cfg.set_now_int tls connection_timeout 300`;

/** Where `sip-tls serve` without -f writes its demo configuration. */
export const DEMO_INI = path.join('sip-tls-demo', 'sip-tls.ini');
export const DEFAULT_RPC_URL = 'http://127.0.0.1:5062';

/** The first `rpc = …` line of an ini file, relative unix paths resolved against its directory. */
function firstRpcEndpoint(iniPath: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(iniPath, 'utf8');
  } catch {
    return undefined;
  }
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) break; // rpc is a top-level key
    const m = /^rpc\s*(?:\[\])?\s*=\s*(?:"([^"]*)"|(\S+))/.exec(line);
    if (!m) continue;
    const spec = m[1] ?? m[2];
    if (spec.startsWith('unix:') && !path.isAbsolute(spec.slice(5))) {
      return `unix:${path.resolve(path.dirname(iniPath), spec.slice(5))}`;
    }
    return spec;
  }
  return undefined;
}

export function defaultTarget(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.SIP_TLS_RPC || firstRpcEndpoint(path.join(cwd, DEMO_INI)) || DEFAULT_RPC_URL;
}

/** kamcli's typing of command-line arguments, plus plain integers as numbers. */
export function typeArgument(arg: string): number | string {
  if (arg.startsWith('i:') && /^[-+]?\d+$/.test(arg.slice(2))) return Number.parseInt(arg.slice(2), 10);
  if (arg.startsWith('s:')) return arg.slice(2);
  if (/^-?\d+$/.test(arg) && Number.isSafeInteger(Number(arg))) return Number(arg);
  return arg;
}

export async function run(args: string[]): Promise<number> {
  let target: string | undefined;
  let table = false;
  let timeoutMs = 5000;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (rest.length === 0 && (a === '--url' || a === '--socket' || a === '--timeout')) {
      const v = args[++i];
      if (v === undefined) {
        process.stderr.write(`sip-tls rpc: ${a} needs a value\n${USAGE}\n`);
        return 2;
      }
      if (a === '--url') target = v;
      else if (a === '--socket') target = `unix:${path.resolve(v)}`;
      else timeoutMs = Number(v);
    } else if (a === '--table') table = true;
    else if (rest.length === 0 && (a === '-h' || a === '--help')) {
      process.stdout.write(USAGE + '\n');
      return 0;
    } else rest.push(a);
  }
  const [method, ...params] = rest;
  if (!method || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write(USAGE + '\n');
    return 2;
  }
  const to = target ?? defaultTarget();
  const reply = await callRpcRaw(to, method, params.map(typeArgument), { timeoutMs });
  if (reply.error) {
    process.stderr.write(`sip-tls rpc: ${method} failed (${reply.error.code}): ${reply.error.message}\n`);
    return 1;
  }
  if (table && method === 'tls.list' && Array.isArray(reply.result)) {
    process.stdout.write(formatConnectionTable(reply.result as TlsListEntry[]));
  } else {
    process.stdout.write(JSON.stringify(reply.result, null, 2) + '\n');
  }
  return 0;
}
