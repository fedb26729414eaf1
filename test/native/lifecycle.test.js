'use strict';
const assert = require('node:assert');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { native, S, serverContext, clientContext, connect, done } = require('../helpers/sessions');
const { checkOpenSslVersion, Session, TlsError } = require('../../lib');

describe('TlsSession#close()', () => {
  it('frees the session at once; every later call throws "TlsSession is closed"', () => {
    const { client: c } = connect(serverContext(), clientContext());
    c.session.close();
    assert.strictEqual(c.session.isClosed(), true);
    for (const call of [() => c.session.feed(null, c.out), () => c.session.write(Buffer.from('x')),
      () => c.session.takeCiphertext(), () => c.session.facts(), () => c.session.shutdown(),
      () => c.session.peerCertificate(), () => c.session.status()]) {
      assert.throws(call, /TlsSession is closed/);
    }
    c.session.close();
  });

  it('returns every buffer block to the pool', () => {
    native.setBufferFreelistMax(0);
    const before = native.bufferPoolStats();
    const { server: s, client: c } = connect(serverContext(), clientContext());
    c.session.write(Buffer.alloc(100000));
    assert.ok(native.bufferPoolStats().inUse > before.inUse, 'queued ciphertext holds blocks');
    s.session.close();
    c.session.close();
    assert.strictEqual(native.bufferPoolStats().inUse, before.inUse);
  });
});

describe('BufferPool freelist (ssl_freelist_max_len)', () => {
  afterEach(() => native.setBufferFreelistMax(0));

  it('keeps at most ssl_freelist_max_len free blocks and frees the rest', () => {
    native.setBufferFreelistMax(3);
    const { server: s, client: c } = connect(serverContext(), clientContext());
    c.session.write(Buffer.alloc(200000));
    const held = native.bufferPoolStats();
    assert.ok(held.inUse >= 10, `in use ${held.inUse}`);
    s.feed(c.session.takeCiphertext());
    const after = native.bufferPoolStats();
    assert.strictEqual(after.free, 3);
    assert.strictEqual(after.maxFree, 3);
    native.setBufferFreelistMax(1);
    assert.strictEqual(native.bufferPoolStats().free, 1);
    const allocated = native.bufferPoolStats().allocated;
    c.session.write(Buffer.alloc(100));
    assert.strictEqual(native.bufferPoolStats().allocated, allocated, 'a free block is reused');
    s.session.close();
    c.session.close();
  });

  it('with 0 frees blocks at once', () => {
    native.setBufferFreelistMax(0);
    const { server: s, client: c } = connect(serverContext(), clientContext());
    s.session.close();
    c.session.close();
    assert.strictEqual(native.bufferPoolStats().free, 0);
  });
});

describe('Session (TS wrapper)', () => {
  it('feeds, exposes plaintext as a view, and throws TlsError on a refused switch', () => {
    const server = new Session(serverContext(), { isServer: true });
    const client = new Session(clientContext(), { isServer: false });
    let status = client.feed(null);
    for (let i = 0; i < 10; i++) {
      const a = client.takeCiphertext();
      if (a) server.feed(a);
      const b = server.takeCiphertext();
      if (b) status = client.feed(b);
      if (!a && !b) break;
    }
    assert.ok(status & S.HANDSHAKE_DONE);
    client.write(Buffer.from('INVITE'));
    server.feed(client.takeCiphertext());
    assert.strictEqual(server.plaintext.toString(), 'INVITE');
    assert.throws(() => server.setContext(serverContext()), (e) => e instanceof TlsError && e.code === 'ERR_TLS_CONTEXT_SWITCH_STATE');
    server.close();
    assert.strictEqual(server.closed, true);
  });
});

describe('OpenSSL version guard (tls_force_run)', () => {
  it('the addon runs on the OpenSSL Node exports and was built for the same series', () => {
    assert.strictEqual(native.opensslRuntimeVersion, process.versions.openssl);
    assert.strictEqual(native.checkOpenSslVersion(false), null);
    assert.strictEqual(checkOpenSslVersion(false), null);
  });

  it('refuses another major.minor unless tls_force_run is set', () => {
    const built = 0x30000130; // 3.0.19
    const mismatch = native.checkOpenSslVersion(false, built, 0x30200010);
    assert.strictEqual(mismatch.code, 'ERR_TLS_OPENSSL_VERSION_MISMATCH');
    assert.strictEqual(mismatch.fatal, true);
    assert.strictEqual(mismatch.parameter, 'tls_force_run');
    assert.match(mismatch.reason, /built for OpenSSL 3\.0\.19 but runs on OpenSSL 3\.2\.1/);
    const forced = native.checkOpenSslVersion(true, built, 0x30200010);
    assert.strictEqual(forced.fatal, false);
    assert.match(forced.reason, /tls_force_run is set/);
  });

  it('accepts another patch release of the same series, and compares 1.x down to the fix letter series', () => {
    assert.strictEqual(native.checkOpenSslVersion(false, 0x30000130, 0x30000160), null);
    assert.strictEqual(native.checkOpenSslVersion(false, 0x1010117f, 0x1010118f), null);
    assert.notStrictEqual(native.checkOpenSslVersion(false, 0x1010117f, 0x1010007f), null);
    assert.notStrictEqual(native.checkOpenSslVersion(false, 0x30000130, 0x40000000), null);
  });
});

describe('worker_threads', () => {
  it('each thread has its own addon state; handshakes work in a worker that then exits', async () => {
    const script = `
      const { parentPort } = require('node:worker_threads');
      const h = require(${JSON.stringify(path.join(__dirname, '..', 'helpers', 'sessions.js'))});
      const { server, client } = h.connect(h.serverContext(), h.clientContext());
      client.session.write(Buffer.from('from worker'));
      h.pump(client, server);
      parentPort.postMessage({ done: h.done(server) && h.done(client), text: server.text(), pool: h.native.bufferPoolStats() });
    `;
    for (let i = 0; i < 3; i++) {
      const worker = new Worker(script, { eval: true });
      const message = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await new Promise((resolve) => worker.once('exit', resolve));
      assert.deepStrictEqual([message.done, message.text], [true, 'from worker']);
    }
    const { server } = connect(serverContext(), clientContext());
    assert.ok(done(server), 'the main thread still works');
  });
});
