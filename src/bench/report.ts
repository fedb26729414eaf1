/**
 * Writes a run's results: JSON (every figure and run), a Markdown report, and an SVG chart of
 * the ratios to node:tls, drawn here without a chart library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BenchResults, FigureSet, Ratio, ServerResults } from './results';
import { Summary } from './summary';

function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return '–';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function mmm(s: Summary | undefined, digits = 0): string {
  if (!s || !Number.isFinite(s.median)) return '–';
  return `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Rows "figure | server A | server B …" for the servers that ran. */
function figureTable(results: BenchResults): string {
  const servers = results.servers.filter((s) => s.available);
  const rows: Array<[string, (s: ServerResults) => string]> = [];
  const kinds = [['ecdsa', 'ECDSA P-256'], ['rsa', 'RSA-2048'], ['own', 'own certificate']] as const;
  for (const [kind, label] of kinds) {
    if (!servers.some((s) => s.handshakes[kind])) continue;
    rows.push([`Handshakes / server CPU-s, ${label}`, (s) => mmm(s.handshakes[kind]?.perCpuSecond)]);
    rows.push([`Handshakes / s, ${label}`, (s) => mmm(s.handshakes[kind]?.perSecond)]);
    rows.push([`Handshake latency p50 / p99 (µs), ${label}`, (s) => latency(s.handshakes[kind])]);
  }
  if (servers.some((s) => s.transactions)) {
    rows.push(['OPTIONS transactions / server CPU-s', (s) => mmm(s.transactions?.perCpuSecond)]);
    rows.push(['OPTIONS transactions / s', (s) => mmm(s.transactions?.perSecond)]);
    rows.push(['Transaction latency p50 / p99 (µs)', (s) => latency(s.transactions)]);
  }
  for (const connections of results.settings.idleCounts) {
    if (!servers.some((s) => s.idle?.some((i) => i.connections === connections))) continue;
    rows.push([`Memory / idle connection (bytes PSS), N=${connections}`,
      (s) => mmm(s.idle?.find((i) => i.connections === connections)?.bytesPerConnection)]);
  }
  if (servers.some((s) => s.handshakesWhileHeld)) {
    const held = servers.find((s) => s.handshakesWhileHeld)?.handshakesWhileHeld?.connections;
    rows.push([`Handshakes / server CPU-s while ${held} idle held`, (s) => mmm(s.handshakesWhileHeld?.perCpuSecond)]);
    rows.push([`Handshakes / server CPU-s after the ${held} were closed (same process)`, (s) => mmm(s.handshakesAfterHeld?.perCpuSecond)]);
  }
  const head = `| Figure (median (min–max) of ${results.settings.repetitions}) | ${servers.map((s) => s.name).join(' | ')} |`;
  const rule = `|---|${servers.map(() => '---:').join('|')}|`;
  return [head, rule, ...rows.map(([label, cell]) => `| ${label} | ${servers.map(cell).join(' | ')} |`)].join('\n');
}

function latency(set: FigureSet | undefined): string {
  return set ? `${num(set.p50Us.median)} / ${num(set.p99Us.median)}` : '–';
}

