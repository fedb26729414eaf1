'use strict';
// `sip-tls ca` with a password on the CA key (--password-file / --password-env), and `ca help`.
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const { createPrivateKey } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers');

// Temp dirs made here, removed after each describe's tests.
const made = [];
const tmpDir = (prefix) => { const dir = h.tmpDir(prefix); made.push(dir); return dir; };
const removeTmpDirs = () => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); };

const CLI = path.resolve(__dirname, '../../lib/cli.js');
const ca = (args, options) => h.run(process.execPath, [CLI, 'ca', ...args], options);

describe('sip-tls ca with a CA key password', function () {
  this.timeout(30000);
  after(removeTmpDirs);

  /** An encrypted CA in a temp dir; `pw` is the password file, `wrong` another one. */
  async function encryptedCa() {
    const dir = tmpDir('ca-pw');
    const pw = path.join(dir, 'ca-password');
    const wrong = path.join(dir, 'wrong-password');
    fs.writeFileSync(pw, 'correct horse\n');
    fs.writeFileSync(wrong, 'battery staple\n');
    const r = await ca(['init', '--dir', dir, '--password-file', pw]);
    assert.strictEqual(r.code, 0, r.output);
    assert.match(r.output, /\(encrypted\)/);
    return { dir, pw, wrong };
  }

  it('init --password-file encrypts the CA key with the first line of the file', async () => {
    const { dir } = await encryptedCa();
    const pem = fs.readFileSync(path.join(dir, 'ca.key'), 'utf8');
    assert.throws(() => createPrivateKey({ key: pem }));
    assert.throws(() => createPrivateKey({ key: pem, passphrase: 'correct horse\n' }));
    assert.strictEqual(createPrivateKey({ key: pem, passphrase: 'correct horse' }).asymmetricKeyType, 'ec');
    assert.strictEqual(fs.statSync(path.join(dir, 'ca.key')).mode & 0o077, 0);
  });

  it('issue, revoke and crl without the password fail, naming the options, and write nothing', async () => {
    const { dir, pw } = await encryptedCa();
    assert.strictEqual((await ca(['issue', 'alice', '--dir', dir, '--password-file', pw])).code, 0);
    for (const args of [['issue', 'bob'], ['revoke', 'alice'], ['crl']]) {
      const r = await ca([...args, '--dir', dir]);
      assert.strictEqual(r.code, 1, r.output);
      assert.match(r.output, /ca\.key is encrypted: give its password with --password-file FILE or --password-env VAR/);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'bob.pem')) && !fs.existsSync(path.join(dir, 'bob.key')));
    assert.ok(!fs.existsSync(path.join(dir, 'crl.pem')));
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'ca-db', 'index.txt'), 'utf8'), /^R/m);
  });

  it('a wrong password, an unset variable or an unreadable file fail with a message naming the option', async () => {
    const { dir, pw, wrong } = await encryptedCa();
    assert.strictEqual((await ca(['issue', 'alice', '--dir', dir, '--password-file', pw])).code, 0);
    for (const args of [['issue', 'bob'], ['revoke', 'alice'], ['crl']]) {
      let r = await ca([...args, '--dir', dir, '--password-file', wrong]);
      assert.strictEqual(r.code, 1, r.output);
      assert.match(r.output, new RegExp(`wrong password for the CA key .*ca\\.key \\(from --password-file ${wrong}\\)`));
      r = await ca([...args, '--dir', dir, '--password-env', 'SIP_TLS_TEST_NO_SUCH_VAR']);
      assert.strictEqual(r.code, 1, r.output);
      assert.match(r.output, /--password-env SIP_TLS_TEST_NO_SUCH_VAR: the variable SIP_TLS_TEST_NO_SUCH_VAR is not set/);
    }
    const r = await ca(['crl', '--dir', dir, '--password-file', path.join(dir, 'missing')]);
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /--password-file .*missing: cannot read the file \(ENOENT\)/);
    assert.ok(!fs.existsSync(path.join(dir, 'bob.pem')) && !fs.existsSync(path.join(dir, 'crl.pem')));
  });

  it('the right password, from a file or a variable, issues, revokes and writes the CRL', async () => {
    const { dir, pw } = await encryptedCa();
    const env = { ...process.env, SIP_TLS_TEST_CA_PW: 'correct horse' };
    let r = await ca(['issue', 'alice', '--dir', dir, '--password-env', 'SIP_TLS_TEST_CA_PW'], { env });
    assert.strictEqual(r.code, 0, r.output);
    const v = await h.run('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, 'alice.pem')]);
    assert.match(v.output, /: OK/);
    r = await ca(['revoke', 'alice', '--dir', dir, '--password-file', pw]);
    assert.strictEqual(r.code, 0, r.output);
    r = await ca(['crl', '--dir', dir, '--password-env', 'SIP_TLS_TEST_CA_PW'], { env });
    assert.strictEqual(r.code, 0, r.output);
    assert.match(r.output, /\(1 revoked/);
    const check = await h.run('openssl', ['verify', '-crl_check', '-CAfile', path.join(dir, 'ca.pem'), '-CRLfile',
      path.join(dir, 'crl.pem'), path.join(dir, 'alice.pem')]);
    assert.match(check.output, /certificate revoked/);
  });

  it('a password for an unencrypted CA key is refused rather than ignored', async () => {
    const dir = tmpDir('ca-plain');
    assert.strictEqual((await ca(['init', '--dir', dir])).code, 0);
    const pw = path.join(dir, 'pw');
    fs.writeFileSync(pw, 'secret\n');
    for (const args of [['init'], ['issue', 'alice'], ['crl']]) {
      const r = await ca([...args, '--dir', dir, '--password-file', pw]);
      assert.strictEqual(r.code, 1, r.output);
      assert.match(r.output, /ca\.key is not encrypted: run without --password-file/);
    }
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'ca.key'), 'utf8'), /ENCRYPTED/);
  });
});

describe('sip-tls ca usage', function () {
  this.timeout(30000);
  after(removeTmpDirs);

  it('ca --help, ca -h and ca help print the usage on stdout and exit 0', async () => {
    for (const args of [['--help'], ['-h'], ['help'], ['revoke', '--help']]) {
      const r = spawnSync(process.execPath, [CLI, 'ca', ...args], { encoding: 'utf8', timeout: 20000 });
      assert.strictEqual(r.status, 0, `${args}: ${r.stdout}${r.stderr}`);
      assert.strictEqual(r.stderr, '');
      assert.match(r.stdout, /^usage:\n[\s\S]*sip-tls ca revoke NAME[\s\S]*sip-tls ca crl [\s\S]*--password-file FILE/);
    }
  });

  it('an unknown command, a second password option or an option of another command exit 2 with the usage', async () => {
    const cases = [
      [['frob'], /unknown command 'frob'/],
      [['crl', '--password-file', 'a', '--password-env', 'B'], /give one of --password-file and --password-env, once/],
      [['crl', '--dns', 'x'], /option --dns does not apply to 'ca crl'/],
      [['demo', '--password-file', 'a'], /option --password-file does not apply to 'ca demo'/],
      [['revoke'], /ca revoke: NAME .* is required/],
      [['revoke', 'ca'], /NAME 'ca' is taken by the CA's own ca\.pem/],
    ];
    for (const [args, message] of cases) {
      const r = await ca(args);
      assert.strictEqual(r.code, 2, `${args}: ${r.output}`);
      assert.match(r.output, message);
    }
    assert.match((await ca(['frob'])).output, /usage:/);
  });
});
