'use strict';
// Transport#send is a function of each transport's own (no object lookup per message); taken
// off its transport, it must stay safe when the transport shuts down or is collected.
const assert = require('node:assert');
const { NativeTransport } = require('../../lib/transport-native');
const { serverContext, clientContext } = require('../helpers/sessions');
const h = require('../integration/helpers');

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

// The transport's write arena (native/io_loop.cc) takes the records of each output step of a
// connection and sends them at the end of the batch. A connection released from hold (its queue
// flushed at once) and then sent to in the same turn has two steps before the batch is sent: the
// second one must not count the first one's bytes again, or the arena overflows.
describe('Transport write arena', function () {
  this.timeout(30000);
  const started = [];
  afterEach(() => {
    for (const t of started.splice(0)) t.shutdown();
  });

  /** A transport collecting its events and SIP messages (per connection id, in order). */
  function transport() {
    const t = { opens: new Map(), secure: new Set(), closes: [], messages: new Map() };
    t.native = new NativeTransport((events, bytes, index) => {
      for (const e of events) {
        if (e.type === 'open') t.opens.set(e.id, e);
        else if (e.type === 'secure') t.secure.add(e.id);
        else if (e.type === 'close') t.closes.push(e);
      }
      for (let i = 0; index && i < index.length; i += 4) {
        if (!t.messages.has(index[i])) t.messages.set(index[i], []);
        t.messages.get(index[i]).push(bytes.toString('latin1', index[i + 1], index[i + 1] + index[i + 2]));
      }
    });
    t.native.setLimits({ conCtWqMax: 64 * 1024, conWqMax: 4 * 1024 * 1024 });
    t.shutdown = () => t.native.shutdown();
    started.push(t);
    return t;
  }

  const waitFor = (predicate, what) => h.waitFor(predicate, { what, stepMs: 10 });

  /** A SIP MESSAGE of about `size` bytes whose body names it and varies with it. */
  function message(tag, n, size) {
    let body = `${tag}/${n}:`;
    for (let i = 0; body.length < size; i++) body += String.fromCharCode(97 + ((n * 7 + i * 13 + tag.length) % 26));
    return `MESSAGE sip:peer@127.0.0.1 SIP/2.0\r\nCall-ID: ${tag}-${n}@test\r\nCSeq: ${n} MESSAGE\r\n` +
      `Content-Length: ${body.length}\r\n\r\n${body}`;
  }

  it('sends every message intact when held connections are released and sent to in one turn', async () => {
    const server = transport();
    const client = transport();
    const ep = server.native.listen('127.0.0.1', 0, serverContext(), 1, false);
    assert.ok(ep.port > 0, JSON.stringify(ep));
    const ctx = clientContext();
    const open = (hold) => {
      const result = client.native.connect('127.0.0.1', ep.port, ctx, 1, 'server.test', hold);
      assert.ok(result.id > 0, JSON.stringify(result));
      return result.id;
    };
    // held: ~60 KiB queued each (con_ct_wq_max is 64 KiB); before: ~25 KiB sent before the
    // releases; after: sent after them, in the same turn.
    const held = [open(true), open(true), open(true)];
    const before = open(false);
    const after = [open(false), open(false)];
    const all = [...held, before, ...after];
    await waitFor(() => all.every((id) => client.secure.has(id)) && server.secure.size === all.length &&
      client.closes.length === 0, 'the handshakes');

    const expected = new Map(all.map((id) => [id, []]));
    const send = (id, text) => {
      assert.strictEqual(client.native.send(id, text), undefined);
      expected.get(id).push(text);
    };
    for (const [k, id] of held.entries()) for (let n = 0; n < 6; n++) send(id, message(`held${k}`, n, 10000));
    // One turn: the releases flush ~180 KiB of records into the arena at once, the later sends
    // are flushed at the end of the turn, before the batch is sent.
    for (let n = 0; n < 3; n++) send(before, message('before', n, 8300));
    for (const id of held) assert.strictEqual(client.native.release(id), true);
    for (const [k, id] of held.entries()) {
      send(id, message(`again${k}`, 0, 300));
      for (let n = 0; n < 20; n++) send(after[k % after.length], message(`after${k}`, n, 10000));
    }

    // Each client connection's messages reach its server connection (matched by port) in order.
    const peerOf = new Map();
    for (const [sid, e] of server.opens) {
      const cid = [...client.opens.values()].find((c) => c.localPort === e.remotePort).id;
      peerOf.set(cid, sid);
    }
    const total = [...expected.values()].reduce((sum, list) => sum + list.length, 0);
    const received = () => [...server.messages.values()].reduce((sum, list) => sum + list.length, 0);
    await waitFor(() => received() >= total || client.closes.length > 0 || server.closes.length > 0,
      `${total} messages (got ${received()})`);
    assert.deepStrictEqual(client.closes, []);
    assert.deepStrictEqual(server.closes, []);
    for (const [cid, list] of expected) {
      const got = server.messages.get(peerOf.get(cid)) || [];
      assert.strictEqual(got.length, list.length, `messages of connection ${cid}`);
      for (let i = 0; i < list.length; i++) assert.ok(got[i] === list[i], `message ${i} of connection ${cid} differs`);
    }
  });
});
