'use strict';
// The RFC 5922 section 7 identity check a client session makes of the server certificate
// (TlsSession option `identity`), on two sessions wired back to back in memory.
const assert = require('node:assert');
const { S, Side, pump, context, done } = require('../helpers/sessions');
const { makeIdentityCerts } = require('../helpers/identity-certs');

const LEAVES = {
  uri: { cn: 'host.example.com', san: 'URI:sip:example.com' },
  uriUpper: { cn: 'host', san: 'URI:sips:EXAMPLE.com;transport=tls' },
  uriOther: { cn: 'example.com', san: 'URI:sip:other.example.org' },
  uriUser: { cn: 'example.com', san: 'URI:sip:alice@example.com' },
  uriBeatsDns: { cn: 'example.com', san: 'URI:sip:other.example.org,DNS:example.com' },
  dns: { cn: 'host', san: 'DNS:example.com' },
  wildcard: { cn: 'host', san: 'DNS:*.example.com' },
  cnOnly: { cn: 'example.com' },
  cnWithSan: { cn: 'example.com', san: 'DNS:other.example.org' },
  ip: { cn: 'host', san: 'IP:127.0.0.1,IP:::1' },
};

describe('TlsSession identity (RFC 5922 identity check)', function () {
  this.timeout(20000);
  let certs;
  before(() => { certs = makeIdentityCerts(LEAVES); });
  after(() => certs.remove());

  // Handshakes a client expecting `identity` with a server presenting `leaf`; the client queues
  // a SIP message before the handshake so a mismatch can be seen not to leak it.
  function handshake(leaf, identity, { method = 'TLSv1.3', verify = false } = {}) {
    const server = new Side(context({ method, ...certs.leaf(leaf) }), { isServer: true });
    const clientOptions = verify ? { caList: certs.ca, verifyCertificate: true } : {};
    const options = { isServer: false };
    if (identity !== undefined) options.identity = identity;
    const client = new Side(context({ method, ...clientOptions }), options);
    client.status = client.session.write(Buffer.from('OPTIONS sip:example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    pump(client, server);
    return { client, server };
  }

  function assertMismatch({ client, server }, identity, held) {
    assert.ok(client.status & S.ERROR, `client status ${client.status}`);
    assert.strictEqual(client.error.code, 'ERR_TLS_IDENTITY_MISMATCH');
    assert.ok(client.error.message.includes(`'${identity}'`), client.error.message);
    assert.ok(client.error.message.includes(held), client.error.message);
    assert.ok(!done(server), 'the server must not complete the handshake');
    assert.strictEqual(server.text(), '', 'no SIP data reaches the server');
  }

  for (const method of ['TLSv1.2', 'TLSv1.3']) {
    describe(`over ${method}`, () => {
      it('accepts a sip: URI SAN whose host is the domain', () => {
        const { client, server } = handshake('uri', 'example.com', { method });
        assert.ok(done(client), client.error && client.error.message);
        assert.ok(server.text().startsWith('OPTIONS sip:example.com'));
      });

      it('refuses a sip: URI SAN naming another host, saying what the certificate holds', () => {
        assertMismatch(handshake('uriOther', 'example.com', { method }), 'example.com', 'URI:sip:other.example.org');
      });

      it('accepts a DNS SAN equal to the domain', () => {
        assert.ok(done(handshake('dns', 'example.com', { method }).client));
      });

      it('refuses a wildcard DNS SAN (RFC 5922 7.2 forbids wildcards)', () => {
        assertMismatch(handshake('wildcard', 'sip.example.com', { method }), 'sip.example.com', 'DNS:*.example.com');
      });

      it('accepts the CN of a certificate without subjectAltName', () => {
        assert.ok(done(handshake('cnOnly', 'example.com', { method }).client));
      });

      it('ignores the CN when the certificate has a subjectAltName', () => {
        assertMismatch(handshake('cnWithSan', 'example.com', { method }), 'example.com', 'DNS:other.example.org');
      });
    });
  }

  it('compares the URI host case-insensitively, for sips: too, without URI parameters', () => {
    assert.ok(done(handshake('uriUpper', 'example.COM').client));
  });

  it('skips URIs with a user part (they name a user, not the domain)', () => {
    assertMismatch(handshake('uriUser', 'example.com'), 'example.com', 'URI:sip:alice@example.com');
  });

  it('uses DNS names only when no sip/sips URI names a domain', () => {
    assertMismatch(handshake('uriBeatsDns', 'example.com'), 'example.com', 'DNS:example.com');
  });

  it('compares an IP literal with the iPAddress entries', () => {
    assert.ok(done(handshake('ip', '127.0.0.1').client));
    assert.ok(done(handshake('ip', '0:0::1').client));
    assertMismatch(handshake('ip', '127.0.0.2'), '127.0.0.2', 'IP:127.0.0.1');
  });

  it('is off without an identity: a mismatching certificate is accepted', () => {
    assert.ok(done(handshake('uriOther', undefined).client));
    assert.ok(done(handshake('wildcard', '').client));
  });

  it('keeps the profile\'s verification: a verified chain with the right identity passes', () => {
    const { client } = handshake('uri', 'example.com', { verify: true });
    assert.ok(done(client));
    assert.strictEqual(client.session.facts().verified, true);
  });

  it('with verification on, a mismatch still fails with ERR_TLS_IDENTITY_MISMATCH', () => {
    assertMismatch(handshake('uriOther', 'example.com', { verify: true }), 'example.com', 'URI:sip:other.example.org');
  });

  it('with verification off, chain errors stay as they were (recorded, not fatal)', () => {
    // The client trusts no CA, so the chain cannot be verified; the identity still matches.
    const { client } = handshake('uri', 'example.com');
    assert.ok(done(client));
    assert.notStrictEqual(client.session.facts().verifyResult, 0);
  });

  it('rejects a non-string identity', () => {
    assert.throws(() => new Side(context({}), { isServer: false, identity: 5 }), /identity must be a string/);
  });
});
