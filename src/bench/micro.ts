/**
 * In-memory micro-benchmark of the native core: a client and a server `TlsSession` wired back
 * to back in this process, no sockets. Counts only the CPU of the server session's calls (JS to
 * C++ crossings included), so it compares with the same figure for OpenSSL alone (a C++ BIO
 * pair in the load generator, `inMemory`): the difference is what the addon's byte path adds
 * to OpenSSL. `openssl speed` measures single primitives, not handshakes or records, and is not
 * comparable.
 */
import { createSecureContext } from '../secure-context';
import { SecureContext, SessionStatus as S, TlsSession } from '../native';
import { BenchCertificates } from './certs';
import { Loadgen } from './loadgen';
import { Summary, summarize } from './summary';

/** One measurement: operations and the server side's CPU seconds. */
export interface MicroRun {
  operations: number;
  serverCpuSeconds: number;
}

const BATCH = 64;

function cpuNow(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

export function serverContext(cert: string, key: string): SecureContext {
  return createSecureContext({ method: 'TLSv1.3', certificate: cert, privateKey: key, verifyDepth: 9 });
}

function clientContext(): SecureContext {
  return createSecureContext({ method: 'TLSv1.3', verifyDepth: 9 });
}

/** Moves one flight from `from` to `to`; returns the status of `to`. */
function deliver(from: TlsSession, to: TlsSession, scratch: Buffer, out: Buffer): number {
  const n = from.takeCiphertextInto(scratch);
  let status = to.feed(n > 0 ? scratch.subarray(0, n) : null, out);
  while (status & S.MORE_PLAINTEXT) status = to.read(out);
  return status;
}

/** Full TLS 1.3 handshakes for `durationMs`, new sessions each time. */
export function sessionHandshakes(cert: string, key: string, durationMs: number): MicroRun {
  const server = serverContext(cert, key);
  const client = clientContext();
  const scratch = Buffer.alloc(65536);
  const out = Buffer.alloc(65536);
  let operations = 0;
  let serverCpu = 0;
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const c = new TlsSession(client, { isServer: false });
    const s = new TlsSession(server, { isServer: true });
    let clientStatus = c.feed(null, out);
    let serverStatus = 0;
    for (let round = 0; round < 10 && !(clientStatus & serverStatus & S.HANDSHAKE_DONE); round++) {
      const before = cpuNow();
      serverStatus = deliver(c, s, scratch, out);
      const n = s.takeCiphertextInto(scratch);
      serverCpu += cpuNow() - before;
      if ((clientStatus | serverStatus) & S.ERROR) throw new Error('in-memory handshake failed');
      clientStatus = c.feed(n > 0 ? scratch.subarray(0, n) : null, out);
    }
    if (!(clientStatus & serverStatus & S.HANDSHAKE_DONE)) throw new Error('in-memory handshake did not complete');
    const before = cpuNow();
    s.close();
    serverCpu += cpuNow() - before;
    c.close();
    operations++;
  }
  return { operations, serverCpuSeconds: serverCpu };
}

/**
 * `messageBytes` requests, each answered by a response of the same size, over one session
 * pair, in batches of 64 (one feed and one writev on the server per batch).
 */
export function sessionTransactions(cert: string, key: string, messageBytes: number, durationMs: number): MicroRun {
  const c = new TlsSession(clientContext(), { isServer: false });
  const s = new TlsSession(serverContext(cert, key), { isServer: true });
  const scratch = Buffer.alloc(BATCH * (messageBytes + 64) + 65536);
  const out = Buffer.alloc(65536);
  c.feed(null, out);
  for (let round = 0; round < 10 && !(c.status() & s.status() & S.HANDSHAKE_DONE); round++) {
    deliver(c, s, scratch, out);
    deliver(s, c, scratch, out);
  }
  if (!(c.status() & s.status() & S.HANDSHAKE_DONE)) throw new Error('in-memory handshake did not complete');
  const message = Buffer.alloc(messageBytes, 'x');
  const batch = Array.from({ length: BATCH }, () => message);
  let operations = 0;
  let serverCpu = 0;
  const end = Date.now() + durationMs;
  try {
    while (Date.now() < end) {
      for (let i = 0; i < BATCH; i++) c.write(message);
      const n = c.takeCiphertextInto(scratch);
      const before = cpuNow();
      let status = s.feed(scratch.subarray(0, n), out);
      let received = s.lengths[0];
      while (status & S.MORE_PLAINTEXT) {
        status = s.read(out);
        received += s.lengths[0];
      }
      s.writev(batch);
      const m = s.takeCiphertextInto(scratch);
      serverCpu += cpuNow() - before;
      if (received !== BATCH * messageBytes || (status & S.ERROR)) throw new Error('in-memory server read failed');
      status = c.feed(scratch.subarray(0, m), out);
      while (status & S.MORE_PLAINTEXT) status = c.read(out);
      operations += BATCH;
    }
  } finally {
    c.close();
    s.close();
  }
  return { operations, serverCpuSeconds: serverCpu };
}

