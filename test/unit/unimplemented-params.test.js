'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildProfileSet, ConfigError } = require('../../lib/config');

// tls_identity_check and keylog_mode parse but the native layer does not implement them yet:
// they must be refused by name, never accepted and ignored.
describe('parameters not implemented yet are refused by name', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-unimpl-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refusal = (fn, parameter) => {
    assert.throws(fn, (err) => err instanceof ConfigError && err.parameter === parameter
      && err.message.includes(parameter) && /not supported yet/.test(err.message));
  };

  it('keylog_mode other than 0 is refused', () => {
    refusal(() => buildProfileSet({ keylog_mode: 10, keylog_file: '/tmp/k.log' }, dir), 'keylog_mode');
  });

  it('tls_identity_check as a module parameter is refused', () => {
    refusal(() => buildProfileSet({ tls_identity_check: true }, dir), 'tls_identity_check');
  });

  it('identity_check in a tls.cfg profile is refused with its file and line', () => {
    const cfg = path.join(dir, 'tls.cfg');
    fs.writeFileSync(cfg, '[client:default]\nverify_certificate = no\n\n[client:127.0.0.1:5061]\nidentity_check = yes\n');
    assert.throws(() => buildProfileSet({ config: cfg }, dir), (err) => err instanceof ConfigError
      && err.parameter === 'tls_identity_check' && err.file === cfg && err.line === 4);
  });

  it('both off (the defaults) build as before', () => {
    const set = buildProfileSet({ keylog_mode: 0, tls_identity_check: false }, dir);
    assert.strictEqual(set.clientDefault.settings.identityCheck, false);
  });
});
