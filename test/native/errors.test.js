'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { TLS_ERROR_CODES, TlsError } = require('../../lib');
const { native, cert, serverContext, clientContext, connect, done } = require('../helpers/sessions');

describe('error codes', () => {
  it('every ERR_TLS_* code the addon can return is listed in src/errors.ts', () => {
    const dir = path.join(__dirname, '..', '..', 'native');
    const used = new Set();
    for (const file of fs.readdirSync(dir).filter((f) => /\.(cc|h)$/.test(f))) {
      for (const match of fs.readFileSync(path.join(dir, file), 'utf8').matchAll(/"(ERR_TLS_[A-Z0-9_]+)"/g)) used.add(match[1]);
    }
    assert.ok(used.size > 20);
    const missing = [...used].filter((code) => !(code in TLS_ERROR_CODES));
    assert.deepStrictEqual(missing, []);
  });

  it('TlsError carries code, library, reason, file and parameter', () => {
    const error = new TlsError({ code: 'ERR_TLS_KEY_MISMATCH', library: 'sip-tls', reason: 'r', message: 'm', file: '/f', parameter: 'private_key' });
    assert.ok(error instanceof Error);
    assert.deepStrictEqual([error.name, error.code, error.file, error.parameter, error.message], ['TlsError', 'ERR_TLS_KEY_MISMATCH', '/f', 'private_key', 'm']);
  });

  it('leaves no OpenSSL error behind for the next call after a failure', () => {
    const bad = native.createSecureContext({ certificate: cert('server-rsa.key'), privateKey: cert('server-rsa.key') });
    assert.strictEqual(bad.code, 'ERR_OSSL_PEM_NO_START_LINE');
    const { server, client } = connect(serverContext(), clientContext());
    assert.ok(done(server) && done(client));
    assert.strictEqual(server.session.takeError(), null);
  });
});

describe('ContextGlobals knobs', () => {
  it('accepts ssl_release_buffers -1/0/1, ssl_read_ahead and a long session_id, and still handshakes', () => {
    for (const sslReleaseBuffers of [-1, 0, 1]) {
      for (const sslReadAhead of [false, true]) {
        const server = serverContext({ sslReleaseBuffers, sslReadAhead, sessionCache: true, sessionId: 'x'.repeat(64) });
        const { server: s, client: c } = connect(server, clientContext({ sslReleaseBuffers, sslReadAhead }));
        assert.ok(done(s) && done(c), `release ${sslReleaseBuffers} read-ahead ${sslReadAhead}`);
        c.session.write(Buffer.from('ping'));
        s.feed(c.session.takeCiphertext());
        assert.strictEqual(s.text(), 'ping');
      }
    }
  });
});
