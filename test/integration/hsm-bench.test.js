'use strict';
// The HSM handshake benchmark runs (its figures are the harness's business, not asserted here).
const assert = require('node:assert');
const path = require('node:path');
const { run } = require('./hsm-pump');

describe('scripts/bench-hsm.js', function () {
  this.timeout(60000);

  it('measures HSM and file keys, EC and RSA, TLS 1.3 and 1.2, and reports JSON', async () => {
    const { code, stdout, stderr } = await run(process.execPath,
      [path.join(__dirname, '..', '..', 'scripts', 'bench-hsm.js'), '--duration', '100', '--json'], { timeoutMs: 50000 });
    assert.strictEqual(code, 0, stderr);
    const report = JSON.parse(stdout);
    assert.strictEqual(report.openssl, process.versions.openssl);
    assert.deepStrictEqual(report.rows.map((r) => `${r.method} ${r.key}`), [
      'TLSv1.3 file-ec', 'TLSv1.3 hsm-ec', 'TLSv1.3 file-rsa', 'TLSv1.3 hsm-rsa',
      'TLSv1.2 file-ec', 'TLSv1.2 hsm-ec', 'TLSv1.2 file-rsa', 'TLSv1.2 hsm-rsa']);
    for (const row of report.rows) assert.ok(row.handshakes > 0 && row.perSecond > 0, JSON.stringify(row));
  });
});
