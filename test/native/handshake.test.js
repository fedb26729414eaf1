'use strict';
const assert = require('node:assert');
const { S, cert, tryContext, context, serverContext, clientContext, Side, pump, connect, done } = require('../helpers/sessions');

const METHODS = ['SSLv2', 'SSLv3', 'SSLv23', 'TLSv1', 'TLSv1.0', 'TLSv1+', 'TLSv1.0+', 'TLSv1.1', 'TLSv1.1+',
  'TLSv1.2', 'TLSv1.2+', 'TLSv1.3', 'TLSv1.3+'];
const PEERS = { 'TLSv1': 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };
const VERSION_NAME = { 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };

// The protocol range the guide gives each tls_method (kamailio-behaviour.md section 3, method mapping).
function accepts(method, version) {
  const base = { 'TLSv1': 0x0301, 'TLSv1.0': 0x0301, 'TLSv1.1': 0x0302, 'TLSv1.2': 0x0303, 'TLSv1.3': 0x0304 };
  if (method === 'SSLv23') return version >= 0x0301; // every TLS version, as TLSv1+
  const plus = method.endsWith('+');
  const min = base[plus ? method.slice(0, -1) : method];
  return plus ? version >= min : version === min;
}

describe('TlsSession handshake', () => {
  for (const version of ['TLSv1.2', 'TLSv1.3']) {
    for (const type of ['rsa', 'ecdsa']) {
      it(`completes ${version} with an ${type.toUpperCase()} certificate and moves data both ways`, () => {
        const server = serverContext({ method: version, certificate: cert(`server-${type}.pem`), privateKey: cert(`server-${type}.key`) });
        const { server: s, client: c } = connect(server, clientContext({ method: version }), { serverName: 'server.test' });
        assert.ok(done(s), `server status ${s.status} ${s.error && s.error.code}`);
        assert.ok(done(c), `client status ${c.status} ${c.error && c.error.code}`);
        const facts = c.session.facts();
        assert.strictEqual(facts.version, version);
        assert.strictEqual(facts.verified, true);
        assert.ok(facts.cipherBits >= 128);
        if (version === 'TLSv1.2') assert.match(facts.cipher, type === 'rsa' ? /ECDHE-RSA/ : /ECDHE-ECDSA/);
        c.session.write(Buffer.from('OPTIONS sip:a SIP/2.0\r\n\r\n'));
        s.session.write(Buffer.from('SIP/2.0 200 OK\r\n\r\n'));
        pump(c, s);
        assert.strictEqual(s.text(), 'OPTIONS sip:a SIP/2.0\r\n\r\n');
        assert.strictEqual(c.text(), 'SIP/2.0 200 OK\r\n\r\n');
      });
    }
  }

  it('serves the certificate matching the client: RSA and ECDSA from one dual-certificate context', () => {
    const server = serverContext({ certificate2: cert('server-ecdsa.pem'), privateKey2: cert('server-ecdsa.key'), method: 'TLSv1.2' });
    const ecdsaOnly = clientContext({ method: 'TLSv1.2', cipherList: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    const rsaOnly = clientContext({ method: 'TLSv1.2', cipherList: 'ECDHE-RSA-AES128-GCM-SHA256' });
    const a = connect(server, ecdsaOnly);
    const b = connect(server, rsaOnly);
    assert.ok(done(a.client) && done(b.client));
    assert.strictEqual(a.client.session.facts().cipher, 'ECDHE-ECDSA-AES128-GCM-SHA256');
    assert.strictEqual(b.client.session.facts().cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
  });

  describe('tls_method against peers of each version', () => {
    for (const method of METHODS) {
      if (method === 'SSLv2' || method === 'SSLv3') {
        it(`${method} is refused with ERR_TLS_METHOD_UNSUPPORTED`, () => {
          const result = tryContext({ method, certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.key') });
          assert.strictEqual(result.code, 'ERR_TLS_METHOD_UNSUPPORTED');
          assert.strictEqual(result.parameter, 'tls_method');
        });
        continue;
      }
      it(`${method} accepts exactly the versions the guide gives it`, () => {
        const server = serverContext({ method });
        const outcome = {};
        for (const [peer, version] of Object.entries(PEERS)) {
          const { server: s, client: c } = connect(server, clientContext({ method: peer }));
          outcome[peer] = done(s) && done(c) ? c.session.facts().version : `refused(${(s.error || c.error || {}).code})`;
          if (accepts(method, version)) {
            assert.strictEqual(outcome[peer], VERSION_NAME[version], `${method} vs ${peer}: ${JSON.stringify(outcome)}`);
          } else {
            assert.match(outcome[peer], /^refused\(ERR_SSL_/, `${method} vs ${peer}: ${JSON.stringify(outcome)}`);
          }
        }
      });
    }
  });

  it('handshakes with 1-byte feeds on both sides', () => {
    const { server: s, client: c } = connect(serverContext(), clientContext(), { chunk: 1 });
    assert.ok(done(s) && done(c));
    assert.ok(s.feeds > 500, `server took ${s.feeds} feeds`);
    c.session.write(Buffer.from('x'.repeat(3000)));
    pump(c, s, { chunk: 1 });
    assert.strictEqual(s.text(), 'x'.repeat(3000));
  });

  it('queues clear text written before the handshake (WANT_WRITE) and sends it once done', () => {
    const s = new Side(serverContext(), { isServer: true });
    const c = new Side(clientContext(), { isServer: false });
    const status = c.session.write(Buffer.from('early message'));
    assert.ok(status & S.WANT_WRITE);
    assert.ok(status & S.HAS_CIPHERTEXT, 'the ClientHello goes out');
    assert.strictEqual(c.session.lengths[2], 13);
    pump(c, s);
    assert.ok(done(s) && done(c));
    assert.strictEqual(s.text(), 'early message');
    assert.strictEqual(c.session.status() & S.WANT_WRITE, 0);
  });

  it('reports a handshake with a non-TLS peer as ERROR with OpenSSL\'s code', () => {
    const s = new Side(serverContext(), { isServer: true });
    s.feed(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    assert.ok(s.status & S.ERROR);
    assert.strictEqual(s.error.code, 'ERR_SSL_WRONG_VERSION_NUMBER');
    assert.strictEqual(s.error.library, 'SSL routines');
    assert.strictEqual(s.error.reason, 'wrong version number');
  });

  it('fails when the client does not trust the server, with the verify result', () => {
    const { client: c } = connect(serverContext(), context({ verifyCertificate: true, caList: cert('client-selfsigned.pem') }));
    assert.ok(c.status & S.ERROR);
    assert.strictEqual(c.error.code, 'ERR_SSL_CERTIFICATE_VERIFY_FAILED');
    assert.strictEqual(c.error.verifyResult, 20);
    assert.strictEqual(c.error.verifyError, 'unable to get local issuer certificate');
  });
});
