'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { buildProfileSet, ConfigError } = require('../../lib/config');
const { parseKeylogPeer, keylogOptions } = require('../../lib/keylog');
const { ParamStore } = require('../../lib/params');

describe('key log parameters (keylog_mode, keylog_file, keylog_peer)', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-keylog-unit-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const refused = (params, parameter, pattern) => {
    assert.throws(() => buildProfileSet(params, dir),
      (err) => err instanceof ConfigError && err.parameter === parameter && pattern.test(err.message));
  };

  it('parses keylog_peer as udp:IP:PORT (IPv6 in brackets)', () => {
    assert.deepStrictEqual(parseKeylogPeer('udp:127.0.0.1:9999'), { ip: '127.0.0.1', port: 9999 });
    assert.deepStrictEqual(parseKeylogPeer('UDP:[::1]:5000'), { ip: '::1', port: 5000 });
    for (const bad of ['', '127.0.0.1:9999', 'tcp:127.0.0.1:9999', 'udp:127.0.0.1', 'udp:127.0.0.1:0', 'udp:127.0.0.1:70000', 'udp:host.example:9']) {
      assert.strictEqual(parseKeylogPeer(bad), null, bad);
    }
  });

  it('keylog_mode with 8 and no keylog_file is an error naming keylog_file', () => {
    refused({ keylog_mode: 11 }, 'keylog_file', /keylog_file is not set/);
  });

  it('keylog_mode with 16 and no or a bad keylog_peer is an error naming keylog_peer', () => {
    refused({ keylog_mode: 19 }, 'keylog_peer', /keylog_peer is not set/);
    refused({ keylog_mode: 19, keylog_peer: 'tcp:127.0.0.1:9' }, 'keylog_peer', /'tcp:127\.0\.0\.1:9' is not udp:IP:PORT/);
  });

  it('without bit 1 (init) the other bits need nothing', () => {
    assert.ok(buildProfileSet({ keylog_mode: 26 }, dir));
  });

  it('accepts a complete setting and passes it on to the contexts (path resolved)', () => {
    const params = { keylog_mode: 1 + 2 + 8 + 16, keylog_file: 'keys.log', keylog_peer: 'udp:[::1]:7000' };
    assert.ok(buildProfileSet(params, dir));
    const store = new ParamStore(params, { baseDir: dir });
    assert.deepStrictEqual(keylogOptions(store), {
      keylogMode: 27, keylogFile: path.join(dir, 'keys.log'), keylogPeerIp: '::1', keylogPeerPort: 7000,
    });
  });
});
