'use strict';
// The benchmark harness's pure parts: the baseline's SIP framing and answers, option parsing,
// summaries, ratios against node:tls and the SVG chart.
const assert = require('node:assert');
const { answerChunk, respondTo } = require('../../lib/bench/sip-responder');
const { parseOptions, parseTarget } = require('../../lib/bench/options');
const { summarize } = require('../../lib/bench/summary');
const { ratiosOf, checksOf } = require('../../lib/bench/ratios');
const { ratioChart, markdownTables, markdownReport } = require('../../lib/bench/report');

const OPTIONS = 'OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK1\r\n' +
  'From: <sip:b@x>;tag=1\r\nTo: <sip:a@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n';

describe('bench answerChunk()', () => {
  it('answers a request split over three chunks once, when complete', () => {
    const state = { pending: null };
    const bytes = Buffer.from(OPTIONS);
    assert.strictEqual(answerChunk(state, bytes.subarray(0, 10)), null);
    assert.strictEqual(answerChunk(state, bytes.subarray(10, 100)), null);
    const reply = answerChunk(state, bytes.subarray(100));
    assert.match(reply, /^SIP\/2\.0 200 OK\r\n/);
    assert.match(reply, /\r\nCSeq: 7 OPTIONS\r\n/);
    assert.match(reply, /\r\nTo: <sip:a@127\.0\.0\.1>;tag=\w+\r\n/);
    assert.strictEqual(state.pending, null);
  });

  it('answers two pipelined requests in one reply and skips a body by Content-Length', () => {
    const withBody = OPTIONS.replace('Content-Length: 0', 'Content-Length: 5') + 'hello';
    const reply = answerChunk({ pending: null }, Buffer.from(withBody + OPTIONS));
    assert.strictEqual(reply.match(/SIP\/2\.0 200 OK/g).length, 2);
  });

  it('answers a CRLF CRLF keep-alive with CRLF and other methods with 501', () => {
    assert.strictEqual(answerChunk({ pending: null }, Buffer.from('\r\n\r\n')), '\r\n');
    assert.match(respondTo('INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE'), /^SIP\/2\.0 501 Not Implemented/);
  });

  it('echoes the same header lines as a regular expression over the head would', () => {
    // The responder's first form, kept here as the reference: every line that starts with a
    // copied header name (full or compact, any case), blanks allowed before the colon.
    const COPIED = /^(?:via|v|from|f|to|t|call-id|i|cseq)[ \t]*:.*$/gim;
    const reference = (head) => (head.match(COPIED) ?? [])
      .map((line) => (/^t(?:o)?[ \t]*:/i.test(line) && !/;[ \t]*tag=/i.test(line) ? `${line};tag=b3nch` : line));
    const heads = [
      OPTIONS.slice(0, OPTIONS.indexOf('\r\n\r\n')),
      'OPTIONS sip:x SIP/2.0\r\nv: SIP/2.0/TLS h\r\nf: <sip:a@b>\r\nt: <sip:c@d>;TAG=9\r\ni: id\r\nCSEQ : 1 OPTIONS',
      'OPTIONS sip:x SIP/2.0\r\nVIA:a\r\nvia\t:b\r\nTimestamp: 1\r\nToo: no\r\n To: folded\r\nCall-Info: x\r\ncall-id:y',
      'INVITE sip:x SIP/2.0\r\nContent-Type: application/sdp\r\nto:<sip:z>;tag =1\r\nTo: <sip:w>; tag=2\r\nfrom:',
      'OPTIONS sip:x SIP/2.0\nVia: a\nFrom: b\r\nCall-ID: c\nCSeq: 2 OPTIONS',
    ];
    for (const head of heads) {
      const lines = respondTo(head).split('\r\n').slice(1, -3);
      assert.deepStrictEqual(lines, reference(head), head);
    }
  });

  it('frames by the first valid Content-Length or l header, in any case', () => {
    const request = (length, body) => `OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n${length}\r\n\r\n${body}`;
    for (const [length, body] of [['Content-Length: 3', 'abc'], ['l:3', 'abc'], ['CONTENT-LENGTH :  3', 'abc'],
      ['Content-Length: x\r\nl: 3', 'abc'], ['Content-Lengths: 3', '']]) {
      const reply = answerChunk({ pending: null }, Buffer.from(request(length, body) + OPTIONS));
      assert.strictEqual(reply.match(/SIP\/2\.0 200 OK/g).length, 2, length);
    }
  });

  it('throws on a header block over 64 KiB', () => {
    assert.throws(() => answerChunk({ pending: null }, Buffer.alloc(70000, 'a')), /64 KiB/);
  });
});

