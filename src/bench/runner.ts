/**
 * Runs every figure for every server, repetitions interleaved (rep 1 of each server, then rep 2
 * …) so the machine's noise falls on all of them alike. Every process it starts is stopped by
 * PID before it returns, also when a step fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchOptions } from './options';
import { BenchCertificates, KeyKind, makeCertificates } from './certs';
import { Loadgen } from './loadgen';
import { startedPids } from './children';
import { BenchServer, RunningServer, baselineServer, siptlsServer, targetServer } from './servers';
import { RunFigures, holdIdle, runHandshakes, runTransactions, IdleFigures } from './scenarios';
import { BenchResults, ServerResults, figureSet } from './results';
import { checksOf, ratiosOf } from './ratios';
import { summarize } from './summary';
import { machineCpu, machineLoad, ownCpuSeconds } from './proc-stats';

export type Progress = (text: string) => void;

/** Why the sip-tls server cannot be benchmarked in this build, or null when it can. */
export function siptlsUnavailable(): string | null {
  const script = path.join(__dirname, 'siptls-server.js');
  if (!fs.existsSync(script)) return 'this build has no sip-tls bench server (lib/bench/siptls-server.js)';
  try {
    const lib = require('../index') as { TlsModule?: unknown };
    if (typeof lib.TlsModule !== 'function') return 'this build does not export TlsModule';
  } catch (err) {
    return `the sip-tls library does not load: ${(err as Error).message}`;
  }
  return null;
}

