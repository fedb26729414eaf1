'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { UnixDgramSocket } = require('../../lib/rpc/unix-dgram-socket');

describe('UnixDgramSocket (native/unix_dgram.cc)', () => {
  let dir;
  const open = [];
  const sock = (onMessage = () => undefined) => {
    const s = new UnixDgramSocket(onMessage);
    open.push(s);
    return s;
  };
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-udg-')); });
  afterEach(() => {
    while (open.length) open.pop().close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers each datagram whole, with the sender\'s bound path', async () => {
    const got = [];
    const done = new Promise((resolve) => {
      const server = sock((data, from) => {
        got.push([data.toString(), from]);
        if (got.length === 3) resolve();
      });
      server.bind(path.join(dir, 's'));
    });
    const client = sock();
    client.bind(path.join(dir, 'c'));
    for (const m of ['one', 'two', 'x'.repeat(60000)]) client.send(Buffer.from(m), path.join(dir, 's'));
    await done;
    assert.deepStrictEqual(got.map(([d]) => d.length), [3, 3, 60000]);
    assert.ok(got.every(([, from]) => from === path.join(dir, 'c')));
  });

  it('reports bind and send failures as errors with their code', () => {
    const a = sock();
    a.bind(path.join(dir, 's'));
    assert.throws(() => sock().bind(path.join(dir, 's')), (e) => e.code === 'EADDRINUSE' && e.message.includes(path.join(dir, 's')));
    assert.throws(() => a.send(Buffer.from('x'), path.join(dir, 'absent')), (e) => e.code === 'ENOENT' && e.syscall === 'sendto');
    assert.throws(() => a.send(Buffer.alloc(4 << 20), path.join(dir, 's')), (e) => e.code === 'EMSGSIZE');
    assert.throws(() => sock().bind(`/${'x'.repeat(120)}`), (e) => e.code === 'ENAMETOOLONG');
  });

  it('throws a TypeError for misuse and refuses use after close', () => {
    assert.throws(() => new UnixDgramSocket(42), TypeError);
    const s = sock();
    s.close();
    s.close();
    assert.throws(() => s.send(Buffer.from('x'), path.join(dir, 'c')), /closed/);
  });

  it('stays alive while bound even with no JS reference to it', async () => {
    let received;
    const arrived = new Promise((resolve) => { received = resolve; });
    (() => {
      // The callback gets the native socket as `this`: closing through it holds no JS reference.
      const orphan = new UnixDgramSocket(function onMessage(data) {
        received(data.toString());
        this.close();
      });
      orphan.bind(path.join(dir, 'orphan'));
    })();
    for (let i = 0; i < 3; i++) {
      global.gc();
      await new Promise((r) => setImmediate(r));
    }
    const c = sock();
    c.send(Buffer.from('still here'), path.join(dir, 'orphan'));
    assert.strictEqual(await arrived, 'still here');
  });
});
