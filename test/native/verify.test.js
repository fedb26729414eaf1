'use strict';
const assert = require('node:assert');
const { S, cert, context, serverContext, clientContext, connect, done } = require('../helpers/sessions');

const CLIENTS = {
  none: {},
  good: { certificate: cert('client.pem'), privateKey: cert('client.key') },
  'self-signed': { certificate: cert('client-selfsigned.pem'), privateKey: cert('client-selfsigned.key') },
  expired: { certificate: cert('client-expired.pem'), privateKey: cert('client-expired.key') },
  revoked: { certificate: cert('client-revoked.pem'), privateKey: cert('client-revoked.key') },
};

// X509_V_* codes
const SELF_SIGNED = 18;
const EXPIRED = 10;
const REVOKED = 23;
const CHAIN_TOO_LONG = 22;

// What the server concludes: 'ok' (with facts) or the failure code and verify result.
// With a CRL configured, a self-signed certificate also lacks a CRL; OpenSSL keeps the last error
// of a verification that goes on (optional_no_ca), so that case is checked without one.
function outcome(mode, client, method = 'TLSv1.2', withCrl = client !== 'self-signed') {
  const crl = withCrl ? { crl: cert('crl.pem') } : {};
  const server = serverContext({ caList: cert('ca.pem'), ...crl, verifyClient: mode, method });
  const { server: s, client: c } = connect(server, clientContext({ method, ...CLIENTS[client] }));
  if (s.status & S.ERROR) return { failed: s.error.code, verifyResult: s.error.verifyResult, client: c };
  assert.ok(done(s), `server status ${s.status}`);
  return { facts: s.session.facts(), client: c };
}

