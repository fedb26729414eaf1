/** The shape of `bench-results/bench-*.json`: every figure, per server, over the repetitions. */
import { KeyKind } from './certs';
import { RunFigures } from './scenarios';
import { Summary, summarize } from './summary';
import type { MicroResults } from './micro';

/** One figure family (handshakes or transactions) of one server over its repetitions. */
export interface FigureSet {
  perSecond: Summary;
  perCpuSecond: Summary;
  p50Us: Summary;
  p99Us: Summary;
  loadgenCpuPerServerCpu: Summary;
  loadgenBusy: Summary;
  otherCores: Summary;
  failures: number;
  firstError: string;
  runs: RunFigures[];
}

export interface IdleSet {
  connections: number;
  bytesPerConnection: Summary;
  opened: Summary;
  serverConnections: Summary;
  failures: number;
  firstError: string;
}

export interface ServerResults {
  name: string;
  kind: 'baseline' | 'sip-tls' | 'target';
  available: boolean;
  unavailableReason?: string;
  handshakes: Partial<Record<KeyKind | 'own', FigureSet>>;
  transactions?: FigureSet;
  idle?: IdleSet[];
  /** Handshakes while the largest idle count is held. */
  handshakesWhileHeld?: FigureSet & { connections: number };
  /**
   * Handshakes on the same server process right after its idle connections were closed, after
   * the same warm-up, repetition by repetition with `handshakesWhileHeld`: what the held rate is
   * kept against.
   */
  handshakesAfterHeld?: FigureSet;
  errors: string[];
}

export interface Ratio {
  figure: string;
  /** sip-tls (or a target) median divided by the node:tls median. */
  value: number;
  /** Better when higher (rates) or lower (memory, latency). */
  higherIsBetter: boolean;
  /** The project's target for this ratio, when it has one. */
  target?: number;
  met?: boolean;
}

export interface BenchResults {
  version: 1;
  date: string;
  command: string;
  machine: {
    cpuModel: string;
    cpus: number;
    memoryGiB: number;
    kernel: string;
    node: string;
    openssl: string;
    loadavgBefore: number[];
    loadavgAfter: number[];
    /** Average cores used by processes other than this benchmark during the whole run. */
    otherCores: number;
  };
  settings: {
    quick: boolean;
    repetitions: number;
    windowMs: number;
    handshakeConcurrency: number;
    connections: number;
    depth: number;
    idleCounts: number[];
    tls: string;
  };
  servers: ServerResults[];
  /** Per compared server: its ratios to node:tls. */
  ratios: Record<string, Ratio[]>;
  /** Absolute targets for sip-tls that are not ratios. */
  checks: Array<{ check: string; value: number | string; met: boolean }>;
  /** In-memory micro-benchmark of the native core (absent when not run or not available). */
  micro?: MicroResults;
  microError?: string;
  durationSeconds: number;
  /** PIDs of the servers and load generators the run started; all stopped when it returns. */
  processes: number[];
}

export function figureSet(runs: RunFigures[]): FigureSet {
  const pick = (key: keyof RunFigures) => summarize(runs.map((r) => r[key] as number));
  return {
    perSecond: pick('perSecond'),
    perCpuSecond: pick('perCpuSecond'),
    p50Us: pick('p50Us'),
    p99Us: pick('p99Us'),
    loadgenCpuPerServerCpu: pick('loadgenCpuPerServerCpu'),
    loadgenBusy: pick('loadgenBusy'),
    otherCores: pick('otherCores'),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
    firstError: runs.find((r) => r.firstError)?.firstError ?? '',
    runs,
  };
}
