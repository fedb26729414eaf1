'use strict';
// 10,000 idle TLS connections on loopback: the server (its own process) reports its memory
// per connection as the PSS delta from /proc/PID/smaps_rollup.
const assert = require('node:assert');
const path = require('node:path');
const h = require('./helpers');

const CONNECTIONS = 10000;

function nextLine(child, pattern) {
  return h.waitFor(() => pattern.test(child.output), { timeoutMs: 120000, stepMs: 100, what: String(pattern) })
    .then(() => pattern.exec(child.output));
}

describe(`${CONNECTIONS} idle connections`, function () {
  this.timeout(240000);
  const children = new h.Children();
  after(() => children.stopAll());

  it('are held open, and the server reports its memory per connection', async () => {
    const server = children.start(process.execPath, ['--expose-gc', path.join(__dirname, 'peers/idle-server.js'),
      h.cert('server-ecdsa.pem'), h.cert('server-ecdsa.key')]);
    const port = Number((await nextLine(server, /port (\d+)/))[1]);
    // Warm up (first handshakes, OpenSSL tables, JIT) before the baseline.
    const warm = children.start(process.execPath, [path.join(__dirname, 'peers/idle-clients.js'), String(port), '100', h.cert('ca.pem')]);
    await nextLine(warm, /connected 100/);
    warm.stdin.end();
    await warm.exited;
    await h.waitFor(async () => { server.output = ''; server.stdin.write('pss\n'); return /opened 0\n/.test((await nextLine(server, /pss .* opened \d+\n/))[0]); },
      { timeoutMs: 20000, what: 'warm-up connections closed' });
    const [, base, baseMalloc, baseHeap] = /pss (\d+) malloc (\d+) heap (\d+)/.exec(server.output).map(Number);

    const started = Date.now();
    const clients = children.start(process.execPath, [path.join(__dirname, 'peers/idle-clients.js'), String(port), String(CONNECTIONS), h.cert('ca.pem')]);
    const up = await nextLine(clients, /(connected|failed) (.*)\n/);
    assert.strictEqual(up[1], 'connected', clients.output);
    await new Promise((r) => setTimeout(r, 1000));
    server.output = '';
    server.stdin.write('pss\n');
    const [, pss, malloc, heap, opened] = (await nextLine(server, /pss (\d+) malloc (\d+) heap (\d+) opened (\d+)/)).map(Number);
    assert.strictEqual(opened, CONNECTIONS);
    const perConnection = ((pss - base) / CONNECTIONS).toFixed(2);
    const kib = (bytes) => (bytes / CONNECTIONS / 1024).toFixed(2);
    process.stdout.write(`      idle connections: ${CONNECTIONS} in ${((Date.now() - started) / 1000).toFixed(1)} s; server PSS ${base} KiB -> ${pss} KiB: ` +
      `${perConnection} KiB per idle connection (TLS 1.3, ECDSA P-256, records run by sip-tls); of it malloc in use ` +
      `${kib(malloc - baseMalloc)} KiB (the transport and the record keys), JS heap ${kib(heap - baseHeap)} KiB\n`);
    // OpenSSL's objects of an idle TLS 1.3 connection alone are about 13 KiB: under 8 KiB means
    // they were freed (tls13_record_layer).
    assert.ok(pss - base < CONNECTIONS * 8 * 1024, `memory per idle connection ${perConnection} KiB is under 8 KiB`);
    clients.stdin.end();
    await clients.exited;
  });
});
