'use strict';
/**
 * tls.reload under load: a few hundred TLS connections keep OPTIONS transactions going while the
 * configuration is reloaded again and again with a new certificate, a broken file and the old one
 * back. Every transaction gets its 200 OK, no connection drops, new connections see the
 * certificate of the last good reload, and a broken file changes nothing.
 */
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { callRpc, callRpcRaw } = require('../../lib/rpc/client');
const h = require('./rpc-helpers');

const CONNECTIONS = 300;
const CYCLES = 4;

describe('tls.reload under load', function () {
  this.timeout(110000);
  let dir;
  let server;
  let rpc;
  let tlsPort;
  let loops = [];

  const put = (name, from) => fs.copyFileSync(path.join(h.CERTS, from), path.join(dir, name));
  const useRsa = () => { put('cert.pem', 'server-rsa.pem'); put('key.pem', 'server-rsa.key'); };
  const useEcdsa = () => { put('cert.pem', 'server-ecdsa.pem'); put('key.pem', 'server-ecdsa.key'); };

  before(async () => {
    dir = h.tempDir('sip-tls-reload-');
    useRsa();
    fs.writeFileSync(path.join(dir, 'tls.cfg'),
      `# reloaded while loaded\n[server:default]\nmethod = TLSv1.2+\ncertificate = cert.pem\nprivate_key = key.pem\nca_list = ${path.join(h.CERTS, 'ca.pem')}\n`);
    tlsPort = await h.freePort();
    const httpPort = await h.freePort();
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
      `listen = tls:127.0.0.1:${tlsPort}\nrpc = http:127.0.0.1:${httpPort}\n[tls]\nconfig = tls.cfg\n`);
    rpc = `http://127.0.0.1:${httpPort}/`;
    server = await h.startServe(path.join(dir, 'sip-tls.ini'), rpc);
  });

  after(async () => {
    for (const l of loops) l.socket?.destroy();
    await h.stopServe(server);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every connection and transaction while reloading good and broken files', async () => {
    const rsa = h.fileFingerprint(path.join(h.CERTS, 'server-rsa.pem'));
    const ecdsa = h.fileFingerprint(path.join(h.CERTS, 'server-ecdsa.pem'));
    const firstGeneration = (await callRpc(rpc, 'tls.info')).generation;

    for (let i = 0; i < CONNECTIONS; i += 50) {
      const batch = Array.from({ length: Math.min(50, CONNECTIONS - i) }, (_, k) => new h.OptionsLoop(tlsPort, i + k));
      loops.push(...await Promise.all(batch.map((l) => l.connect())));
    }
    assert.ok(loops.every((l) => l.fingerprint === rsa));
    for (const l of loops) l.start();

    const failures = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      useEcdsa();
      assert.strictEqual(await callRpc(rpc, 'tls.reload'), 'Ok. TLS configuration reloaded.');
      assert.strictEqual(await h.servedFingerprint(tlsPort), ecdsa, 'new connections get the new certificate');

      fs.writeFileSync(path.join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
      const broken = await callRpcRaw(rpc, 'tls.reload');
      failures.push(broken.error);
      assert.strictEqual(await h.servedFingerprint(tlsPort), ecdsa, 'a failed reload changes nothing');

      useRsa();
      assert.strictEqual(await callRpc(rpc, 'tls.reload'), 'Ok. TLS configuration reloaded.');
      assert.strictEqual(await h.servedFingerprint(tlsPort), rsa);
      await h.sleep(200);
    }
    for (const error of failures) {
      assert.strictEqual(error?.code, 500);
      assert.match(error.message, new RegExp(`^${path.join(dir, 'tls.cfg').replace(/[.]/g, '\\.')}:\\d+: .*cert\\.pem`), error.message);
    }

    await Promise.all(loops.map((l) => l.stop()));
    const sent = loops.reduce((n, l) => n + l.sent, 0);
    const ok = loops.reduce((n, l) => n + l.ok, 0);
    console.log(`      ${CONNECTIONS} connections, ${CYCLES * 3} reloads: ${ok}/${sent} OPTIONS answered 200 OK`);
    assert.deepStrictEqual(loops.filter((l) => l.closed || l.error).map((l) => l.callId), [], 'no connection dropped');
    assert.deepStrictEqual(loops.flatMap((l) => l.other), [], 'only 200 OK responses');
    assert.strictEqual(ok, sent);
    assert.ok(ok >= CONNECTIONS * 2, `every connection had transactions during the reloads (${ok})`);

    const list = await callRpc(rpc, 'tls.list');
    const ports = new Set(loops.map((l) => l.socket.localPort));
    const mine = list.filter((e) => ports.has(e.src_port));
    assert.strictEqual(mine.length, CONNECTIONS);
    assert.ok(mine.every((e) => e.generation === firstGeneration && e.state === 'established'));
    const info = await callRpc(rpc, 'tls.info');
    assert.strictEqual(info.generation, firstGeneration + CYCLES * 2);
    assert.strictEqual(info.generations_alive, 2, 'the loaded connections hold the first generation');

    for (const l of loops) l.socket.destroy();
    const deadline = Date.now() + 10000;
    let alive;
    do {
      await h.sleep(100);
      alive = (await callRpc(rpc, 'tls.info')).generations_alive;
    } while (alive !== 1 && Date.now() < deadline);
    assert.strictEqual(alive, 1, 'the first generation is freed with its last connection');
  });
});
