'use strict';
const assert = require('node:assert');
const addon = require('bindings')('sip_tls');

describe('addon', () => {
  it('runs on the OpenSSL Node itself exports', () => {
    assert.strictEqual(addon.opensslRuntimeVersion, process.versions.openssl);
  });
});