describe('bench parseOptions()', () => {
  it('--quick shortens windows and holds 1000 idle connections', () => {
    const o = parseOptions(['--quick']);
    assert.strictEqual(o.windowMs, 500);
    assert.deepStrictEqual(o.idleCounts, [1000]);
    assert.strictEqual(o.repetitions, 3);
  });

  it('reads targets with pid and name, loopback only', () => {
    assert.deepStrictEqual(parseTarget('127.0.0.1:5061,pid=42,name=kamailio'),
      { name: 'kamailio', host: '127.0.0.1', port: 5061, pid: 42 });
    assert.strictEqual(parseTarget('[::1]:5061').host, '::1');
    assert.throws(() => parseTarget('10.0.0.1:5061'), /not a loopback address/);
    assert.throws(() => parseTarget('localhost:5061'), /numeric loopback/);
  });

  it('rejects unknown options and out-of-range values with the flag named', () => {
    assert.throws(() => parseOptions(['--fast']), /unknown option '--fast'/);
    assert.throws(() => parseOptions(['--idle', '30000']), /--idle: expected an integer 1\.\.19500/);
    assert.throws(() => parseOptions(['--only', 'latency']), /--only: unknown figure 'latency'/);
  });
});

describe('bench summarize()', () => {
  it('gives min, median and max, ignoring non-finite values', () => {
    assert.deepStrictEqual(summarize([3, 1, 2]), { min: 1, median: 2, max: 3, values: [3, 1, 2] });
    assert.strictEqual(summarize([4, NaN, 2, 1, 3]).median, 2.5);
    assert.ok(Number.isNaN(summarize([]).median));
  });
});

function set(perCpuSecond, p99 = 100) {
  const s = (v) => summarize([v, v, v]);
  return { perSecond: s(perCpuSecond / 2), perCpuSecond: s(perCpuSecond), p50Us: s(p99 / 2), p99Us: s(p99),
    loadgenCpuPerServerCpu: s(0.5), loadgenBusy: s(0.5), otherCores: s(0), failures: 0, firstError: '', runs: [] };
}

function server(name, kind, factor, bytes) {
  return {
    name, kind, available: true, errors: [],
    handshakes: { ecdsa: set(1000 * factor), rsa: set(500 * factor) },
    transactions: set(80000 * factor),
    idle: [{ connections: 1000, bytesPerConnection: summarize([bytes, bytes, bytes]), opened: summarize([1000, 1000, 1000]),
      serverConnections: summarize([1000, 1000, 1000]), failures: 0, firstError: '' }],
    handshakesWhileHeld: { ...set(1000 * factor), connections: 1000 },
    handshakesAfterHeld: set(1100 * factor),
  };
}

