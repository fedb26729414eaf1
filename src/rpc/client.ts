/**
 * A JSON-RPC client for the three transports: `http://HOST:PORT[/PATH]`, `udp:IP:PORT` and
 * `unix:PATH` (a datagram socket; the client binds its own reply socket, as kamcli does).
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseRpc } from '../main-config';
import { RpcFault } from './errors';
import type { RpcReply } from './protocol';
import { UnixDgramSocket } from './unix-dgram-socket';

export interface RpcCallOptions {
  /** Give up after this many ms. Default 5000 (kamcli waits 4 s). */
  timeoutMs?: number;
}

let nextId = 1;
let nextReplySocket = 0;

function requestText(method: string, params: unknown[], id: number): string {
  return JSON.stringify(params.length ? { jsonrpc: '2.0', method, params, id } : { jsonrpc: '2.0', method, id });
}

function parseReply(text: string, target: string): RpcReply {
  try {
    return JSON.parse(text) as RpcReply;
  } catch {
    throw new Error(`${target}: reply is not JSON: ${text.slice(0, 200)}`);
  }
}

function httpCall(url: URL, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url.href}: no reply within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`${url.href}: ${err.message}`)));
    req.end(body);
  });
}

function udpCall(host: string, port: number, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => finish(new Error(`udp:${host}:${port}: no reply within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err: Error | null, text?: string): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(text as string);
    };
    socket.on('message', (msg) => finish(null, msg.toString('utf8')));
    socket.on('error', (err) => finish(new Error(`udp:${host}:${port}: ${err.message}`)));
    socket.send(body, port, host);
  });
}

function unixCall(serverPath: string, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const replyPath = path.join(os.tmpdir(), `sip-tls-rpc.${process.pid}.${nextReplySocket++}.sock`);
    fs.rmSync(replyPath, { force: true });
    let done = false;
    const finish = (err: Error | null, text?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      fs.rmSync(replyPath, { force: true });
      if (err) reject(err);
      else resolve(text as string);
    };
    const socket = new UnixDgramSocket((data) => finish(null, data.toString('utf8')));
    const timer = setTimeout(() => finish(new Error(`unix:${serverPath}: no reply within ${timeoutMs} ms`)), timeoutMs);
    try {
      socket.bind(replyPath);
      socket.send(Buffer.from(body), serverPath);
    } catch (err) {
      finish(new Error(`unix:${serverPath}: ${(err as Error).message}`));
    }
  });
}

/** Sends one request and returns the whole reply (result or error). @throws on transport failure. */
export async function callRpcRaw(target: string, method: string, params: unknown[] = [],
  options: RpcCallOptions = {}): Promise<RpcReply> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const body = requestText(method, params, nextId++);
  let text: string;
  if (/^https?:\/\//.test(target)) {
    text = await httpCall(new URL(target), body, timeoutMs);
  } else {
    const endpoint = parseRpc(target.startsWith('/') ? `unix:${target}` : target, process.cwd());
    if (endpoint.kind === 'unix') text = await unixCall(endpoint.path, body, timeoutMs);
    else if (endpoint.kind === 'udp') text = await udpCall(endpoint.ip, endpoint.port, body, timeoutMs);
    else text = await httpCall(new URL(`http://${net.isIPv6(endpoint.ip) ? `[${endpoint.ip}]` : endpoint.ip}:${endpoint.port}/`), body, timeoutMs);
  }
  return parseReply(text, target);
}

/** Sends one request and returns its result. @throws RpcFault for an error reply. */
export async function callRpc(target: string, method: string, params: unknown[] = [],
  options: RpcCallOptions = {}): Promise<unknown> {
  const reply = await callRpcRaw(target, method, params, options);
  if (reply.error) throw new RpcFault(reply.error.code, reply.error.message);
  return reply.result;
}
