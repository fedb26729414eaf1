'use strict';
// rand_engine on OpenSSL 3: each name sets a DRBG of the module's own library context only. Every
// case runs in a fresh process (a context's DRBG type is fixed once it is instantiated).
const assert = require('node:assert');
const path = require('node:path');
const { CERTS } = require('../../scripts/softhsm-token');
const { run } = require('./hsm-pump');

const CHILD = path.join(__dirname, 'hsm-child.js');
const SERVER = { certificate: path.join(CERTS, 'server-ecdsa.pem'), privateKey: path.join(CERTS, 'server-ecdsa.key') };
const NODE_DRBG = { type: 'CTR-DRBG', mechanism: 'AES-256-CTR', strength: 256 };

async function child(job) {
  const { code, stdout, stderr } = await run(process.execPath, [CHILD, JSON.stringify(job)], { timeoutMs: 30000 });
  assert.strictEqual(code, 0, stderr);
  return JSON.parse(stdout.trim().split('\n').pop());
}

describe('rand_engine: the module context\'s DRBG, never Node\'s', function () {
  this.timeout(60000);
  const expected = {
    krand: { type: 'CTR-DRBG', mechanism: 'AES-128-CTR', strength: 128 },
    fastrand: { type: 'CTR-DRBG', mechanism: 'AES-128-CTR', strength: 128 },
    cryptorand: { type: 'HASH-DRBG', mechanism: 'SHA2-512', strength: 256 },
    kxlibssl: { type: 'CTR-DRBG', mechanism: 'AES-256-CTR', strength: 256 },
  };

  for (const [name, drbg] of Object.entries(expected)) {
    it(`${name}: ${drbg.type} ${drbg.mechanism} in the module, Node's DRBG unchanged, handshakes work`, async () => {
      const result = await child({ action: 'rand', randEngine: name, server: SERVER });
      assert.deepStrictEqual(result.module, drbg);
      assert.deepStrictEqual(result.node, NODE_DRBG);
      assert.strictEqual(result.version, 'TLSv1.3');
      assert.match(result.random, /^[0-9a-f]{32}$/);
      if (name === 'krand' || name === 'fastrand') {
        assert.strictEqual(result.notices.length, 1);
        assert.match(result.notices[0], /is not cryptographically secure and is not used/);
      } else {
        assert.deepStrictEqual(result.notices, []);
      }
    });
  }

  it('unset leaves OpenSSL\'s default DRBG in the module', async () => {
    const result = await child({ action: 'rand', randEngine: '', server: SERVER });
    assert.deepStrictEqual(result.module, NODE_DRBG);
  });

  it('after the first TLS context exists it is refused with the reason', async () => {
    const result = await child({ action: 'rand', randEngine: 'cryptorand', server: SERVER, contextFirst: true });
    assert.strictEqual(result.parameter, 'rand_engine');
    assert.match(result.message, /must be set before the first TLS context is built/);
  });
});
