'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildProfileSet } = require('../../lib/config');
const { expectedIdentity } = require('../../lib/identity');

describe('expectedIdentity() (RFC 5922 identity of an outbound connection)', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-identity-unit-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const profile = (settings) => ({ settings: { identityCheck: true, serverName: '', ...settings } });

  it('is empty when the profile does not check identities', () => {
    assert.strictEqual(expectedIdentity(profile({ identityCheck: false, serverName: 'a.example' }), { host: 'b.example' }), '');
  });

  it('prefers the client profile\'s server_name, then the SNI asked for, then the host', () => {
    assert.strictEqual(expectedIdentity(profile({ serverName: 'profile.example' }), { host: 'h.example', serverName: 'sni.example' }), 'profile.example');
    assert.strictEqual(expectedIdentity(profile({}), { host: 'h.example', serverName: 'sni.example' }), 'sni.example');
    assert.strictEqual(expectedIdentity(profile({}), { host: 'h.example' }), 'h.example');
  });

  it('takes a bare IP destination as it is (brackets of IPv6 removed)', () => {
    assert.strictEqual(expectedIdentity(profile({}), { host: '127.0.0.1' }), '127.0.0.1');
    assert.strictEqual(expectedIdentity(profile({}), { host: '[::1]' }), '::1');
  });

  it('tls_identity_check turns the check on for both default profiles', () => {
    const set = buildProfileSet({ tls_identity_check: true }, dir);
    assert.strictEqual(set.clientDefault.settings.identityCheck, true);
    assert.strictEqual(set.serverDefault.settings.identityCheck, true);
  });

  it('tls.cfg identity_check applies per profile; off by default', () => {
    const cfg = path.join(dir, 'tls.cfg');
    fs.writeFileSync(cfg, '[client:default]\nverify_certificate = no\n\n[client:127.0.0.1:5061]\nidentity_check = yes\n');
    const set = buildProfileSet({ config: cfg }, dir);
    assert.strictEqual(set.clientDefault.settings.identityCheck, false);
    assert.strictEqual(set.client[0].settings.identityCheck, true);
  });
});
