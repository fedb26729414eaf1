/**
 * `sip-tls bench`: the sip-tls server against the node:tls baseline (and any --target), with
 * a native load generator; progress on stderr, results in bench-results/.
 */
import { USAGE, parseOptions } from '../bench/options';
import { runBench } from '../bench/runner';
import { markdownTables, writeReports } from '../bench/report';

export async function run(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let options;
  try {
    options = parseOptions(args);
  } catch (err) {
    process.stderr.write(`sip-tls bench: ${(err as Error).message}\n`);
    return 2;
  }
  const progress = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  const results = await runBench(options, progress, ['sip-tls', 'bench', ...args].join(' '));
  const files = writeReports(results, options.outDir);
  process.stdout.write(markdownTables(results) + '\n');
  process.stderr.write(`results: ${files.json}\nreport:  ${files.markdown}\n${files.chart ? `chart:   ${files.chart}\n` : ''}`);
  const failed = results.servers.some((s) => s.errors.length > 0);
  return failed ? 1 : 0;
}
