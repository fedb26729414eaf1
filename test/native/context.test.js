'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { native, cert, tryContext, serverContext, clientContext, connect, done } = require('../helpers/sessions');
const { createSecureContext, TlsError } = require('../../lib');

const srv = () => ({ certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.key') });

function fails(options, code, parameter, file) {
  const result = tryContext(options);
  assert.ok(!(result instanceof native.SecureContext), 'expected an error value');
  assert.strictEqual(result.code, code, JSON.stringify(result));
  assert.strictEqual(result.parameter, parameter);
  if (file !== undefined) assert.strictEqual(result.file, file);
  assert.ok(result.reason.length > 0 && result.message.includes(parameter));
  return result;
}

describe('createSecureContext', () => {
  it('names parameter and file for a missing certificate file', () => {
    const error = fails({ certificate: '/nonexistent/x.pem', privateKey: cert('server-rsa.key') },
      'ERR_TLS_FILE_UNREADABLE', 'certificate', '/nonexistent/x.pem');
    assert.match(error.reason, /No such file or directory/);
  });

  it('says what a file lacks, with OpenSSL\'s reason, for a file that is no certificate', () => {
    const error = fails({ certificate: cert('server-rsa.key'), privateKey: cert('server-rsa.key') },
      'ERR_OSSL_PEM_NO_START_LINE', 'certificate', cert('server-rsa.key'));
    assert.strictEqual(error.reason, 'cannot load the certificate chain (no start line)');
  });

  it('says that a private_key file holds no key, not only OpenSSL\'s "unsupported"', () => {
    const error = fails({ certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.pem') },
      'ERR_OSSL_UNSUPPORTED', 'private_key', cert('server-rsa.pem'));
    assert.match(error.reason, /^no private key in PEM form in the file \(/);
  });

  it('refuses a key that does not match the certificate', () => {
    const error = fails({ certificate: cert('server-rsa.pem'), privateKey: cert('ca.key') }, 'ERR_TLS_KEY_MISMATCH', 'private_key', cert('ca.key'));
    assert.match(error.reason, /key values mismatch/);
    fails({ certificate: cert('server-rsa.pem'), privateKey: cert('server-ecdsa.key') }, 'ERR_TLS_KEY_MISMATCH', 'private_key');
    fails({ ...srv(), certificate2: cert('server-ecdsa.pem'), privateKey2: cert('sni-a.key') }, 'ERR_TLS_KEY_MISMATCH', 'private_key2');
  });

  it('loads an encrypted key with the right password and never prompts without one', () => {
    assert.ok(tryContext({ certificate: cert('server-rsa.pem'), privateKey: cert('server-enc.key'), privateKeyPassword: 'secret' })
      instanceof native.SecureContext);
    fails({ certificate: cert('server-rsa.pem'), privateKey: cert('server-enc.key'), privateKeyPassword: 'wrong' },
      'ERR_TLS_KEY_PASSWORD_WRONG', 'private_key', cert('server-enc.key'));
    const missing = fails({ certificate: cert('server-rsa.pem'), privateKey: cert('server-enc.key') },
      'ERR_TLS_KEY_PASSWORD_MISSING', 'private_key');
    assert.match(missing.reason, /private_key_password is not set/);
  });

  it('an encrypted key serves handshakes', () => {
    const server = serverContext({ privateKey: cert('server-enc.key'), privateKeyPassword: 'secret' });
    assert.ok(done(connect(server, clientContext()).client));
  });

  it('takes the key from the certificate file when private_key is empty', () => {
    assert.ok(tryContext({ certificate: cert('combined.pem'), privateKey: '' }) instanceof native.SecureContext);
    fails({ certificate: cert('server-rsa.pem'), privateKey: '' }, 'ERR_TLS_KEY_MISSING', 'private_key');
    fails({ privateKey: cert('server-rsa.key') }, 'ERR_TLS_KEY_WITHOUT_CERTIFICATE', 'private_key');
  });

  it('refuses /engine: and /uri: keys loudly without the engine support', () => {
    for (const ref of ['/engine:pkcs11:id_01', '/uri:pkcs11:token=t;object=k']) {
      const error = tryContext({ certificate: cert('server-rsa.pem'), privateKey: ref });
      assert.ok(!(error instanceof native.SecureContext));
      assert.notStrictEqual(error.code, undefined);
      assert.strictEqual(error.parameter, 'private_key');
    }
  });

  it('names ca_list, ca_path and crl when they are unusable', () => {
    fails({ ...srv(), caList: cert('server-rsa.key') }, 'ERR_OSSL_X509_NO_CERTIFICATE_OR_CRL_FOUND', 'ca_list', cert('server-rsa.key'));
    fails({ ...srv(), caList: '/nonexistent/ca.pem' }, 'ERR_TLS_FILE_UNREADABLE', 'ca_list');
    fails({ ...srv(), caPath: '/nonexistent' }, 'ERR_TLS_FILE_UNREADABLE', 'ca_path', '/nonexistent');
    fails({ ...srv(), crl: cert('ca.pem') }, 'ERR_OSSL_PEM_NO_START_LINE', 'crl', cert('ca.pem'));
    fails({ ...srv(), crl: '/nonexistent/crl.pem' }, 'ERR_TLS_FILE_UNREADABLE', 'crl');
  });

  it('checks tls_method, ssl_max_send_fragment, verify_depth and cipher_list', () => {
    fails({ ...srv(), method: 'SSLv3' }, 'ERR_TLS_METHOD_UNSUPPORTED', 'tls_method');
    fails({ ...srv(), method: 'TLSv9' }, 'ERR_TLS_INVALID_METHOD', 'tls_method');
    for (const value of [0, 511, 16385, 65536]) {
      const error = fails({ ...srv(), sslMaxSendFragment: value }, 'ERR_TLS_INVALID_MAX_SEND_FRAGMENT', 'ssl_max_send_fragment');
      assert.match(error.message, /ssl_max_send_fragment/);
    }
    for (const value of [-1, 512, 16384]) assert.ok(tryContext({ ...srv(), sslMaxSendFragment: value }) instanceof native.SecureContext);
    fails({ ...srv(), verifyDepth: -1 }, 'ERR_TLS_INVALID_VERIFY_DEPTH', 'verify_depth');
    fails({ ...srv(), cipherList: 'NOPE-CIPHER' }, 'ERR_SSL_NO_CIPHER_MATCH', 'cipher_list');
    fails({ ...srv(), method: 'TLSv1.3', cipherList: 'ECDHE-RSA-AES128-GCM-SHA256' }, 'ERR_SSL_NO_CIPHER_MATCH', 'cipher_list');
    fails({ ...srv(), sslReleaseBuffers: 2 }, 'ERR_TLS_INVALID_RELEASE_BUFFERS', 'ssl_release_buffers');
  });

  it('cipher_list: TLS 1.3 suites for TLSv1.3 methods, and a combined TLS 1.2 + TLS 1.3 list otherwise', () => {
    const only13 = serverContext({ method: 'TLSv1.3', cipherList: 'TLS_CHACHA20_POLY1305_SHA256' });
    assert.strictEqual(connect(only13, clientContext()).client.session.facts().cipher, 'TLS_CHACHA20_POLY1305_SHA256');
    const combined = serverContext({ cipherList: 'ECDHE-RSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256' });
    assert.strictEqual(connect(combined, clientContext({ method: 'TLSv1.3' })).client.session.facts().cipher, 'TLS_AES_128_GCM_SHA256');
    assert.strictEqual(connect(combined, clientContext({ method: 'TLSv1.2' })).client.session.facts().cipher, 'ECDHE-RSA-AES128-GCM-SHA256');
  });

  it('reports the facts of its certificates', () => {
    const ctx = serverContext({ certificate2: cert('server-ecdsa.pem'), privateKey2: cert('server-ecdsa.key') });
    const [first, second] = ctx.certificates();
    assert.strictEqual(first.pem, fs.readFileSync(cert('server-rsa.pem'), 'utf8'));
    assert.strictEqual(second.pem, fs.readFileSync(cert('server-ecdsa.pem'), 'utf8'));
    assert.notStrictEqual(first.serial, second.serial);
  });

  it('the TS wrapper throws TlsError with the same fields', () => {
    assert.throws(() => createSecureContext({ certificate: '/nonexistent/x.pem' }),
      (e) => e instanceof TlsError && e.code === 'ERR_TLS_FILE_UNREADABLE' && e.parameter === 'certificate' && e.file === '/nonexistent/x.pem');
    assert.throws(() => createSecureContext({ verifyClient: 'maybe' }), (e) => e.code === 'ERR_TLS_INVALID_PARAMETER' && e.parameter === 'verify_client');
  });

  it('cannot be constructed from JS, and sessions accept only real contexts (type tags)', () => {
    assert.throws(() => new native.SecureContext({}), TypeError);
    assert.throws(() => new native.TlsSession({}, { isServer: true }), /must be a SecureContext/);
    const fake = Object.create(native.SecureContext.prototype);
    assert.throws(() => new native.TlsSession(fake, { isServer: true }), /must be a SecureContext/);
  });
});

describe('certificate facts', () => {
  let dir;
  // A certificate with every name field the guide's selects read (the fixtures' CA keeps only CN).
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-facts-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'full.key'), '-out', path.join(dir, 'full.pem'), '-days', '2',
      '-subj', '/C=DE/ST=Berlin/L=Berlin/O=Full Org/OU=edge/CN=full.test/x500UniqueIdentifier=uid-42',
      '-addext', 'subjectAltName=DNS:full.test,DNS:alt.full.test,URI:sip:full.test,email:a@full.test,IP:10.1.2.3,IP:2001:db8::1'],
    { env: { ...process.env, OPENSSL_CONF: '/dev/null' }, stdio: 'ignore' });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const facts = () => {
    const server = serverContext({ caList: cert('ca.pem'), verifyClient: 'on' });
    const pair = connect(server, clientContext({ certificate: cert('client.pem'), privateKey: cert('client.key') }), { serverName: 'server.test' });
    assert.ok(done(pair.server) && done(pair.client));
    return pair;
  };

  it('exposes the peer certificate as the guide\'s selects do', () => {
    const full = path.join(dir, 'full.pem');
    const server = serverContext({ certificate: full, privateKey: path.join(dir, 'full.key') });
    const { client: c } = connect(server, clientContext({ verifyCertificate: false, caList: '' }));
    assert.ok(done(c));
    const peer = c.session.peerCertificate();
    const name = {
      line: '/C=DE/ST=Berlin/L=Berlin/O=Full Org/OU=edge/CN=full.test/x500UniqueIdentifier=uid-42',
      cn: 'full.test', l: 'Berlin', c: 'DE', st: 'Berlin', o: 'Full Org', ou: 'edge', uid: 'uid-42',
    };
    assert.deepStrictEqual(peer.subject, name);
    assert.deepStrictEqual(peer.issuer, name);
    assert.deepStrictEqual(peer.san, { email: ['a@full.test'], dns: ['full.test', 'alt.full.test'], uri: ['sip:full.test'], ip: ['10.1.2.3', '2001:db8::1'] });
    assert.strictEqual(peer.version, 2);
    assert.strictEqual(peer.pem, fs.readFileSync(full, 'utf8'));
    const x509 = (flag) => execFileSync('openssl', ['x509', '-noout', flag, '-in', full]).toString().trim();
    assert.strictEqual(peer.serial, BigInt('0x' + x509('-serial').split('=')[1]).toString());
    assert.strictEqual(peer.notAfter, x509('-enddate').split('=')[1]);
    assert.strictEqual(peer.notBefore, x509('-startdate').split('=')[1]);
    const f = c.session.facts();
    assert.deepStrictEqual([f.verified, f.selfSigned, f.verifyResult], [false, true, 18]);
  });

  it('exposes the client certificate to the server with URI and email SANs, and our own', () => {
    const { server: s } = facts();
    const peer = s.session.peerCertificate();
    assert.deepStrictEqual(peer.san, { email: ['ops@client.test'], dns: ['client.test'], uri: ['sip:client.test'], ip: [] });
    assert.strictEqual(s.session.ownCertificate().subject.cn, 'server.test');
    const f = s.session.facts();
    assert.strictEqual(f.verified, true);
    assert.strictEqual(f.serverName, 'server.test');
    assert.match(f.description, /^TLS_AES_256_GCM_SHA384 +TLSv1\.3 .*\n$/);
  });

  it('gives empty facts before the handshake and null certificates', () => {
    const { Side } = require('../helpers/sessions');
    const s = new Side(serverContext(), { isServer: true });
    assert.strictEqual(s.session.peerCertificate(), null);
    assert.deepStrictEqual([s.session.facts().version, s.session.facts().verified], ['', false]);
  });
});
