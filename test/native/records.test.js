'use strict';
// The TLS 1.3 record layer sip-tls runs after OpenSSL's handshake (ownRecords), against
// OpenSSL's own record layer on the other side, in memory.
const assert = require('node:assert');
const { S, serverContext, clientContext, Side, pump, connect, done, records } = require('../helpers/sessions');

const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const tls13 = (extra = {}) => ({ method: 'TLSv1.3', ...extra });

/** Sends `data` from `from` to `to` through the pump and returns what `to` decrypted of it. */
function transfer(from, to, data, { chunk = 0 } = {}) {
  const before = to.bytes().length;
  from.session.write(data);
  pump(from, to, { chunk });
  return to.bytes().subarray(before);
}

function pattern(length, seed = 1) {
  const buffer = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buffer[i] = (i * 31 + seed) & 0xff;
  return buffer;
}

describe('TlsSession ownRecords (TLS 1.3 record layer in sip-tls)', () => {
  for (const suite of SUITES) {
    it(`${suite}: carries data both ways after the handshake, OpenSSL on the other side`, () => {
      const { server, client } = connect(serverContext(tls13({ cipherList: suite })), clientContext(tls13()),
        { serverOptions: { ownRecords: true } });
      assert.ok(done(server) && done(client));
      assert.strictEqual(server.session.ownsRecords(), true);
      assert.strictEqual(client.session.ownsRecords(), false);
      assert.strictEqual(server.session.facts().cipher, suite);
      for (const size of [1, 500, 16384, 16385, 100000]) {
        const up = pattern(size, size);
        assert.deepStrictEqual(transfer(client, server, up), up, `client to server, ${size} bytes`);
        const down = pattern(size, size + 7);
        assert.deepStrictEqual(transfer(server, client, down), down, `server to client, ${size} bytes`);
      }
    });
  }

  it('fills a small out buffer and reports MORE_PLAINTEXT until a record is read whole', () => {
    const small = new Side(serverContext(tls13()), { isServer: true, ownRecords: true }, 1000);
    const client = new Side(clientContext(tls13()), { isServer: false });
    client.feed(null);
    pump(client, small);
    assert.ok(done(small) && small.session.ownsRecords());
    const sent = pattern(5000);
    client.session.write(sent);
    let status = small.session.feed(client.session.takeCiphertext(), small.out);
    const parts = [Buffer.from(small.out.subarray(0, small.session.lengths[0]))];
    assert.strictEqual(parts[0].length, 1000);
    for (let calls = 0; status & S.MORE_PLAINTEXT; calls++) {
      assert.ok(calls < 10, 'read() keeps reporting MORE_PLAINTEXT');
      status = small.session.read(small.out);
      parts.push(Buffer.from(small.out.subarray(0, small.session.lengths[0])));
    }
    assert.deepStrictEqual(Buffer.concat(parts), sent);
    assert.deepStrictEqual(transfer(client, small, pattern(800, 3)), pattern(800, 3));
  });

  it('works with both sides running their own records, fed 1 and 7 bytes at a time', () => {
    const { server, client } = connect(serverContext(tls13()), clientContext(tls13()),
      { serverOptions: { ownRecords: true }, clientOptions: { ownRecords: true } });
    assert.ok(server.session.ownsRecords() && client.session.ownsRecords());
    const data = pattern(3000);
    assert.deepStrictEqual(transfer(client, server, data, { chunk: 1 }), data);
    assert.deepStrictEqual(transfer(server, client, data, { chunk: 7 }), data);
  });

  it('sends data queued before the handshake ended, first, at sequence number 0', () => {
    const server = new Side(serverContext(tls13()), { isServer: true, ownRecords: true });
    const client = new Side(clientContext(tls13()), { isServer: false, ownRecords: true });
    client.session.write(Buffer.from('early '));
    client.feed(null);
    pump(client, server);
    assert.ok(client.session.ownsRecords() && server.session.ownsRecords());
    assert.strictEqual(server.text(), 'early ');
    assert.strictEqual(transfer(client, server, Buffer.from('then')).toString(), 'then');
  });

  it('answers a KeyUpdate from OpenSSL that asks for one, and both keep talking', () => {
    const { server, client } = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    for (let round = 0; round < 3; round++) {
      assert.strictEqual(client.session.keyUpdate() & S.ERROR, 0);
      const flights = pump(client, server);
      // The server's answer is a KeyUpdate record back (a 22-byte handshake record: 5 + 1 + 16).
      assert.ok(flights.b.length > 0, 'the server answered');
      assert.strictEqual(transfer(client, server, Buffer.from(`up ${round}`)).toString(), `up ${round}`);
      assert.strictEqual(transfer(server, client, Buffer.from(`down ${round}`)).toString(), `down ${round}`);
    }
    assert.strictEqual(server.error, null);
    assert.strictEqual(client.error, null);
  });

  it('sends a KeyUpdate that OpenSSL follows, and OpenSSL answers it', () => {
    const { server, client } = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    for (let round = 0; round < 3; round++) {
      assert.strictEqual(server.session.keyUpdate() & S.ERROR, 0);
      pump(server, client);
      assert.strictEqual(transfer(server, client, Buffer.from(`down ${round}`)).toString(), `down ${round}`);
      assert.strictEqual(transfer(client, server, Buffer.from(`up ${round}`)).toString(), `up ${round}`);
    }
    assert.strictEqual(server.error, null);
    assert.strictEqual(client.error, null);
  });

  it('close_notify both ways', () => {
    const a = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    a.server.session.shutdown();
    pump(a.server, a.client);
    assert.ok(a.client.status & S.PEER_CLOSED);
    const b = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    b.client.session.write(Buffer.from('last'));
    b.client.session.shutdown();
    pump(b.client, b.server);
    assert.ok(b.server.status & S.PEER_CLOSED);
    assert.strictEqual(b.server.text(), 'last');
  });

  it('a record changed on the way fails with bad_record_mac, and the peer gets that alert', () => {
    const { server, client } = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    client.session.write(Buffer.from('hello'));
    const record = client.session.takeCiphertext();
    record[record.length - 1] ^= 1;
    server.feed(record);
    assert.ok(server.status & S.ERROR);
    assert.strictEqual(server.error.code, 'ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC');
    assert.deepStrictEqual(server.received, []);
    client.feed(server.session.takeCiphertext());
    assert.ok(client.status & S.ERROR);
    assert.strictEqual(client.error.code, 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC');
  });

  it('an alert from the peer fails with the error OpenSSL would report', () => {
    const { server, client } = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    server.session.write(Buffer.from('x'));
    const record = server.session.takeCiphertext();
    record[6] ^= 1;
    client.feed(record);  // OpenSSL: bad_record_mac, sent as an alert
    server.feed(client.session.takeCiphertext());
    assert.ok(server.status & S.ERROR);
    assert.strictEqual(server.error.code, 'ERR_SSL_SSLV3_ALERT_BAD_RECORD_MAC');
  });

  it('refuses an unprotected record and one over 2^14 + 256 bytes', () => {
    const plain = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    plain.server.feed(Buffer.from([22, 3, 3, 0, 4, 1, 0, 0, 0]));
    assert.strictEqual(plain.server.error.code, 'ERR_SSL_UNEXPECTED_RECORD');
    const long = connect(serverContext(tls13()), clientContext(tls13()), { serverOptions: { ownRecords: true } });
    long.server.feed(Buffer.from([23, 3, 3, 0x41, 0x01]));
    assert.strictEqual(long.server.error.code, 'ERR_SSL_ENCRYPTED_LENGTH_TOO_LONG');
  });

  it('keeps records to ssl_max_send_fragment', () => {
    const { server, client } = connect(serverContext(tls13({ sslMaxSendFragment: 512 })), clientContext(tls13()),
      { serverOptions: { ownRecords: true } });
    assert.ok(server.session.ownsRecords());
    server.session.write(pattern(2000));
    const sent = server.session.takeCiphertext();
    assert.deepStrictEqual(records(sent).map((r) => r.length), [512 + 17, 512 + 17, 512 + 17, 464 + 17]);
    client.feed(sent);
    assert.deepStrictEqual(client.bytes(), pattern(2000));
  });

  it('a client drops the session tickets a server sends, and reads on', () => {
    const { server, client } = connect(serverContext(tls13({ sessionCache: true })), clientContext(tls13()),
      { clientOptions: { ownRecords: true }, serverOptions: { ownRecords: true } });
    // The server sent tickets: it keeps OpenSSL's records; the client runs its own.
    assert.strictEqual(server.session.ownsRecords(), false);
    assert.strictEqual(client.session.ownsRecords(), true);
    assert.strictEqual(transfer(server, client, Buffer.from('after tickets')).toString(), 'after tickets');
    assert.strictEqual(transfer(client, server, Buffer.from('and back')).toString(), 'and back');
  });

  it('leaves TLS 1.2 to OpenSSL', () => {
    const { server, client } = connect(serverContext({ method: 'TLSv1.2' }), clientContext({ method: 'TLSv1.2' }),
      { serverOptions: { ownRecords: true } });
    assert.ok(done(server) && done(client));
    assert.strictEqual(server.session.ownsRecords(), false);
    assert.strictEqual(transfer(client, server, Buffer.from('v1.2')).toString(), 'v1.2');
  });

  it('keeps the handshake facts and the peer certificate', () => {
    const opts = { serverOptions: { ownRecords: true } };
    const { server } = connect(serverContext(tls13({ verifyClient: 'optional', caList: require('../helpers/sessions').cert('ca.pem') })),
      clientContext(tls13({ certificate: require('../helpers/sessions').cert('client.pem'), privateKey: require('../helpers/sessions').cert('client.key') })), opts);
    assert.ok(server.session.ownsRecords());
    assert.strictEqual(server.session.facts().version, 'TLSv1.3');
    assert.strictEqual(server.session.facts().verified, true);
    assert.ok(server.session.peerCertificate().subject.cn);
  });
});
