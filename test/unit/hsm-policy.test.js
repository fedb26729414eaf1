'use strict';
const assert = require('node:assert');
const hsm = require('../../lib/hsm');
const { parseTlsCfg } = require('../../lib/tls-cfg');

/** A binding that records calls, for the policy alone (the real one is tested in integration/). */
function recordingBinding(results = {}) {
  const calls = [];
  return {
    calls,
    loadEngine: (id, config) => { calls.push(['loadEngine', id, config]); return results.loadEngine ?? {}; },
    setRandEngine: (drbg, cipher, digest) => { calls.push(['setRandEngine', drbg, cipher, digest]); return results.setRandEngine ?? {}; },
    describeDrbg: () => ({ type: 'CTR-DRBG', mechanism: 'AES-256-CTR', strength: 256 }),
  };
}

const NO_HSM = { engine: 'NONE', engine_config: 'NONE', engine_algorithms: 'NONE', rand_engine: '' };

describe('hsm: engine_algorithms', () => {
  it('accepts NONE and empty', () => {
    hsm.checkEngineAlgorithms('NONE');
    hsm.checkEngineAlgorithms('none');
    hsm.checkEngineAlgorithms('');
  });

  for (const value of ['ALL', 'RSA', 'EC', 'RAND', 'CIPHERS,DIGESTS', 'PKEY_CRYPTO']) {
    it(`refuses ${value}, explaining that engine defaults are process-wide`, () => {
      assert.throws(() => hsm.checkEngineAlgorithms(value), (err) => {
        assert.strictEqual(err.parameter, 'engine_algorithms');
        assert.match(err.message, /cannot be confined/);
        assert.match(err.message, /process-wide/);
        assert.match(err.message, /Node's own crypto/);
        for (const c of value.split(',')) assert.ok(err.message.includes(`${c}:`), `names ${c}`);
        return true;
      });
    });
  }

  it('names the accepted classes for an unknown one', () => {
    assert.throws(() => hsm.checkEngineAlgorithms('RSA,FOO'), /unknown FOO; expected NONE or a comma list of ALL, RSA, DSA, DH, EC, RAND, CIPHERS, DIGESTS, PKEY, PKEY_CRYPTO, PKEY_ASN1/);
  });
});

describe('hsm: rand_engine mapping', () => {
  it('maps every Kamailio name to a secure DRBG of the module context', () => {
    assert.deepStrictEqual(hsm.RAND_ENGINE_NAMES, ['krand', 'fastrand', 'cryptorand', 'kxlibssl']);
    assert.deepStrictEqual(
      hsm.RAND_ENGINE_NAMES.map((n) => { const m = hsm.randEngineMapping(n); return [n, m.drbg, m.cipher || m.digest]; }),
      [['krand', 'CTR-DRBG', 'AES-128-CTR'], ['fastrand', 'CTR-DRBG', 'AES-128-CTR'],
        ['cryptorand', 'HASH-DRBG', 'SHA512'], ['kxlibssl', 'CTR-DRBG', 'AES-256-CTR']]);
  });

  it('is case-insensitive, as Kamailio is', () => {
    assert.strictEqual(hsm.randEngineMapping('CryptoRand').name, 'cryptorand');
  });

  it('leaves OpenSSL\'s default DRBG when empty', () => {
    assert.strictEqual(hsm.randEngineMapping(''), undefined);
  });

  it('refuses an unknown name, listing the accepted ones', () => {
    assert.throws(() => hsm.randEngineMapping('devrandom'),
      (err) => err.parameter === 'rand_engine' && /expected one of krand, fastrand, cryptorand, kxlibssl/.test(err.message));
  });

  it('says honestly that krand and fastrand are replaced by a secure DRBG', () => {
    for (const name of ['krand', 'fastrand']) {
      const notices = [];
      hsm.applyHsmParams({ ...NO_HSM, rand_engine: name }, (m) => notices.push(m), recordingBinding());
      assert.strictEqual(notices.length, 1);
      assert.match(notices[0], /not cryptographically secure and is not used/);
      assert.match(notices[0], /CTR-DRBG \(AES-128-CTR\), which is/);
    }
  });

  it('gives no notice for cryptorand and kxlibssl', () => {
    const notices = [];
    hsm.applyHsmParams({ ...NO_HSM, rand_engine: 'cryptorand' }, (m) => notices.push(m), recordingBinding());
    hsm.applyHsmParams({ ...NO_HSM, rand_engine: 'kxlibssl' }, (m) => notices.push(m), recordingBinding());
    assert.deepStrictEqual(notices, []);
  });
});

describe('hsm: applyHsmParams', () => {
  it('does nothing native without engine or rand_engine', () => {
    const binding = recordingBinding();
    assert.deepStrictEqual(hsm.applyHsmParams(NO_HSM, undefined, binding), { engine: null, randEngine: null });
    assert.deepStrictEqual(binding.calls, []);
  });

  it('sets the DRBG before loading the engine', () => {
    const binding = recordingBinding();
    hsm.applyHsmParams({ engine: 'pkcs11', engine_config: '/etc/e.cnf', engine_algorithms: 'NONE', rand_engine: 'cryptorand' }, undefined, binding);
    assert.deepStrictEqual(binding.calls, [['setRandEngine', 'HASH-DRBG', '', 'SHA512'], ['loadEngine', 'pkcs11', '/etc/e.cnf']]);
  });

  it('passes no engine_config for NONE', () => {
    const binding = recordingBinding();
    hsm.applyHsmParams({ ...NO_HSM, engine: 'pkcs11' }, undefined, binding);
    assert.deepStrictEqual(binding.calls, [['loadEngine', 'pkcs11', '']]);
  });

  it('turns a native load failure into an HsmError naming engine_config', () => {
    const binding = recordingBinding({ loadEngine: { error: 'engine "x" not found (tried /a/x.so)' } });
    assert.throws(() => hsm.applyHsmParams({ ...NO_HSM, engine: 'x', engine_config: '/e.cnf' }, undefined, binding),
      (err) => err instanceof hsm.HsmError && err.parameter === 'engine_config' && /tried \/a\/x.so/.test(err.message));
  });

  it('refuses engine_config without an engine', () => {
    assert.throws(() => hsm.applyHsmParams({ ...NO_HSM, engine_config: '/e.cnf' }, undefined, recordingBinding()),
      (err) => err.parameter === 'engine_config' && /engine is NONE/.test(err.message));
  });

  it('refuses engine_algorithms before loading anything', () => {
    const binding = recordingBinding();
    assert.throws(() => hsm.applyHsmParams({ ...NO_HSM, engine: 'pkcs11', engine_algorithms: 'ALL' }, undefined, binding), /cannot be confined/);
    assert.deepStrictEqual(binding.calls, []);
  });
});

describe('hsm: global-only parameters in tls.cfg', () => {
  for (const key of ['engine', 'engine_config', 'engine_algorithms', 'rand_engine']) {
    it(`rejects ${key} in a profile with its line`, () => {
      const { errors } = parseTlsCfg(`[server:default]\nmethod = TLSv1.2+\n${key} = pkcs11\n`, '/etc/sip-tls/tls.cfg');
      assert.strictEqual(errors.length, 1);
      assert.strictEqual(errors[0].line, 3);
      assert.match(errors[0].message, new RegExp(`^/etc/sip-tls/tls.cfg:3:1: Unsupported option '${key}'`));
    });
  }

  it('keeps /engine: and /uri: private keys verbatim in a profile', () => {
    const { sections, errors } = parseTlsCfg('[server:default]\nprivate_key = /engine:pkcs11:token=T;object=K;type=private\n'
      + '[server:any]\nserver_name = b.test\nprivate_key = /uri:pkcs11:token=T;object=K2\n', 'tls.cfg');
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(JSON.stringify(sections).match(/\/(engine|uri):[^"]*/g),
      ['/engine:pkcs11:token=T;object=K;type=private', '/uri:pkcs11:token=T;object=K2']);
  });
});
