/** Requests and replies between the harness and a load generator child (see loadgen-child). */

/** Latency summary in microseconds, from the loadgen's histogram (about 1.6% resolution). */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** What one native run measured; counts cover the measuring window only. */
export interface RunResult {
  completed: number;
  handshakes: number;
  failures: Record<string, number>;
  firstError: string;
  windowSeconds: number;
  handshakeLatencyUs: LatencySummary;
  latencyUs: LatencySummary;
  /** CPU seconds used by each watched pid during the window (-1: unreadable). */
  watchedCpuSeconds: Record<string, number>;
  loadgenThreadCpuSeconds: number;
  loadgenProcessCpuSeconds: number;
  fatal?: string;
  poolId?: number;
  open?: number;
}

export interface TargetOptions {
  host: string;
  port: number;
  serverName?: string;
  tls13Only?: boolean;
}

export type LoadgenRequest =
  | { id: number; op: 'handshakes'; options: TargetOptions & { concurrency: number; durationMs: number; maxCount?: number; timeoutMs?: number; watchPids?: number[] } }
  | { id: number; op: 'openPool'; options: Partial<TargetOptions> & { count: number; concurrency: number; timeoutMs: number; poolId?: number } }
  | { id: number; op: 'transactions'; options: { poolId: number; depth: number; durationMs: number; watchPids?: number[] } }
  | { id: number; op: 'closePool'; options: { poolId: number } }
  | { id: number; op: 'inMemory'; options: InMemoryOptions };

/** OpenSSL alone in memory (the load generator's C++ BIO pair), for the micro-benchmark. */
export interface InMemoryOptions {
  mode: 'handshakes' | 'transactions';
  cert: string;
  key: string;
  durationMs: number;
  messageBytes?: number;
}

export interface InMemoryResult {
  operations: number;
  serverCpuSeconds: number;
  wallSeconds: number;
  error: string;
}

export interface LoadgenReply {
  id: number;
  result?: unknown;
  error?: string;
}