function ratioTable(results: BenchResults): string {
  const parts: string[] = [];
  for (const [name, ratios] of Object.entries(results.ratios)) {
    parts.push(`| ${name} / node:tls | ratio | target | met |`, '|---|---:|---:|:---:|');
    for (const r of ratios) {
      const target = r.target === undefined ? '' : `${r.higherIsBetter ? '≥' : '≤'} ${r.target}`;
      parts.push(`| ${r.figure} | ${num(r.value, 2)} | ${target} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

function microTable(results: BenchResults): string {
  const micro = results.micro;
  if (!micro) return '';
  const rows = [
    ['handshakesEcdsa', 'Full handshake, ECDSA P-256'],
    ['handshakesRsa', 'Full handshake, RSA-2048'],
    ['transactions500', 'Transaction, 500 B each way'],
  ] as const;
  return [
    '| In memory: server CPU µs per operation | sip-tls Session (from JS) | OpenSSL alone (C++) | ratio |',
    '|---|---:|---:|---:|',
    ...rows.map(([key, label]) => `| ${label} | ${mmm(micro.session[key].microsecondsPerOperation, 1)} | ` +
      `${mmm(micro.openssl[key].microsecondsPerOperation, 1)} | ${num(micro.overhead[key], 2)} |`),
    '',
  ].join('\n');
}

/** The table the README shows: figures, ratios, checks and the in-memory micro-benchmark. */
export function markdownTables(results: BenchResults): string {
  const parts = [figureTable(results), '', ratioTable(results)];
  if (results.checks.length) {
    parts.push('| sip-tls check | value | met |', '|---|---:|:---:|');
    for (const c of results.checks) parts.push(`| ${c.check} | ${typeof c.value === 'number' ? num(c.value, c.value < 10 ? 2 : 0) : c.value} | ${c.met ? 'yes' : 'no'} |`);
    parts.push('');
  }
  parts.push(microTable(results));
  return parts.join('\n');
}

export function markdownReport(results: BenchResults, chartFile: string | null): string {
  const m = results.machine;
  const lines = [
    `# sip-tls benchmark, ${results.date}`,
    '',
    `Command: \`${results.command}\`${results.settings.quick ? ' (quick run: short windows, not for publishing)' : ''}`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}, OpenSSL ${m.openssl}. ` +
      `Load average ${m.loadavgBefore.join('/')} before, ${m.loadavgAfter.join('/')} after; ` +
      `other processes used ${num(m.otherCores, 2)} cores on average during the run.`,
    '',
    `Settings: ${results.settings.tls}; ${results.settings.repetitions} repetitions of ${results.settings.windowMs / 1000} s windows; ` +
      `${results.settings.handshakeConcurrency} handshakes in flight; ${results.settings.connections} connections × ` +
      `${results.settings.depth} OPTIONS in flight; idle N = ${results.settings.idleCounts.join(', ')}.`,
    '',
    markdownTables(results),
  ];
  if (chartFile) lines.push(`![ratios to node:tls](${chartFile})`, '');
  for (const server of results.servers) {
    if (!server.available) lines.push(`- ${server.name}: not measured (${server.unavailableReason}).`);
    for (const error of server.errors) lines.push(`- ${server.name}: ${error}`);
    const loadgen = ([['handshakes ECDSA', server.handshakes.ecdsa], ['handshakes RSA', server.handshakes.rsa],
      ['handshakes, own certificate', server.handshakes.own], ['transactions', server.transactions]] as Array<[string, FigureSet | undefined]>)
      .filter((entry): entry is [string, FigureSet] => entry[1] !== undefined);
    if (loadgen.length) {
      lines.push(`- ${server.name}: load generator CPU per server CPU ${loadgen.map(([, f]) => num(f.loadgenCpuPerServerCpu.median, 2)).join(' / ')} ` +
        `(${loadgen.map(([what]) => what).join(' / ')}).`);
    }
  }
  if (results.micro) lines.push(`- In memory: ${results.micro.compares}.`);
  if (results.microError) lines.push(`- In-memory micro-benchmark not run: ${results.microError}`);
  lines.push('', `Took ${num(results.durationSeconds)} s.`, '');
  return lines.join('\n');
}

/** Horizontal bars of each ratio on a log scale, a line at 1 (par) and a tick at each target. */
export function ratioChart(results: BenchResults): string | null {
  const bars: Array<{ label: string; ratio: Ratio }> = [];
  for (const [name, ratios] of Object.entries(results.ratios)) {
    for (const ratio of ratios) bars.push({ label: `${name}: ${ratio.figure}`, ratio });
  }
  if (bars.length === 0) return null;
  const width = 900;
  const labelWidth = 430;
  const rowHeight = 22;
  const top = 40;
  const height = top + bars.length * rowHeight + 30;
  const plot = width - labelWidth - 60;
  const minLog = Math.log10(0.1);
  const maxLog = Math.log10(10);
  const x = (v: number) => labelWidth + ((Math.log10(Math.min(10, Math.max(0.1, v))) - minLog) / (maxLog - minLog)) * plot;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Ratio to node:tls (log scale; green = better, red = worse; | = target)</text>`,
  ];
  for (const tick of [0.1, 0.25, 0.5, 1, 2, 4, 10]) {
    out.push(`<line x1="${x(tick).toFixed(1)}" y1="${top - 6}" x2="${x(tick).toFixed(1)}" y2="${height - 24}" stroke="${tick === 1 ? '#333' : '#ddd'}"/>`);
    out.push(`<text x="${x(tick).toFixed(1)}" y="${height - 8}" text-anchor="middle">${tick}×</text>`);
  }
  bars.forEach(({ label, ratio }, i) => {
    const y = top + i * rowHeight;
    const better = ratio.higherIsBetter ? ratio.value >= 1 : ratio.value <= 1;
    const from = Math.min(x(1), x(ratio.value));
    const to = Math.max(x(1), x(ratio.value));
    out.push(`<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escapeXml(label)}</text>`);
    out.push(`<rect x="${from.toFixed(1)}" y="${y + 3}" width="${Math.max(1, to - from).toFixed(1)}" height="${rowHeight - 8}" fill="${better ? '#2e8b57' : '#c0392b'}"/>`);
    out.push(`<text x="${(to + 4).toFixed(1)}" y="${y + 14}">${ratio.value.toFixed(2)}</text>`);
    if (ratio.target !== undefined) {
      out.push(`<line x1="${x(ratio.target).toFixed(1)}" y1="${y + 1}" x2="${x(ratio.target).toFixed(1)}" y2="${y + rowHeight - 3}" stroke="#000" stroke-width="2"/>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Writes bench-<stamp>.json/.md/.svg and latest.* copies into `dir`; returns the paths. */
export function writeReports(results: BenchResults, dir: string): { json: string; markdown: string; chart: string | null } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, '-');
  const base = path.join(dir, `bench-${stamp}`);
  const chart = ratioChart(results);
  const chartName = chart ? `${path.basename(base)}.svg` : null;
  fs.writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(`${base}.md`, markdownReport(results, chartName));
  if (chart) fs.writeFileSync(`${base}.svg`, chart);
  fs.copyFileSync(`${base}.json`, path.join(dir, 'latest.json'));
  fs.copyFileSync(`${base}.md`, path.join(dir, 'latest.md'));
  return { json: `${base}.json`, markdown: `${base}.md`, chart: chart ? `${base}.svg` : null };
}
