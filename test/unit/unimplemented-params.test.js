'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildProfileSet, ConfigError } = require('../../lib/config');

// keylog_mode parses but key logging is not implemented yet: it must be refused by name, never
// accepted and ignored.
describe('parameters not implemented yet are refused by name', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-unimpl-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keylog_mode other than 0 is refused', () => {
    assert.throws(() => buildProfileSet({ keylog_mode: 10, keylog_file: '/tmp/k.log' }, dir),
      (err) => err instanceof ConfigError && err.parameter === 'keylog_mode' && /not supported yet/.test(err.message));
  });
});