describe('verify_client', () => {
  for (const method of ['TLSv1.2', 'TLSv1.3']) {
    describe(`over ${method}`, () => {
      it('off: accepts every client without asking for a certificate', () => {
        for (const client of Object.keys(CLIENTS)) {
          const result = outcome('off', client, method);
          assert.ok(result.facts, `${client}: ${result.failed}`);
          assert.strictEqual(result.facts.peerCertificate, false, client);
          assert.strictEqual(result.facts.verified, false, client);
        }
      });

      it('on: requires a certificate that verifies', () => {
        assert.strictEqual(outcome('on', 'none', method).failed, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
        const good = outcome('on', 'good', method);
        assert.strictEqual(good.facts.verified, true);
      });

      it('on: refuses self-signed, expired and revoked certificates with their verify results', () => {
        for (const [client, code] of [['self-signed', SELF_SIGNED], ['expired', EXPIRED], ['revoked', REVOKED]]) {
          const result = outcome('on', client, method);
          assert.strictEqual(result.failed, 'ERR_SSL_CERTIFICATE_VERIFY_FAILED', client);
          assert.strictEqual(result.verifyResult, code, client);
        }
      });

      it('optional: accepts no certificate, verifies one that is given', () => {
        const none = outcome('optional', 'none', method);
        assert.strictEqual(none.facts.peerCertificate, false);
        assert.strictEqual(none.facts.verified, false);
        assert.strictEqual(outcome('optional', 'good', method).facts.verified, true);
        for (const [client, code] of [['self-signed', SELF_SIGNED], ['expired', EXPIRED], ['revoked', REVOKED]]) {
          const result = outcome('optional', client, method);
          assert.strictEqual(result.failed, 'ERR_SSL_CERTIFICATE_VERIFY_FAILED', client);
          assert.strictEqual(result.verifyResult, code, client);
        }
      });

      it('optional_no_ca: accepts any certificate and reports the real result', () => {
        assert.strictEqual(outcome('optional_no_ca', 'none', method).facts.peerCertificate, false);
        const good = outcome('optional_no_ca', 'good', method).facts;
        assert.deepStrictEqual([good.verified, good.verifyResult], [true, 0]);
        const selfSigned = outcome('optional_no_ca', 'self-signed', method).facts;
        assert.deepStrictEqual([selfSigned.verified, selfSigned.selfSigned, selfSigned.verifyResult], [false, true, SELF_SIGNED]);
        const selfSignedCrl = outcome('optional_no_ca', 'self-signed', method, true).facts;
        assert.deepStrictEqual([selfSignedCrl.verified, selfSignedCrl.verifyResult], [false, 3]);
        const expired = outcome('optional_no_ca', 'expired', method).facts;
        assert.deepStrictEqual([expired.verified, expired.expired, expired.verifyError], [false, true, 'certificate has expired']);
        const revoked = outcome('optional_no_ca', 'revoked', method).facts;
        assert.deepStrictEqual([revoked.verified, revoked.revoked, revoked.verifyError], [false, true, 'certificate revoked']);
      });
    });
  }

  it('ORs the legacy flags: require_certificate alone behaves as verify_client=on', () => {
    const server = serverContext({ caList: cert('ca.pem'), requireCertificate: true, verifyClient: 'off' });
    const { server: s } = connect(server, clientContext());
    assert.strictEqual(s.error.code, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  });

  it('ORs the legacy flags: verify_certificate alone behaves as verify_client=optional', () => {
    const server = serverContext({ caList: cert('ca.pem'), verifyCertificate: true, verifyClient: 'off' });
    assert.ok(done(connect(server, clientContext()).server));
    const { server: s } = connect(server, clientContext(CLIENTS['self-signed']));
    assert.strictEqual(s.error.verifyResult, SELF_SIGNED);
  });

  it('without a CRL a revoked certificate verifies; with crl it does not', () => {
    const noCrl = serverContext({ caList: cert('ca.pem'), verifyClient: 'on' });
    assert.ok(done(connect(noCrl, clientContext(CLIENTS.revoked)).server));
  });

  it('CRL_CHECK_ALL needs a CRL for every level: an intermediate chain fails with only the root CRL', () => {
    const intClient = { certificate: cert('client-int-chain.pem'), privateKey: cert('client-int.key') };
    const rootCrlOnly = serverContext({ caList: cert('ca.pem'), crl: cert('crl.pem'), verifyClient: 'on' });
    const { server: s } = connect(rootCrlOnly, clientContext(intClient));
    assert.strictEqual(s.error.verifyResult, 3); // X509_V_ERR_UNABLE_TO_GET_CRL
    const allCrls = serverContext({ caList: cert('ca.pem'), crl: cert('crl-all.pem'), verifyClient: 'on' });
    assert.ok(done(connect(allCrls, clientContext(intClient)).server));
  });
});

describe('verify_depth', () => {
  const intClient = { certificate: cert('client-int-chain.pem'), privateKey: cert('client-int.key') };

  it('accepts a chain through one intermediate at depth 1 and refuses it at depth 0', () => {
    const deep = serverContext({ caList: cert('ca.pem'), verifyClient: 'on', verifyDepth: 1 });
    assert.ok(done(connect(deep, clientContext(intClient)).server));
    const shallow = serverContext({ caList: cert('ca.pem'), verifyClient: 'on', verifyDepth: 0 });
    const { server: s } = connect(shallow, clientContext(intClient));
    assert.strictEqual(s.error.code, 'ERR_SSL_CERTIFICATE_VERIFY_FAILED');
    assert.strictEqual(s.error.verifyResult, CHAIN_TOO_LONG);
  });

  it('applies to the client verifying a server chain (server-int)', () => {
    const server = serverContext({ certificate: cert('server-int-chain.pem'), privateKey: cert('server-int.key') });
    assert.ok(done(connect(server, clientContext({ verifyDepth: 1 })).client));
    const { client: c } = connect(server, clientContext({ verifyDepth: 0 }));
    assert.strictEqual(c.error.verifyResult, CHAIN_TOO_LONG);
  });
});

describe('ca_path', () => {
  it('verifies through a hashed directory (root and intermediate)', () => {
    const server = serverContext({ certificate: cert('server-int.pem'), privateKey: cert('server-int.key') });
    const { client: c } = connect(server, context({ caPath: cert('capath'), verifyCertificate: true }));
    assert.ok(done(c), c.error && c.error.message);
    assert.strictEqual(c.session.facts().verified, true);
  });

  it('client certificates verify through the server\'s ca_path', () => {
    const server = serverContext({ caPath: cert('capath'), verifyClient: 'on' });
    const { server: s } = connect(server, clientContext(CLIENTS.good));
    assert.ok(done(s), s.error && s.error.message);
    assert.strictEqual(s.session.facts().verified, true);
  });
});
