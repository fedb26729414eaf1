'use strict';
// Transport#send is a function of each transport's own (no object lookup per message); taken
// off its transport, it must stay safe when the transport shuts down or is collected.
const assert = require('node:assert');
const { NativeTransport } = require('../../lib/transport-native');

const turns = async (n) => { for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r)); };

describe('Transport#send', () => {
  it('is each transport\'s own function, and refuses an unknown connection with a code', () => {
    const a = new NativeTransport(() => undefined);
    const b = new NativeTransport(() => undefined);
    assert.notStrictEqual(a.send, b.send);
    assert.ok(Object.prototype.hasOwnProperty.call(a, 'send'));
    assert.strictEqual(a.send(12345, 'OPTIONS'), 'ERR_TLS_CONNECTION_CLOSED');
    assert.throws(() => a.send(12345, 42), /data must be a Buffer or a string/);
    a.shutdown();
    b.shutdown();
  });

  it('taken off its transport, throws once the transport is shut down or collected', async () => {
    const shut = new NativeTransport(() => undefined);
    const send = shut.send;
    shut.shutdown();
    assert.throws(() => send(1, 'x'), /Transport is shut down/);

    let collected = new NativeTransport(() => undefined);
    const orphan = collected.send;
    collected = null;
    for (let i = 0; i < 10; i++) {
      global.gc();
      await turns(2);
    }
    assert.throws(() => orphan(1, 'x'), /Transport is shut down/);
  });
});
