/** Command-line options of `sip-tls bench`. */

export const SCENARIOS = ['handshakes', 'transactions', 'idle', 'micro'] as const;
export type Scenario = typeof SCENARIOS[number];

export interface TargetSpec {
  name: string;
  host: string;
  port: number;
  /**
   * PID of the target server, when known: enables its CPU and memory figures, summed over it and
   * its descendants (Kamailio's workers).
   */
  pid?: number;
  serverName?: string;
}

export interface BenchOptions {
  quick: boolean;
  repetitions: number;
  /** Measuring window of each handshake and transaction run, ms. */
  windowMs: number;
  warmupMs: number;
  /** Handshakes in flight at once. */
  handshakeConcurrency: number;
  connections: number;
  depth: number;
  /** Idle connection counts held for the memory figure, ascending. */
  idleCounts: number[];
  scenarios: Set<Scenario>;
  baseline: boolean;
  siptls: boolean;
  targets: TargetSpec[];
  outDir: string;
}

export const USAGE = `usage: sip-tls bench [options]
  --quick                 short windows (0.5 s), idle N = 1000: a smoke run, not for publishing
  --reps N                repetitions of every figure (default 3)
  --seconds S             measuring window of each run (default 5)
  --idle N[,N…]           idle connections held for memory (default 10000,19000; max 19500)
  --only LIST             handshakes,transactions,idle,micro (default all)
  --concurrency N         handshakes in flight (default 16)
  --connections N         persistent connections for transactions (default 64)
  --depth N               transactions in flight per connection (default 4)
  --target HOST:PORT[,pid=PID][,name=NAME][,sni=NAME]   another TLS SIP server (loopback only);
                          its CPU and memory are those of PID and its descendants
  --no-baseline           skip the node:tls baseline
  --no-sip-tls            skip the sip-tls server
  --out DIR               results directory (default bench-results)`;

function positive(flag: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${flag}: expected an integer 1..${max}, got '${value}'`);
  return n;
}

export function parseTarget(spec: string): TargetSpec {
  const [address, ...extras] = spec.split(',');
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([0-9.]+)):(\d+)$/.exec(address);
  if (!match) throw new Error(`--target: expected HOST:PORT with a numeric loopback address, got '${address}'`);
  const host = match[1] ?? match[2];
  if (host !== '::1' && !/^127\./.test(host)) throw new Error(`--target: ${host} is not a loopback address`);
  const target: TargetSpec = { name: address, host, port: positive('--target port', match[3], 65535) };
  for (const extra of extras) {
    const [key, value] = extra.split('=');
    if (key === 'pid') target.pid = positive('--target pid', value, 2 ** 22);
    else if (key === 'name' && value) target.name = value;
    else if (key === 'sni' && value) target.serverName = value;
    else throw new Error(`--target: unknown option '${extra}' (pid=, name=, sni=)`);
  }
  return target;
}

export function parseOptions(args: string[]): BenchOptions {
  const options: BenchOptions = {
    quick: false, repetitions: 3, windowMs: 5000, warmupMs: 1000, handshakeConcurrency: 16,
    connections: 64, depth: 4, idleCounts: [10000, 19000],
    scenarios: new Set(SCENARIOS),
    baseline: true, siptls: true, targets: [], outDir: 'bench-results',
  };
  let seconds: number | undefined;
  let idle: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`${flag}: missing value`);
      return args[++i];
    };
    switch (flag) {
      case '--quick': options.quick = true; break;
      case '--reps': options.repetitions = positive(flag, value(), 100); break;
      case '--seconds': seconds = positive(flag, value(), 600); break;
      case '--idle': idle = value().split(',').map((n) => positive(flag, n, 19500)).sort((a, b) => a - b); break;
      case '--only': {
        const names = value().split(',');
        for (const name of names) {
          if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`--only: unknown figure '${name}'`);
        }
        options.scenarios = new Set(names as Scenario[]);
        break;
      }
      case '--concurrency': options.handshakeConcurrency = positive(flag, value(), 1024); break;
      case '--connections': options.connections = positive(flag, value(), 4096); break;
      case '--depth': options.depth = positive(flag, value(), 256); break;
      case '--target': options.targets.push(parseTarget(value())); break;
      case '--no-baseline': options.baseline = false; break;
      case '--no-sip-tls': options.siptls = false; break;
      case '--out': options.outDir = value(); break;
      default: throw new Error(`unknown option '${flag}'\n${USAGE}`);
    }
  }
  if (options.quick) {
    options.windowMs = 500;
    options.warmupMs = 200;
    options.idleCounts = [1000];
  }
  if (seconds !== undefined) options.windowMs = seconds * 1000;
  if (idle !== undefined) options.idleCounts = idle;
  return options;
}