function describe(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** A run's figures in one progress line. */
function line(server: string, what: string, f: RunFigures): string {
  const cpu = Number.isFinite(f.perCpuSecond) ? `, ${describe(f.perCpuSecond)}/server CPU-s` : '';
  const failed = f.failures ? `, ${f.failures} failed (${f.firstError})` : '';
  return `${server} ${what}: ${describe(f.perSecond)}/s${cpu}, p50 ${describe(f.p50Us)} µs, p99 ${describe(f.p99Us)} µs, ` +
    `loadgen ${describe(f.loadgenCpuPerServerCpu)} CPU per server CPU, other load ${f.otherCores.toFixed(2)} cores${failed}`;
}

async function startAll(servers: BenchServer[], keyKind: KeyKind | 'own', results: Map<BenchServer, ServerResults>): Promise<Map<BenchServer, RunningServer>> {
  const running = new Map<BenchServer, RunningServer>();
  for (const server of servers) {
    if (!server.keyKinds.includes(keyKind)) continue;
    try {
      running.set(server, await server.start(keyKind));
    } catch (err) {
      results.get(server)?.errors.push(`start (${keyKind}): ${(err as Error).message}`);
    }
  }
  return running;
}

async function stopAll(running: Map<BenchServer, RunningServer>): Promise<void> {
  for (const server of running.values()) await server.stop();
  running.clear();
}

export async function runBench(options: BenchOptions, progress: Progress, command: string): Promise<BenchResults> {
  const started = Date.now();
  const certs: BenchCertificates = makeCertificates();
  const servers: BenchServer[] = [];
  const results = new Map<BenchServer, ServerResults>();
  const unavailable: ServerResults[] = [];
  const add = (server: BenchServer) => {
    servers.push(server);
    results.set(server, { name: server.name, kind: server.kind, available: true, handshakes: {}, errors: [] });
  };
  if (options.baseline) add(baselineServer(certs));
  if (options.siptls) {
    const reason = siptlsUnavailable();
    if (reason === null) add(siptlsServer(certs));
    else unavailable.push({ name: 'sip-tls', kind: 'sip-tls', available: false, unavailableReason: reason, handshakes: {}, errors: [] });
  }
  for (const target of options.targets) add(targetServer(target));
  if (unavailable.length) progress(`sip-tls not measured: ${unavailable[0].unavailableReason}`);

  const loadBefore = machineLoad();
  const cpuBefore = machineCpu().busy;
  const oursBefore = ownCpuSeconds();
  const loadgens: Loadgen[] = [];
  let micro: BenchResults['micro'];
  let microError: string | undefined;
  const running = new Map<BenchServer, RunningServer>();
  try {
    const driver = await Loadgen.start();
    loadgens.push(driver);
    progress(`load generator pid ${driver.pid}, open-file limit ${driver.fileLimit}`);

    if (options.scenarios.has('handshakes')) {
      for (const keyKind of ['ecdsa', 'rsa', 'own'] as const) {
        const runs = new Map<BenchServer, RunFigures[]>();
        for (const [server, live] of await startAll(servers, keyKind, results)) running.set(server, live);
        for (const [server, live] of running) {
          try {
            await runHandshakes(driver, live, options.handshakeConcurrency, options.warmupMs);
          } catch (err) {
            results.get(server)?.errors.push(`handshakes warm-up (${keyKind}): ${(err as Error).message}`);
          }
        }
        for (let rep = 1; rep <= options.repetitions; rep++) {
          for (const [server, live] of running) {
            try {
              const f = await runHandshakes(driver, live, options.handshakeConcurrency, options.windowMs);
              progress(line(server.name, `handshakes ${keyKind} ${rep}/${options.repetitions}`, f));
              runs.set(server, [...(runs.get(server) ?? []), f]);
            } catch (err) {
              results.get(server)?.errors.push(`handshakes (${keyKind}) rep ${rep}: ${(err as Error).message}`);
            }
          }
        }
        for (const [server, list] of runs) (results.get(server) as ServerResults).handshakes[keyKind] = figureSet(list);
        await stopAll(running);
      }
    }

    if (options.scenarios.has('transactions')) {
      const pools = new Map<BenchServer, number>();
      const runs = new Map<BenchServer, RunFigures[]>();
      for (const keyKind of ['ecdsa', 'own'] as const) {
        for (const [server, live] of await startAll(servers, keyKind, results)) running.set(server, live);
      }
      for (const [server, live] of running) {
        try {
          const opened = await driver.openPool({ host: live.host, port: live.port, serverName: live.serverName, count: options.connections, concurrency: 16, timeoutMs: 60000 });
          if (opened.fatal || opened.completed < options.connections) throw new Error(`opened ${opened.completed}/${options.connections}: ${opened.fatal ?? opened.firstError}`);
          pools.set(server, opened.poolId as number);
          await runTransactions(driver, opened.poolId as number, live, options.depth, options.warmupMs);
        } catch (err) {
          results.get(server)?.errors.push(`transactions setup: ${(err as Error).message}`);
        }
      }
      for (let rep = 1; rep <= options.repetitions; rep++) {
        for (const [server, live] of running) {
          const poolId = pools.get(server);
          if (poolId === undefined) continue;
          try {
            const f = await runTransactions(driver, poolId, live, options.depth, options.windowMs);
            progress(line(server.name, `transactions ${rep}/${options.repetitions}`, f));
            runs.set(server, [...(runs.get(server) ?? []), f]);
          } catch (err) {
            results.get(server)?.errors.push(`transactions rep ${rep}: ${(err as Error).message}`);
          }
        }
      }
      for (const poolId of pools.values()) await driver.closePool(poolId);
      for (const [server, list] of runs) (results.get(server) as ServerResults).transactions = figureSet(list);
      await stopAll(running);
    }

    if (options.scenarios.has('idle')) {
      await measureIdle(options, servers, results, driver, loadgens, progress);
    }

    if (options.scenarios.has('micro') && options.siptls) {
      try {
        // Loaded only here: it needs the sip-tls addon, which the other figures do not.
        const { runMicro } = require('./micro') as typeof import('./micro');
        micro = await runMicro(driver, certs.files, options.quick ? 300 : Math.max(1000, options.windowMs / 2), options.repetitions, progress);
      } catch (err) {
        microError = (err as Error).message;
        progress(`micro-benchmark not run: ${microError}`);
      }
    }
  } finally {
    await stopAll(running);
    for (const loadgen of loadgens) await loadgen.stop();
    certs.remove();
  }

  const wall = (Date.now() - started) / 1000;
  const serverResults = [...results.values(), ...unavailable];
  const base = serverResults.find((s) => s.kind === 'baseline');
  const ratios: BenchResults['ratios'] = {};
  if (base) {
    for (const server of serverResults) {
      if (server !== base && server.available) ratios[server.name] = ratiosOf(server, base);
    }
  }
  const siptls = serverResults.find((s) => s.kind === 'sip-tls' && s.available);
  const cpu = os.cpus();
  return {
    version: 1,
    date: new Date(started).toISOString(),
    command,
    machine: {
      cpuModel: cpu[0]?.model ?? 'unknown',
      cpus: cpu.length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      node: process.version,
      openssl: process.versions.openssl,
      loadavgBefore: [loadBefore.loadavg1, loadBefore.loadavg5],
      loadavgAfter: [machineLoad().loadavg1, machineLoad().loadavg5],
      otherCores: Math.max(0, (machineCpu().busy - cpuBefore - (ownCpuSeconds() - oursBefore)) / wall),
    },
    settings: {
      quick: options.quick,
      repetitions: options.repetitions,
      windowMs: options.windowMs,
      handshakeConcurrency: options.handshakeConcurrency,
      connections: options.connections,
      depth: options.depth,
      idleCounts: options.idleCounts,
      tls: 'TLS 1.3 only, full handshakes (no resumption), X25519, client certificate verification off',
    },
    servers: serverResults,
    ratios,
    checks: siptls ? checksOf(siptls) : [],
    micro,
    microError,
    durationSeconds: wall,
    processes: startedPids(),
  };
}

async function measureIdle(
  options: BenchOptions, servers: BenchServer[], results: Map<BenchServer, ServerResults>, driver: Loadgen,
  loadgens: Loadgen[], progress: Progress,
): Promise<void> {
  const largest = options.idleCounts[options.idleCounts.length - 1];
  // Each holder keeps a margin of its file limit for node's own descriptors.
  const perHolder = Math.max(1, driver.fileLimit - 256);
  const holders: Loadgen[] = [];
  for (let i = 0; i < Math.ceil(largest / perHolder); i++) {
    const holder = await Loadgen.start();
    holders.push(holder);
    loadgens.push(holder);
  }
  const idleRuns = new Map<BenchServer, IdleFigures[][]>();
  const heldRuns = new Map<BenchServer, RunFigures[]>();
  const afterRuns = new Map<BenchServer, RunFigures[]>();
  for (let rep = 1; rep <= options.repetitions; rep++) {
    for (const server of servers) {
      if (server.kind === 'target' && (rep > 1 || !server.keyKinds.includes('own'))) continue;
      const keyKind = server.keyKinds.includes('ecdsa') ? 'ecdsa' : 'own';
      let live: RunningServer | undefined;
      try {
        live = await server.start(keyKind);
        if (live.pids.length === 0) continue;
        const current = live;
        // The same warm-up before each window as the unloaded handshake windows; the held one also
        // follows the full GC of the memory reading, after which the young generation grows back.
        const measureHandshakes = async (what: string): Promise<RunFigures> => {
          await runHandshakes(driver, current, options.handshakeConcurrency, options.warmupMs);
          const f = await runHandshakes(driver, current, options.handshakeConcurrency, options.windowMs);
          progress(line(server.name, `handshakes ${what} ${rep}/${options.repetitions}`, f));
          return f;
        };
        let held: RunFigures | undefined;
        const figures = await holdIdle(holders, perHolder, current, options.idleCounts,
          (text) => progress(`${server.name} idle ${rep}/${options.repetitions}: ${text}`),
          async () => {
            try {
              held = await measureHandshakes(`while ${largest} held`);
            } catch (err) {
              results.get(server)?.errors.push(`handshakes while held, rep ${rep}: ${(err as Error).message}`);
            }
          });
        for (const f of figures) {
          progress(`${server.name} idle ${rep}/${options.repetitions}: N=${f.connections}: ${Math.round(f.bytesPerConnection)} bytes/connection ` +
            `(${f.opened} open, server counts ${f.serverConnections}, ${f.failures} failed${f.firstError ? `: ${f.firstError}` : ''})`);
        }
        idleRuns.set(server, [...(idleRuns.get(server) ?? []), figures]);
        // The same process once they are closed is what the held rate is kept against: a run
        // minutes earlier would measure the machine's drift as much as the server.
        if (held) {
          const after = await measureHandshakes(`after ${largest} held were closed`);
          heldRuns.set(server, [...(heldRuns.get(server) ?? []), held]);
          afterRuns.set(server, [...(afterRuns.get(server) ?? []), after]);
        }
      } catch (err) {
        results.get(server)?.errors.push(`idle rep ${rep}: ${(err as Error).message}`);
      } finally {
        if (live) await live.stop();
      }
    }
  }
  for (const [server, reps] of idleRuns) {
    const result = results.get(server) as ServerResults;
    result.idle = options.idleCounts.map((connections) => {
      const at = reps.map((figures) => figures.find((f) => f.connections === connections)).filter((f): f is IdleFigures => f !== undefined);
      return {
        connections,
        bytesPerConnection: summarize(at.map((f) => f.bytesPerConnection)),
        opened: summarize(at.map((f) => f.opened)),
        serverConnections: summarize(at.map((f) => f.serverConnections)),
        failures: at.reduce((sum, f) => sum + f.failures, 0),
        firstError: at.find((f) => f.firstError)?.firstError ?? '',
      };
    });
    const held = heldRuns.get(server);
    if (held) result.handshakesWhileHeld = { ...figureSet(held), connections: largest };
    const after = afterRuns.get(server);
    if (after) result.handshakesAfterHeld = figureSet(after);
  }
}
