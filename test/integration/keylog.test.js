'use strict';
// keylog_mode / keylog_file through TlsModule: a connection to itself logs its secrets to the file
// and at NOTICE; a bad keylog_file stops start-up with an error naming it.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { TlsModule } = require('../../lib');
const { ConfigError } = require('../../lib/config');
const h = require('./helpers');

const LINE = /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/;

describe('key logging through TlsModule', function () {
  this.timeout(20000);
  let dir;
  const modules = [];
  before(() => { dir = h.tmpDir('keylog'); });
  afterEach(async () => { for (const mod of modules.splice(0)) await mod.close(); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const params = (extra) => ({ certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key'), tls_method: 'TLSv1.3', ...extra });

  it('keylog_mode 15 appends every secret to keylog_file and logs it at NOTICE', async () => {
    const keylogFile = path.join(dir, 'keys.log');
    const notices = [];
    const logger = { log: (level, message) => { if (level === 1 && message.startsWith('keylog: ')) notices.push(message.slice(8)); } };
    const mod = new TlsModule({ params: params({ keylog_mode: 15, keylog_file: keylogFile }), logger });
    modules.push(mod);
    const [ep] = await mod.listen(['tls:127.0.0.1:0']);
    await mod.connect({ host: '127.0.0.1', port: ep.port });
    // Both ends of the connection are this module: 5 TLS 1.3 secrets each, the same lines twice.
    await h.waitFor(() => fs.readFileSync(keylogFile, 'utf8').split('\n').filter(Boolean).length === 10, { what: '10 key log lines' });
    const lines = fs.readFileSync(keylogFile, 'utf8').split('\n').filter(Boolean);
    for (const line of lines) assert.match(line, LINE);
    await h.waitFor(() => notices.length === 10, { what: '10 NOTICE lines' });
    assert.deepStrictEqual([...notices].sort(), [...lines].sort());
  });

  it('keylog_mode 0 (the default) writes nothing', async () => {
    const keylogFile = path.join(dir, 'none.log');
    const mod = new TlsModule({ params: params({ keylog_file: keylogFile }), logger: { log() {} } });
    modules.push(mod);
    const [ep] = await mod.listen(['tls:127.0.0.1:0']);
    await mod.connect({ host: '127.0.0.1', port: ep.port });
    assert.strictEqual(fs.existsSync(keylogFile), false);
  });

  it('an unwritable keylog_file is a start-up error naming keylog_file', () => {
    const bad = path.join(dir, 'missing', 'keys.log');
    assert.throws(() => new TlsModule({ params: params({ keylog_mode: 11, keylog_file: bad }), logger: { log() {} } }),
      (err) => err instanceof ConfigError && err.parameter === 'keylog_file' && err.message.includes(bad));
  });

  it('keylog_mode 16 without keylog_peer is a start-up error naming keylog_peer', () => {
    assert.throws(() => new TlsModule({ params: params({ keylog_mode: 19 }), logger: { log() {} } }),
      (err) => err instanceof ConfigError && err.parameter === 'keylog_peer');
  });
});
