'use strict';
const assert = require('node:assert');
const { native, S, cert, serverContext, clientContext } = require('../helpers/sessions');

const turn = () => new Promise((resolve) => setImmediate(resolve));

// Memory is measured by the benchmark; this only watches for growth (a leak per session).
describe('10,000 sessions', function () {
  this.timeout(120000);

  it('are created, handshaken and closed with no RSS growth beyond noise', async () => {
    assert.strictEqual(typeof global.gc, 'function', 'run with --expose-gc');
    const server = serverContext({ certificate: cert('server-ecdsa.pem'), privateKey: cert('server-ecdsa.key') });
    const client = clientContext();
    const out = Buffer.alloc(65536);
    const message = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
    const one = () => {
      const s = new native.TlsSession(server, { isServer: true });
      const c = new native.TlsSession(client, { isServer: false, serverName: 'server.test' });
      c.feed(null, out);
      for (let i = 0; i < 10; i++) {
        const a = c.takeCiphertext();
        if (a) s.feed(a, out);
        const b = s.takeCiphertext();
        if (b) c.feed(b, out);
        if (!a && !b) break;
      }
      c.write(message);
      const status = s.feed(c.takeCiphertext(), out);
      if (!(status & S.HAS_PLAINTEXT) || !(c.status() & S.HANDSHAKE_DONE)) throw new Error('session failed');
      s.close();
      c.close();
    };
    // Node-API finalizers run on a later loop turn: yield every 100 sessions so they can.
    const run = async (count) => {
      for (let i = 0; i < count; i += 100) {
        for (let j = 0; j < 100; j++) one();
        await turn();
      }
    };
    const rss = async () => {
      for (let i = 0; i < 3; i++) { global.gc(); await turn(); }
      return process.memoryUsage().rss;
    };
    const started = Date.now();
    await run(1000);
    const after1k = await rss();
    await run(9000);
    const after10k = await rss();
    const growth = after10k - after1k;
    const mib = (n) => (n / 1048576).toFixed(1);
    console.log(`      RSS after 1,000 sessions ${mib(after1k)} MiB, after 10,000 ${mib(after10k)} MiB: ` +
      `growth ${(growth / 1048576).toFixed(2)} MiB (${Math.round(growth / 9000)} B per session), ${Date.now() - started} ms`);
    assert.strictEqual(native.bufferPoolStats().inUse, 0);
    assert.ok(growth < 4 * 1048576, `RSS grew ${growth} bytes over 9,000 sessions`);
  });
});