describe('bench ratios and report', () => {
  const base = server('node:tls', 'baseline', 1, 30000);
  const ours = server('sip-tls', 'sip-tls', 2, 12000);

  it('divides medians and checks the sip-tls targets', () => {
    const ratios = ratiosOf(ours, base);
    const ecdsa = ratios.find((r) => r.figure === 'handshakes / server CPU-s, ECDSA P-256');
    assert.deepStrictEqual([ecdsa.value, ecdsa.target, ecdsa.met], [2, 1.5, true]);
    const tx = ratios.find((r) => r.figure === 'transactions / server CPU-s');
    assert.deepStrictEqual([tx.value, tx.met], [2, false]);
    const memory = ratios.find((r) => r.figure === 'memory / idle connection, N=1000');
    assert.deepStrictEqual([memory.value, memory.higherIsBetter, memory.met], [0.4, false, true]);
  });

  it('checks 16 KiB per idle connection and the handshake rate kept while held', () => {
    const checks = checksOf(ours);
    assert.strictEqual(checks.find((c) => /16 KiB/.test(c.check)).met, true);
    // Against the same server after it held them (1100), not the handshake figures (1000).
    const kept = checks.find((c) => /kept while 1000 held/.test(c.check));
    assert.deepStrictEqual([kept.value, kept.met], [0.91, true]);
  });

  it('keeps the held rate against the run after it, repetition by repetition', () => {
    const paired = { ...ours };
    paired.handshakesWhileHeld = { ...set(0), perCpuSecond: summarize([900, 1000, 2000]), connections: 1000 };
    paired.handshakesAfterHeld = { ...set(0), perCpuSecond: summarize([1000, 1250, 1000]) };
    // Per repetition 0.9, 0.8 and 2.0: the median is 0.9 (the medians' ratio would be 1.0).
    const kept = checksOf(paired).find((c) => /kept while 1000 held/.test(c.check));
    assert.deepStrictEqual([kept.value, kept.met], [0.9, true]);
  });

  it('draws one bar per ratio, with a target tick, as a standalone SVG', () => {
    const results = { ratios: { 'sip-tls': ratiosOf(ours, base) }, servers: [base, ours], checks: [],
      settings: { repetitions: 3, idleCounts: [1000] } };
    const svg = ratioChart(results);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.strictEqual((svg.match(/<rect /g) || []).length, 1 + results.ratios['sip-tls'].length);
    assert.match(svg, /stroke-width="2"/);
    assert.strictEqual((svg.match(/<svg/g) || []).length, (svg.match(/<\/svg>/g) || []).length);
    assert.match(markdownTables(results), /\| Handshakes \/ server CPU-s, ECDSA P-256 \| 1,000 \(1,000–1,000\) \| 2,000 \(2,000–2,000\) \|/);
  });

  it('names each load generator cost it gives, a target\'s own-certificate handshakes included', () => {
    const target = { name: 'kamailio', kind: 'target', available: true, errors: [], handshakes: { own: set(2000) }, transactions: set(60000) };
    target.handshakes.own.loadgenCpuPerServerCpu = summarize([0.8, 0.8, 0.8]);
    const results = { ratios: {}, servers: [base, target], checks: [], date: 'd', command: 'c',
      machine: { cpus: 2, cpuModel: 'm', memoryGiB: 1, kernel: 'k', node: 'n', openssl: 'o', loadavgBefore: [0, 0], loadavgAfter: [0, 0], otherCores: 0 },
      settings: { repetitions: 3, idleCounts: [], windowMs: 5000, handshakeConcurrency: 16, connections: 64, depth: 4, tls: 't' } };
    const report = markdownReport(results, null);
    assert.match(report, /- kamailio: load generator CPU per server CPU 0\.80 \/ 0\.50 \(handshakes, own certificate \/ transactions\)\./);
    assert.match(report, /- node:tls: load generator CPU per server CPU 0\.50 \/ 0\.50 \/ 0\.50 \(handshakes ECDSA \/ handshakes RSA \/ transactions\)\./);
  });
});

describe('bench processTree()', () => {
  it('lists a process and every process descended from it', async () => {
    const { spawn } = require('node:child_process');
    const { processTree } = require('../../lib/bench/proc-stats');
    // sh, its two background sleeps, and the sleep the second subshell starts.
    const root = spawn('sh', ['-c', 'sleep 30 & (sleep 30 & wait) & wait'], { stdio: 'ignore' });
    try {
      let tree = [];
      for (let i = 0; i < 100 && tree.length < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        tree = processTree(root.pid);
      }
      assert.strictEqual(tree[0], root.pid);
      assert.strictEqual(tree.length, 4, `tree ${tree.join(' ')}`);
      assert.ok(!tree.includes(process.pid));
    } finally {
      for (const pid of processTree(root.pid).reverse()) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    }
  });
});
