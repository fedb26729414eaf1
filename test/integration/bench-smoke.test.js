'use strict';
// `sip-tls bench --quick` end to end: the harness starts the servers and the native load
// generator, measures every figure, writes JSON, Markdown (and SVG when there is a ratio),
// and stops every process it started. No speed is asserted.
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const CLI = path.join(__dirname, '../../lib/cli.js');

function runBench(args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'bench', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGINT'); reject(new Error(`bench did not finish in ${timeoutMs} ms:\n${stderr}`)); }, timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

function assertSummary(summary, what) {
  assert.ok(summary, `${what} is missing`);
  for (const key of ['min', 'median', 'max']) {
    assert.ok(Number.isFinite(summary[key]), `${what}.${key} is ${summary[key]}`);
  }
  assert.ok(summary.min <= summary.median && summary.median <= summary.max, `${what}: min <= median <= max`);
  assert.strictEqual(summary.values.length, 3, `${what}: three repetitions`);
}

function assertFigureSet(set, what) {
  assert.ok(set, `${what} is missing`);
  for (const key of ['perSecond', 'perCpuSecond', 'p50Us', 'p99Us']) assertSummary(set[key], `${what}.${key}`);
  assert.ok(set.perSecond.median > 0, `${what}: some completed`);
  assert.ok(set.p50Us.median <= set.p99Us.median, `${what}: p50 <= p99`);
}

describe('sip-tls bench --quick', function () {
  this.timeout(120000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  let run;
  let results;

  before(async () => {
    run = await runBench(['--quick', '--out', out], 110000);
    results = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('exits 0 and prints the figure table', () => {
    assert.strictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, /\| Handshakes \/ server CPU-s, ECDSA P-256 \|/);
    assert.match(run.stderr, /\[bench \d\d:\d\d:\d\d\] node:tls handshakes ecdsa 1\/3: /);
  });

  it('records the machine, its load and the settings', () => {
    assert.ok(results.machine.cpus >= 1);
    assert.ok(Number.isFinite(results.machine.otherCores));
    assert.strictEqual(results.settings.quick, true);
    assert.deepStrictEqual(results.settings.idleCounts, [1000]);
  });

  for (const name of ['node:tls', 'sip-tls']) {
    it(`has every figure for ${name} (or says why ${name} was not measured)`, function () {
      const server = results.servers.find((s) => s.name === name);
      assert.ok(server, `${name} is in the results`);
      if (!server.available) {
        assert.strictEqual(name, 'sip-tls', 'only sip-tls may be unavailable');
        assert.match(server.unavailableReason, /\S/);
        return;
      }
      assert.deepStrictEqual(server.errors, []);
      assertFigureSet(server.handshakes.ecdsa, `${name} handshakes ecdsa`);
      assertFigureSet(server.handshakes.rsa, `${name} handshakes rsa`);
      assertFigureSet(server.transactions, `${name} transactions`);
      assertFigureSet(server.handshakesWhileHeld, `${name} handshakes while held`);
      assertFigureSet(server.handshakesAfterHeld, `${name} handshakes after the held were closed`);
      assert.strictEqual(server.idle.length, 1);
      assert.strictEqual(server.idle[0].connections, 1000);
      assertSummary(server.idle[0].bytesPerConnection, `${name} idle bytes`);
      assert.strictEqual(server.idle[0].opened.min, 1000);
      assert.strictEqual(server.idle[0].serverConnections.min, 1000, 'the server saw every held connection');
    });
  }

  it('has the ratios to node:tls when sip-tls was measured', () => {
    const siptls = results.servers.find((s) => s.name === 'sip-tls');
    if (!siptls.available) {
      assert.deepStrictEqual(results.ratios, {});
      return;
    }
    const figures = results.ratios['sip-tls'].map((r) => r.figure);
    for (const figure of ['handshakes / server CPU-s, ECDSA P-256', 'handshakes / server CPU-s, RSA-2048',
      'transactions / server CPU-s', 'memory / idle connection, N=1000']) {
      assert.ok(figures.includes(figure), `ratio ${figure}`);
    }
    assert.ok(fs.readdirSync(out).some((f) => f.endsWith('.svg')), 'an SVG chart');
  });

  it('has the in-memory micro-benchmark when the sip-tls addon is built', () => {
    if (!results.micro) {
      assert.match(results.microError, /\S/);
      return;
    }
    for (const side of ['session', 'openssl']) {
      for (const key of ['handshakesEcdsa', 'handshakesRsa', 'transactions500']) {
        assertSummary(results.micro[side][key].microsecondsPerOperation, `micro ${side} ${key}`);
        assert.ok(results.micro[side][key].microsecondsPerOperation.median > 0);
      }
    }
    assert.ok(Number.isFinite(results.micro.overhead.handshakesEcdsa));
  });

  it('writes the Markdown report', () => {
    const report = fs.readFileSync(path.join(out, 'latest.md'), 'utf8');
    assert.match(report, /^# sip-tls benchmark, /);
    assert.match(report, /Memory \/ idle connection \(bytes PSS\), N=1000/);
  });

  it('stops every process it started', () => {
    assert.ok(results.processes.length >= 2, 'servers and load generators were started');
    for (const pid of results.processes) {
      assert.ok(!fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), `process ${pid} still runs`);
    }
  });
});
