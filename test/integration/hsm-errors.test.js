'use strict';
// HSM failures that need a process of their own: a wrong PIN (the engine binds once per process,
// with one engine_config), an /engine: key without an engine, and the HSM going away.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { createToken, engineConfigText } = require('../../scripts/softhsm-token');
const { run } = require('./hsm-pump');

const CHILD = path.join(__dirname, 'hsm-child.js');

/** Runs one job of hsm-child.js with the token's SOFTHSM2_CONF; its JSON result. */
async function child(token, job) {
  const { code, stdout, stderr } = await run(process.execPath, [CHILD, JSON.stringify(job)],
    { env: { ...process.env, SOFTHSM2_CONF: token.softhsmConf }, timeoutMs: 30000 });
  assert.strictEqual(code, 0, stderr);
  return JSON.parse(stdout.trim().split('\n').pop());
}

describe('HSM failures an operator can act on', function () {
  this.timeout(60000);
  let token;
  const params = (engineConfig) => ({ engine: 'pkcs11', engine_config: engineConfig, engine_algorithms: 'NONE', rand_engine: '' });

  before(() => {
    token = createToken();
  });

  after(() => {
    if (token) token.remove();
  });

  it('a wrong PIN in engine_config is ERR_TLS_HSM_PIN when the key loads', async () => {
    const wrongPin = path.join(token.dir, 'wrong-pin.cnf');
    fs.writeFileSync(wrongPin, engineConfigText('111111'));
    const result = await child(token, { action: 'key', params: params(wrongPin),
      context: { certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey } });
    assert.strictEqual(result.code, 'ERR_TLS_HSM_PIN', result.message);
    assert.strictEqual(result.parameter, 'private_key');
    assert.match(result.message, /PIN incorrect/);
    assert.doesNotMatch(result.message, /111111/, 'the PIN is never echoed');
  });

  it('without a PIN the engine gets private_key_password, and never prompts', async () => {
    const noPin = path.join(token.dir, 'no-pin.cnf');
    fs.writeFileSync(noPin, engineConfigText(token.pin).replace(/^PIN = .*$/m, ''));
    const missing = await child(token, { action: 'key', params: params(noPin),
      context: { certificate: token.keys.rsa.certificate, privateKey: token.keys.rsa.privateKey } });
    assert.strictEqual(missing.code, 'ERR_TLS_HSM_PIN', missing.message);
    assert.match(missing.message, /asked for a PIN and none is configured/);
    const given = await child(token, { action: 'key', params: params(noPin),
      context: { certificate: token.keys.rsa.certificate, privateKey: token.keys.rsa.privateKey, privateKeyPassword: token.pin } });
    assert.deepStrictEqual(given, { ok: true });
  });

  it('an /engine: key while engine is NONE is ERR_TLS_ENGINE_NOT_LOADED', async () => {
    const result = await child(token, { action: 'key',
      params: { engine: 'NONE', engine_config: 'NONE', engine_algorithms: 'NONE', rand_engine: '' },
      context: { certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey } });
    assert.strictEqual(result.code, 'ERR_TLS_ENGINE_NOT_LOADED');
    assert.match(result.message, /needs an engine, but the engine parameter is NONE/);
  });

  it('when the HSM goes away, loading a key (a reload) fails with ERR_TLS_HSM_UNAVAILABLE', async () => {
    // A token of its own: this case destroys it.
    const doomed = createToken();
    try {
      const result = await child(doomed, { action: 'unreachable', params: params(doomed.engineConfig),
        tokenDir: path.join(doomed.dir, 'tokens'),
        context: { certificate: doomed.keys.ec.certificate, privateKey: doomed.keys.ec.privateKey },
        otherContext: { certificate: doomed.keys.rsa.certificate, privateKey: doomed.keys.rsa.privateKey } });
      assert.strictEqual(result.before, 'TLSv1.3');
      for (const failure of result.results) {
        assert.strictEqual(failure.code, 'ERR_TLS_HSM_UNAVAILABLE', failure.message);
        assert.match(failure.message, /Object handle invalid/);
      }
    } finally {
      doomed.remove();
    }
  });
});