/** Server CPU per operation and operations per server CPU-second, over the repetitions. */
export interface MicroFigure {
  perCpuSecond: Summary;
  microsecondsPerOperation: Summary;
}

/** The micro-benchmark's figures: sip-tls Session and OpenSSL alone, same work, same certificates. */
export interface MicroResults {
  compares: string;
  session: Record<'handshakesEcdsa' | 'handshakesRsa' | 'transactions500', MicroFigure>;
  openssl: Record<'handshakesEcdsa' | 'handshakesRsa' | 'transactions500', MicroFigure>;
  /** Session CPU per operation divided by OpenSSL's: 1 means the addon adds nothing. */
  overhead: Record<'handshakesEcdsa' | 'handshakesRsa' | 'transactions500', number>;
}

function figure(runs: MicroRun[]): MicroFigure {
  return {
    perCpuSecond: summarize(runs.map((r) => r.operations / r.serverCpuSeconds)),
    microsecondsPerOperation: summarize(runs.map((r) => (r.serverCpuSeconds / r.operations) * 1e6)),
  };
}

/** Runs the micro-benchmark: `repetitions` windows of each, Session and OpenSSL interleaved. */
export async function runMicro(
  loadgen: Loadgen, files: BenchCertificates['files'], windowMs: number, repetitions: number, progress: (text: string) => void,
): Promise<MicroResults> {
  const keys = ['handshakesEcdsa', 'handshakesRsa', 'transactions500'] as const;
  const session: Record<string, MicroRun[]> = {};
  const openssl: Record<string, MicroRun[]> = {};
  for (let rep = 1; rep <= repetitions; rep++) {
    for (const key of keys) {
      const { cert, key: keyFile } = files[key === 'handshakesRsa' ? 'rsa' : 'ecdsa'];
      const own = key === 'transactions500' ? sessionTransactions(cert, keyFile, 500, windowMs) : sessionHandshakes(cert, keyFile, windowMs);
      const alone = await loadgen.inMemory({ mode: key === 'transactions500' ? 'transactions' : 'handshakes', cert, key: keyFile, durationMs: windowMs, messageBytes: 500 });
      (session[key] ??= []).push(own);
      (openssl[key] ??= []).push(alone);
      const us = (r: MicroRun) => ((r.serverCpuSeconds / r.operations) * 1e6).toFixed(2);
      progress(`micro ${key} ${rep}/${repetitions}: sip-tls Session ${us(own)} µs server CPU/op, OpenSSL alone ${us(alone)} µs`);
    }
  }
  const s = Object.fromEntries(keys.map((k) => [k, figure(session[k])])) as MicroResults['session'];
  const o = Object.fromEntries(keys.map((k) => [k, figure(openssl[k])])) as MicroResults['openssl'];
  return {
    compares: 'server-side CPU per operation of a sip-tls TlsSession pair driven from JS (N-API crossings, memory BIO) ' +
      'against an OpenSSL SSL pair over a BIO pair in C++; TLS 1.3, full handshakes; 500-byte request + 500-byte response per transaction',
    session: s,
    openssl: o,
    overhead: Object.fromEntries(keys.map((k) => [k, s[k].microsecondsPerOperation.median / o[k].microsecondsPerOperation.median])) as MicroResults['overhead'],
  };
}
