'use strict';
const assert = require('node:assert');
const crypto = require('node:crypto');
const { S, serverContext, clientContext, Side, pump, connect, done, records } = require('../helpers/sessions');

const APPLICATION_DATA = 23;

function established(serverExtra = {}, clientExtra = {}) {
  const pair = connect(serverContext(serverExtra), clientContext(clientExtra));
  assert.ok(done(pair.server) && done(pair.client));
  return pair;
}

describe('TlsSession data path', () => {
  it('carries a 100 KiB write in full records and decrypts it whole', () => {
    const { server: s, client: c } = established();
    const payload = crypto.randomBytes(100 * 1024);
    const status = c.session.write(payload);
    assert.ok(status & S.HAS_CIPHERTEXT);
    const wire = c.session.takeCiphertext();
    const appRecords = records(wire).filter((r) => r.type === APPLICATION_DATA);
    assert.strictEqual(appRecords.length, Math.ceil(payload.length / 16384));
    assert.ok(appRecords.every((r) => r.length <= 16384 + 256));
    s.feed(wire);
    assert.ok(s.bytes().equals(payload));
  });

  it('fills a small out buffer and reports MORE_PLAINTEXT until all is read', () => {
    const small = new Side(serverContext(), { isServer: true }, 1000);
    const client = new Side(clientContext(), { isServer: false });
    client.feed(null);
    pump(client, small);
    assert.ok(done(small));
    client.session.write(Buffer.alloc(5000, 0x61));
    const wire = client.session.takeCiphertext();
    const status = small.session.feed(wire, small.out);
    assert.ok(status & S.MORE_PLAINTEXT);
    assert.strictEqual(small.session.lengths[0], 1000);
    let total = 1000;
    let last = status;
    while (last & S.MORE_PLAINTEXT) {
      last = small.session.read(small.out);
      total += small.session.lengths[0];
    }
    assert.strictEqual(total, 5000);
  });

  it('ssl_max_send_fragment shows in the record sizes', () => {
    const payload = Buffer.alloc(4096, 0x62);
    const { server: s } = established({ sslMaxSendFragment: 512 });
    s.session.write(payload);
    const small = records(s.session.takeCiphertext()).filter((r) => r.type === APPLICATION_DATA);
    assert.strictEqual(small.length, 8);
    assert.ok(small.every((r) => r.length <= 512 + 256 && r.length > 512), JSON.stringify(small));
    const { server: d } = established();
    d.session.write(payload);
    const whole = records(d.session.takeCiphertext()).filter((r) => r.type === APPLICATION_DATA);
    assert.strictEqual(whole.length, 1);
  });

  it('writev packs many small messages into as few records as fit 16 KiB', () => {
    const { server: s, client: c } = established();
    const messages = Array.from({ length: 100 }, (_, i) => Buffer.from(`MESSAGE ${i} `.padEnd(300, '.')));
    c.session.writev(messages);
    const wire = c.session.takeCiphertext();
    const appRecords = records(wire).filter((r) => r.type === APPLICATION_DATA);
    assert.strictEqual(appRecords.length, Math.ceil(30000 / 16384));
    s.feed(wire);
    assert.strictEqual(s.text(), Buffer.concat(messages).toString());
  });

  it('close_notify: shutdown() queues it, the peer reports PEER_CLOSED', () => {
    const { server: s, client: c } = established();
    const status = c.session.shutdown();
    assert.ok(status & S.SHUTDOWN_SENT);
    assert.ok(status & S.HAS_CIPHERTEXT);
    s.feed(c.session.takeCiphertext());
    assert.ok(s.status & S.PEER_CLOSED);
    assert.strictEqual(s.status & S.ERROR, 0);
    const reply = s.session.shutdown();
    assert.ok(reply & S.HAS_CIPHERTEXT);
    c.feed(s.session.takeCiphertext());
    assert.ok(c.status & S.PEER_CLOSED);
  });

  it('refuses writes after close_notify with ERR_TLS_WRITE_AFTER_SHUTDOWN', () => {
    const { client: c } = established();
    c.session.shutdown();
    const status = c.session.write(Buffer.from('late'));
    assert.ok(status & S.ERROR);
    assert.strictEqual(c.session.takeError().code, 'ERR_TLS_WRITE_AFTER_SHUTDOWN');
  });

  it('reports a damaged record as ERROR with OpenSSL\'s code', () => {
    const { server: s, client: c } = established();
    c.session.write(Buffer.from('hello'));
    const wire = c.session.takeCiphertext();
    wire[wire.length - 1] ^= 0xff;
    s.feed(wire);
    assert.ok(s.status & S.ERROR);
    assert.strictEqual(s.error.code, 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
    assert.ok(s.status & S.HAS_CIPHERTEXT, 'the alert waits to be sent');
  });
});

describe('renegotiation', () => {
  const tls12 = { method: 'TLSv1.2' };

  it('refuses a TLS 1.2 client-initiated renegotiation when renegotiation is off', () => {
    const { server: s, client: c } = established({ ...tls12, renegotiation: false }, { ...tls12, renegotiation: true });
    c.session.renegotiate();
    pump(c, s);
    assert.ok(c.status & S.ERROR);
    assert.strictEqual(c.error.code, 'ERR_SSL_NO_RENEGOTIATION');
    // OpenSSL's client gives up on the refused renegotiation with a fatal alert: the
    // connection ends, as Kamailio ends it.
    assert.strictEqual(s.error.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
  });

  it('allows it when renegotiation is on, and data still flows', () => {
    const { server: s, client: c } = established({ ...tls12, renegotiation: true }, { ...tls12, renegotiation: true });
    c.session.renegotiate();
    c.session.write(Buffer.from('after'));
    pump(c, s);
    assert.strictEqual((s.status | c.status) & S.ERROR, 0, `${s.error && s.error.code} ${c.error && c.error.code}`);
    assert.strictEqual(s.text(), 'after');
  });

  it('refuses to start one locally when renegotiation is off', () => {
    const { client: c } = established(tls12, tls12);
    const status = c.session.renegotiate();
    assert.ok(status & S.ERROR);
    assert.strictEqual(c.session.takeError().code, 'ERR_SSL_NO_RENEGOTIATION');
  });

  it('keeps TLS 1.3 KeyUpdate working with renegotiation off', () => {
    const { server: s, client: c } = established({ method: 'TLSv1.3' }, { method: 'TLSv1.3' });
    for (let i = 0; i < 3; i++) {
      assert.ok(c.session.keyUpdate() & S.HAS_CIPHERTEXT);
      c.session.write(Buffer.from(`c${i}`));
      s.session.keyUpdate();
      s.session.write(Buffer.from(`s${i}`));
      pump(c, s);
    }
    assert.strictEqual((s.status | c.status) & S.ERROR, 0);
    assert.strictEqual(s.text(), 'c0c1c2');
    assert.strictEqual(c.text(), 's0s1s2');
  });
});
