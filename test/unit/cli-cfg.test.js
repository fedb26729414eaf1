'use strict';
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CLI = path.join(__dirname, '..', '..', 'lib', 'cli.js');
const SAMPLE = path.join(__dirname, '..', 'fixtures', 'tls-cfg', 'guide-sample.cfg');

function sipTls(...args) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-cli-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sip-tls cfg check', () => {
  it('exits 0 on the guide\'s sample', () => {
    const r = sipTls('cfg', 'check', SAMPLE);
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /OK \(3 server and 2 client profiles/);
  });

  it('exits 1 listing every error as file:line:col: message', () => {
    const bad = path.join(dir, 'bad.cfg');
    fs.writeFileSync(bad, '[server:default]\nmethod = TLSv9\nverify_certificate = maybe\n[server:any]\n[client:1.2.3.4:99999]\nfoo = 1\n');
    const r = sipTls('cfg', 'check', bad);
    assert.strictEqual(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.deepStrictEqual(lines, [
      `${bad}:2:10: Unsupported enum value 'TLSv9' (expected one of SSLv2, SSLv3, SSLv23, TLSv1, TLSv1.0, TLSv1+, TLSv1.0+, TLSv1.1, TLSv1.1+, TLSv1.2, TLSv1.2+, TLSv1.3, TLSv1.3+)`,
      `${bad}:3:22: Invalid option value 'maybe', boolean expected`,
      `${bad}:4:1: tls domain for any address but no server name: [server:any] needs server_name`,
      `${bad}:5:17: Invalid port number '99999'`,
      `${bad}:6:1: Unsupported option 'foo'`,
      `${bad}: 5 errors`,
    ]);
  });

  it('--build also builds the SSL contexts, as serve would: a bad cipher_list passes without it and fails with it', () => {
    const certs = path.join(__dirname, '..', 'fixtures', 'certs');
    const ini = path.join(dir, 'build.ini');
    const write = (cipherList) => fs.writeFileSync(ini, `[tls]\ncertificate = ${path.join(certs, 'server-ecdsa.pem')}\n`
      + `private_key = ${path.join(certs, 'server-ecdsa.key')}\ncipher_list = ${cipherList}\n`);
    write('NO-SUCH-CIPHER');
    assert.strictEqual(sipTls('cfg', 'check', ini).code, 0);
    const bad = sipTls('cfg', 'check', ini, '--build');
    assert.strictEqual(bad.code, 1);
    assert.match(bad.stderr, /no usable cipher in cipher_list .*NO-SUCH-CIPHER/);
    write('ECDHE-ECDSA-AES128-GCM-SHA256');
    const good = sipTls('cfg', 'check', ini, '--build');
    assert.strictEqual(good.code, 0, good.stderr);
    assert.strictEqual(sipTls('cfg', 'check', SAMPLE, '--build').code, 2);
  });

  it('checks a sip-tls.ini and the tls.cfg it names', () => {
    fs.writeFileSync(path.join(dir, 'tls.cfg'), '[server:any]\n');
    const ini = path.join(dir, 'sip-tls.ini');
    fs.writeFileSync(ini, 'listen = tls:127.0.0.1:5061\n[tls]\nconfig = tls.cfg\n');
    const r = sipTls('cfg', 'check', ini);
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /tls\.cfg:1:1: tls domain for any address but no server name/);
    fs.writeFileSync(ini, '[tls]\ntls_method = TLSv1.5\n');
    const r2 = sipTls('cfg', 'check', ini);
    assert.strictEqual(r2.code, 1);
    assert.match(r2.stderr, /sip-tls\.ini:2:1: invalid value "TLSv1\.5" for parameter 'tls_method'/);
  });

  it('with --files, reports every file a profile names that cannot be read', () => {
    const sub = path.join(dir, 'files');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'c.pem'), 'x');
    const cfg = path.join(sub, 'tls.cfg');
    fs.writeFileSync(cfg, '[server:default]\ncertificate = c.pem\nprivate_key = missing.key\nca_path = c.pem\n' +
      '[client:default]\nprivate_key = /engine:pkcs11:object=k\ncertificate = c.pem\n');
    assert.strictEqual(sipTls('cfg', 'check', cfg).code, 0);
    const r = sipTls('cfg', 'check', '--files', cfg);
    assert.strictEqual(r.code, 1);
    assert.deepStrictEqual(r.stderr.trim().split('\n'), [
      `${cfg}:1:1: [server:default] private_key '${path.join(sub, 'missing.key')}': no such file or directory`,
      `${cfg}:1:1: [server:default] ca_path '${path.join(sub, 'c.pem')}': not a directory`,
      `${cfg}: 2 errors`,
    ]);
  });

  it('exits 2 on usage errors', () => {
    assert.strictEqual(sipTls('cfg', 'check').code, 2);
    assert.strictEqual(sipTls('cfg', 'frobnicate').code, 2);
  });
});

describe('sip-tls cfg explain', () => {
  it('prints the chosen profile and why, as JSON', () => {
    const r = sipTls('cfg', 'explain', '--config', SAMPLE, '--role', 'server', '--local', '127.0.0.1:5061', '--sni', 'sip.kamailio.net', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.strictEqual(out.section, 'server:any');
    assert.strictEqual(out.file, SAMPLE);
    assert.strictEqual(out.line, 38);
    assert.strictEqual(out.server_name, 'kamailio.net');
    assert.strictEqual(out.server_name_mode, 1);
    assert.strictEqual(out.verify_depth, 3);
    assert.strictEqual(out.crl, path.join(path.dirname(SAMPLE), 'default_crl.pem'));
    assert.match(out.reason, /subdomain of server_name 'kamailio\.net'/);
  });

  it('explains a client choice by server_id', () => {
    const r = sipTls('cfg', 'explain', '--config', SAMPLE, '--role', 'client', '--remote', '[2001:db8::5]:5061', '--server-id', 'kamailio.org', '--json');
    assert.strictEqual(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.strictEqual(out.section, 'client:127.0.0.1:5061');
    assert.strictEqual(out.line, 26);
    assert.strictEqual(out.server_id, 'kamailio.org');
  });

  it('prints text without --json, the default when nothing matches', () => {
    const r = sipTls('cfg', 'explain', '--config', SAMPLE, '--role', 'server', '--local', '10.1.1.1:5061');
    assert.strictEqual(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\[server:default\]  TLSs<default>  .*guide-sample\.cfg:2\nwhy: no profile for local 10\.1\.1\.1:5061/);
  });

  it('exits 2 without --role, 1 on a bad file', () => {
    assert.strictEqual(sipTls('cfg', 'explain', '--config', SAMPLE).code, 2);
    assert.strictEqual(sipTls('cfg', 'explain', '--config', SAMPLE, '--role', 'server', '--local', 'nope').code, 2);
    assert.strictEqual(sipTls('cfg', 'explain', '--config', path.join(dir, 'missing.cfg'), '--role', 'server').code, 1);
  });
});
