/**
 * The servers a benchmark drives: the node:tls baseline and the sip-tls server (child
 * processes the harness starts, one per certificate kind, stopped by PID), and external
 * targets given by address (and optionally PID).
 */
import * as path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { nextMessage, startNode, stopChild } from './children';
import { FromServer } from './server-ipc';
import { BenchCertificates, KeyKind } from './certs';
import { TargetSpec } from './options';
import { processTree } from './proc-stats';

export interface RunningServer {
  host: string;
  port: number;
  serverName?: string;
  /**
   * The server's processes, for its CPU and memory figures: the child the harness started, or a
   * target's pid= with its descendants; empty when unknown.
   */
  pids: number[];
  /** Full GC in the server; resolves with its open connection count (harness-started only). */
  collect?(): Promise<number>;
  stop(): Promise<void>;
}

export interface BenchServer {
  name: string;
  kind: 'baseline' | 'sip-tls' | 'target';
  /** Certificate kinds it can serve; a target serves its own certificate, shown as 'own'. */
  keyKinds: Array<KeyKind | 'own'>;
  start(keyKind: KeyKind | 'own'): Promise<RunningServer>;
}

const isReady = (m: unknown): m is Extract<FromServer, { type: 'ready' }> => (m as FromServer).type === 'ready';
const isGc = (m: unknown): m is Extract<FromServer, { type: 'gc' }> => (m as FromServer).type === 'gc';

async function startChildServer(script: string, certs: BenchCertificates, keyKind: KeyKind, what: string): Promise<RunningServer> {
  const { cert, key } = certs.files[keyKind];
  const child: ChildProcess = startNode(script, [cert, key, '127.0.0.1', '0'], ['--expose-gc']);
  try {
    const ready = await nextMessage(child, isReady, 20000, `${what} start`);
    return {
      host: '127.0.0.1',
      port: ready.port,
      pids: child.pid !== undefined ? [child.pid] : [],
      collect: async () => {
        child.send({ type: 'gc' });
        return (await nextMessage(child, isGc, 20000, `${what} gc`)).connections;
      },
      stop: () => stopChild(child),
    };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

/** A server the harness runs as a child process (`script` in this directory) with either key. */
function childServer(name: string, kind: 'baseline' | 'sip-tls', script: string, certs: BenchCertificates): BenchServer {
  return {
    name,
    kind,
    keyKinds: ['ecdsa', 'rsa'],
    start: (keyKind) => startChildServer(path.join(__dirname, script), certs, keyKind as KeyKind, `${name} server`),
  };
}

export function baselineServer(certs: BenchCertificates): BenchServer {
  return childServer('node:tls', 'baseline', 'baseline-server.js', certs);
}

export function siptlsServer(certs: BenchCertificates): BenchServer {
  return childServer('sip-tls', 'sip-tls', 'siptls-server.js', certs);
}

export function targetServer(spec: TargetSpec): BenchServer {
  return {
    name: spec.name,
    kind: 'target',
    keyKinds: ['own'],
    start: async () => ({
      host: spec.host, port: spec.port, serverName: spec.serverName,
      pids: spec.pid !== undefined ? processTree(spec.pid) : [],
      stop: async () => undefined,
    }),
  };
}
