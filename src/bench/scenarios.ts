/**
 * One measurement each: a handshake run, a transaction run, an idle-memory hold. Server CPU
 * comes from /proc/PID/stat deltas taken by the load generator at the edges of its window;
 * memory from /proc/PID/smaps_rollup PSS after a full GC in the server.
 */
import { Loadgen } from './loadgen';
import { RunResult } from './loadgen-protocol';
import { RunningServer } from './servers';
import { machineCpu, pssBytes } from './proc-stats';

/** Figures of one run. CPU figures are NaN when the server's PID is unknown. */
export interface RunFigures {
  completed: number;
  perSecond: number;
  perCpuSecond: number;
  p50Us: number;
  p99Us: number;
  serverCpuSeconds: number;
  /** Load generator thread CPU per server CPU: below 1 means the client side was cheaper. */
  loadgenCpuPerServerCpu: number;
  /** Load generator thread busy share of the window: near 1 means it, not the server, limited the rate. */
  loadgenBusy: number;
  /** CPU cores other processes of the machine used during the window. */
  otherCores: number;
  failures: number;
  firstError: string;
}

function figures(result: RunResult, server: RunningServer, latency: 'handshake' | 'transaction', machine: { busy: number }): RunFigures {
  if (result.fatal) throw new Error(result.fatal);
  // A process that could not be read (-1: it exited) makes the sum NaN rather than too small.
  const cpuOf = (pid: number) => {
    const seconds = result.watchedCpuSeconds[String(pid)];
    return seconds !== undefined && seconds >= 0 ? seconds : NaN;
  };
  const serverCpu = server.pids.length > 0 ? server.pids.reduce((sum, pid) => sum + cpuOf(pid), 0) : NaN;
  const histogram = latency === 'handshake' ? result.handshakeLatencyUs : result.latencyUs;
  const failures = Object.values(result.failures).reduce((sum, n) => sum + n, 0);
  const window = result.windowSeconds;
  const ours = (Number.isFinite(serverCpu) ? serverCpu : 0) + result.loadgenProcessCpuSeconds;
  return {
    completed: result.completed,
    perSecond: result.completed / window,
    perCpuSecond: result.completed / serverCpu,
    p50Us: histogram.p50,
    p99Us: histogram.p99,
    serverCpuSeconds: serverCpu,
    loadgenCpuPerServerCpu: result.loadgenThreadCpuSeconds / serverCpu,
    loadgenBusy: result.loadgenThreadCpuSeconds / window,
    otherCores: Math.max(0, (machine.busy - ours) / window),
    failures,
    firstError: result.firstError,
  };
}

/** Machine busy CPU seconds over an async step. */
async function withMachineCpu<T>(step: () => Promise<T>): Promise<{ value: T; busy: number }> {
  const before = machineCpu().busy;
  const value = await step();
  return { value, busy: machineCpu().busy - before };
}

export async function runHandshakes(loadgen: Loadgen, server: RunningServer, concurrency: number, windowMs: number): Promise<RunFigures> {
  const { value, busy } = await withMachineCpu(() => loadgen.handshakes({
    host: server.host, port: server.port, serverName: server.serverName, concurrency, durationMs: windowMs,
    watchPids: server.pids,
  }));
  return figures(value, server, 'handshake', { busy });
}

export async function runTransactions(loadgen: Loadgen, poolId: number, server: RunningServer, depth: number, windowMs: number): Promise<RunFigures> {
  const { value, busy } = await withMachineCpu(() => loadgen.transactions({
    poolId, depth, durationMs: windowMs, watchPids: server.pids,
  }));
  return figures(value, server, 'transaction', { busy });
}

export interface IdleFigures {
  connections: number;
  opened: number;
  /** Connections the server itself reported open (harness-started servers). */
  serverConnections: number;
  bytesPerConnection: number;
  failures: number;
  firstError: string;
}

/**
 * Opens the `counts` (ascending) of idle connections on the fresh server in steps across the
 * `holders`, reading the server's PSS after a GC at each step (the first reading before any
 * connection), runs `whileHeld` with all of them open, then closes them.
 */
export async function holdIdle(
  holders: Loadgen[], perHolder: number, server: RunningServer, counts: number[], progress: (text: string) => void,
  whileHeld: () => Promise<void>,
): Promise<IdleFigures[]> {
  if (server.pids.length === 0) throw new Error('idle memory needs the server PID');
  const serverPss = () => server.pids.reduce((sum, pid) => sum + pssBytes(pid), 0);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 500));
  const gc = async () => {
    const n = server.collect ? await server.collect() : NaN;
    await settle();
    return n;
  };
  await gc();
  const basePss = serverPss();
  const pools = new Map<Loadgen, number>();
  const held = new Map<Loadgen, number>();
  const out: IdleFigures[] = [];
  let opened = 0;
  let failures = 0;
  let firstError = '';
  try {
    for (const count of counts) {
      let missing = count - opened;
      for (const holder of holders) {
        const room = perHolder - (held.get(holder) ?? 0);
        const take = Math.min(room, missing);
        if (take <= 0) continue;
        progress(`opening ${take} idle connections (${opened} open)`);
        const result = await holder.openPool({
          host: server.host, port: server.port, serverName: server.serverName, count: take, concurrency: 64,
          timeoutMs: Math.max(60000, take * 10), poolId: pools.get(holder),
        });
        if (result.fatal) throw new Error(result.fatal);
        pools.set(holder, result.poolId as number);
        held.set(holder, (held.get(holder) ?? 0) + take);
        opened += result.completed;
        missing -= take;
        const failed = Object.values(result.failures).reduce((sum, n) => sum + n, 0);
        failures += failed;
        if (!firstError && result.firstError) firstError = result.firstError;
      }
      if (missing > 0) throw new Error(`not enough load generator capacity for ${count} connections`);
      const serverConnections = await gc();
      const pss = serverPss();
      out.push({ connections: count, opened, serverConnections, bytesPerConnection: (pss - basePss) / opened, failures, firstError });
    }
    await whileHeld();
  } finally {
    for (const [holder, poolId] of pools) await holder.closePool(poolId);
  }
  return out;
}
