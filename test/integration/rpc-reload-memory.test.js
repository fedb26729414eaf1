'use strict';
/**
 * 200 reloads cost no memory: old generations really are freed. Measures the RSS and PSS of a
 * `sip-tls serve` child (node --expose-gc; `system.gc` runs its collector) after 1 reload and
 * after 200, and reports the figures.
 */
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { callRpc } = require('../../lib/rpc/client');
const h = require('./rpc-helpers');

const RELOADS = 200;

describe('memory after many tls.reload calls', function () {
  this.timeout(110000);
  let dir;
  let server;
  let rpc;

  before(async () => {
    dir = h.tempDir('sip-tls-reload-mem-');
    const c = (f) => path.join(h.CERTS, f);
    // Several profiles with chains, CA lists and a CRL, so a leaked generation would show.
    fs.writeFileSync(path.join(dir, 'tls.cfg'), [
      '[server:default]', `certificate = ${c('server-rsa.pem')}`, `private_key = ${c('server-rsa.key')}`,
      `ca_list = ${c('ca.pem')}`, `crl = ${c('crl.pem')}`, '',
      '[server:any]', 'server_name = a.example.test', `certificate = ${c('sni-a.pem')}`, `private_key = ${c('sni-a.key')}`, '',
      '[server:any]', 'server_name = b.example.test', `certificate = ${c('sni-b.pem')}`, `private_key = ${c('sni-b.key')}`, '',
      '[client:default]', `certificate = ${c('client.pem')}`, `private_key = ${c('client.key')}`, `ca_list = ${c('ca.pem')}`, '',
    ].join('\n'));
    const tlsPort = await h.freePort();
    const httpPort = await h.freePort();
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
      `listen = tls:127.0.0.1:${tlsPort}\nrpc = http:127.0.0.1:${httpPort}\n[tls]\nconfig = tls.cfg\n`);
    rpc = `http://127.0.0.1:${httpPort}/`;
    server = await h.startServe(path.join(dir, 'sip-tls.ini'), rpc, { exposeGc: true });
  });

  after(async () => {
    await h.stopServe(server);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function settle() {
    for (let i = 0; i < 3; i++) {
      await callRpc(rpc, 'system.gc');
      await h.sleep(50);
    }
    return h.memoryOf(server.child.pid);
  }

  const delta = (a, b) => `${b.rssKiB - a.rssKiB >= 0 ? '+' : ''}${b.rssKiB - a.rssKiB} KiB RSS, ` +
    `${b.pssKiB - a.pssKiB >= 0 ? '+' : ''}${b.pssKiB - a.pssKiB} KiB PSS`;

  // A dropped generation's contexts are freed when V8 collects their wrappers; between an
  // operator's reloads the collector runs anyway, here system.gc stands in for it.
  it(`uses as much memory after ${RELOADS} reloads as after 1`, async () => {
    for (let i = 0; i < 10; i++) await callRpc(rpc, 'tls.reload'); // warm-up: allocator pools, JIT
    await callRpc(rpc, 'tls.reload');
    const first = await settle();
    for (let i = 1; i < RELOADS; i++) {
      await callRpc(rpc, 'tls.reload');
      await callRpc(rpc, 'system.gc');
    }
    const last = await settle();
    const info = await callRpc(rpc, 'tls.info');
    console.log(`      after 1 reload: RSS ${first.rssKiB} KiB, PSS ${first.pssKiB} KiB; after ${RELOADS}: ` +
      `RSS ${last.rssKiB} KiB, PSS ${last.pssKiB} KiB (${delta(first, last)})`);
    assert.strictEqual(info.generations_alive, 1);
    // A leaked generation here holds 4 contexts with certificates, CA lists and a CRL (≥ 40 KiB);
    // 200 of them would add 8 MiB or more. 4 MiB is allocator noise.
    assert.ok(last.rssKiB - first.rssKiB < 4096, `RSS grew by ${last.rssKiB - first.rssKiB} KiB`);
  });

  it(`reports the high-water mark of ${RELOADS} reloads back to back, with no collection in between`, async () => {
    const before = await settle();
    for (let i = 0; i < RELOADS; i++) await callRpc(rpc, 'tls.reload');
    const after = await settle();
    console.log(`      ${RELOADS} reloads without a collection between them: ${delta(before, after)} ` +
      '(dropped generations wait for V8 to collect them; the allocator keeps the peak)');
    assert.strictEqual((await callRpc(rpc, 'tls.info')).generations_alive, 1);
    assert.ok(after.rssKiB - before.rssKiB < 64 * 1024, `RSS grew by ${after.rssKiB - before.rssKiB} KiB`);
  });
});
