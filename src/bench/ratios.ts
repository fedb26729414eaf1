/** Ratios of a server's medians to the node:tls baseline's, and the project's targets. */
import { BenchResults, Ratio, ServerResults } from './results';
import { summarize } from './summary';

const IDLE_LIMIT_BYTES = 16 * 1024;

function ratio(figure: string, ours: number | undefined, base: number | undefined, higherIsBetter: boolean, target?: number): Ratio | null {
  if (ours === undefined || base === undefined || !Number.isFinite(ours) || !Number.isFinite(base) || base === 0) return null;
  const value = ours / base;
  const out: Ratio = { figure, value, higherIsBetter };
  if (target !== undefined) {
    out.target = target;
    out.met = higherIsBetter ? value >= target : value <= target;
  }
  return out;
}

/** Ratios of `server` to `base`; targets apply only to the sip-tls server. */
export function ratiosOf(server: ServerResults, base: ServerResults): Ratio[] {
  const t = (value: number) => (server.kind === 'sip-tls' ? value : undefined);
  const list: Array<Ratio | null> = [];
  for (const kind of ['ecdsa', 'rsa'] as const) {
    const a = server.handshakes[kind];
    const b = base.handshakes[kind];
    const label = kind === 'ecdsa' ? 'ECDSA P-256' : 'RSA-2048';
    list.push(ratio(`handshakes / server CPU-s, ${label}`, a?.perCpuSecond.median, b?.perCpuSecond.median, true, t(kind === 'ecdsa' ? 1.5 : 1.2)));
    list.push(ratio(`handshakes / s, ${label}`, a?.perSecond.median, b?.perSecond.median, true));
    list.push(ratio(`handshake p99 latency, ${label}`, a?.p99Us.median, b?.p99Us.median, false));
  }
  list.push(ratio('transactions / server CPU-s', server.transactions?.perCpuSecond.median, base.transactions?.perCpuSecond.median, true, t(2.5)));
  list.push(ratio('transactions / s', server.transactions?.perSecond.median, base.transactions?.perSecond.median, true));
  list.push(ratio('transaction p99 latency', server.transactions?.p99Us.median, base.transactions?.p99Us.median, false));
  for (const idle of server.idle ?? []) {
    const other = base.idle?.find((i) => i.connections === idle.connections);
    list.push(ratio(`memory / idle connection, N=${idle.connections}`, idle.bytesPerConnection.median, other?.bytesPerConnection.median, false, t(0.5)));
  }
  list.push(ratio(`handshakes / server CPU-s while ${server.handshakesWhileHeld?.connections ?? 0} held`,
    server.handshakesWhileHeld?.perCpuSecond.median, base.handshakesWhileHeld?.perCpuSecond.median, true));
  return list.filter((r): r is Ratio => r !== null);
}

/** Absolute checks for the sip-tls server: idle bytes, the largest hold without error, rate kept. */
export function checksOf(server: ServerResults): BenchResults['checks'] {
  const checks: BenchResults['checks'] = [];
  for (const idle of server.idle ?? []) {
    const bytes = idle.bytesPerConnection.median;
    checks.push({ check: `memory / idle connection at N=${idle.connections} <= 16 KiB`, value: Math.round(bytes), met: bytes <= IDLE_LIMIT_BYTES });
  }
  const largest = server.idle?.[server.idle.length - 1];
  if (largest) {
    const complete = largest.failures === 0 && largest.opened.min === largest.connections;
    checks.push({ check: `${largest.connections} idle connections held with no error`, value: `${largest.opened.min} open, ${largest.failures} failed`, met: complete });
  }
  // Against the same server process once they were closed, repetition by repetition: the
  // machine's drift between the handshake figures at the start of a run and the idle ones minutes
  // later is not the server's.
  const held = server.handshakesWhileHeld;
  const unloaded = server.handshakesAfterHeld;
  if (held && unloaded) {
    const kept = summarize(held.perCpuSecond.values.map((v, rep) => v / unloaded.perCpuSecond.values[rep])).median;
    checks.push({ check: `handshake rate kept while ${held.connections} held (>= 0.9 of the same server after, per CPU-s, median of repetitions)`, value: Number(kept.toFixed(2)), met: kept >= 0.9 && held.failures === 0 });
  }
  return checks;
}
