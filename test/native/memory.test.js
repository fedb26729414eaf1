'use strict';
const assert = require('node:assert');
const { native, serverContext, clientContext, connect, done } = require('../helpers/sessions');

// Memory is measured by the benchmark; this only watches for growth (a leak per session).
describe('10,000 sessions', function () {
  this.timeout(120000);

  it('are created, handshaken and closed with no RSS growth beyond noise', () => {
    assert.strictEqual(typeof global.gc, 'function', 'run with --expose-gc');
    const server = serverContext({ certificate: require('../helpers/sessions').cert('server-ecdsa.pem'),
      privateKey: require('../helpers/sessions').cert('server-ecdsa.key') });
    const client = clientContext();
    const message = Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n');
    const run = (count) => {
      for (let i = 0; i < count; i++) {
        const { server: s, client: c } = connect(server, client);
        if (!done(s) || !done(c)) throw new Error(`handshake ${i} failed`);
        c.session.write(message);
        s.feed(c.session.takeCiphertext());
        s.session.close();
        c.session.close();
      }
    };
    const rss = () => { global.gc(); global.gc(); return process.memoryUsage().rss; };
    const started = Date.now();
    run(1000);
    const after1k = rss();
    run(9000);
    const after10k = rss();
    const growth = after10k - after1k;
    console.log(`      RSS after 1,000 sessions: ${(after1k / 1048576).toFixed(1)} MiB; after 10,000: ${(after10k / 1048576).toFixed(1)} MiB; ` +
      `growth ${(growth / 1048576).toFixed(2)} MiB (${Math.round(growth / 9000)} B/session); ${Date.now() - started} ms; ` +
      `pool in use ${native.bufferPoolStats().inUse}`);
    assert.strictEqual(native.bufferPoolStats().inUse, 0);
    assert.ok(growth < 8 * 1048576, `RSS grew ${growth} bytes over 9,000 sessions`);
  });
});
