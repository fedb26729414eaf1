'use strict';
// `sip-tls ca revoke` and `sip-tls ca crl`: the guide's "Revoking a certificate and using a CRL",
// then a real handshake against a TlsModule that loads the CRL and requires client certificates.
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');
const { TlsModule } = require('../../lib');
const { answer } = require('../../lib/sip-responder');
const h = require('./helpers');

// Temp dirs made here, removed after each describe's tests.
const made = [];
const tmpDir = (prefix) => { const dir = h.tmpDir(prefix); made.push(dir); return dir; };
const removeTmpDirs = () => { for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true }); };

const CLI = path.resolve(__dirname, '../../lib/cli.js');
const ca = (...args) => h.run(process.execPath, [CLI, 'ca', ...args]);
const quiet = () => ({ lines: [], log(level, message) { this.lines.push({ level, message }); } });

/** The serial numbers (hex, upper case) a PEM CRL lists. */
function crlSerials(crl) {
  const text = execFileSync('openssl', ['crl', '-in', crl, '-noout', '-text'], { encoding: 'utf8' });
  return [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]);
}

const serialOf = (pem) => new (require('node:crypto').X509Certificate)(fs.readFileSync(pem)).serialNumber;

/**
 * A TLS client presenting `name`'s certificate; resolves 'admitted' when a SIP answer comes back,
 * or the error code when the server refuses the certificate (TLS 1.3: after the client's Finished).
 */
function handshakeAs(port, dir, name) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fs.readFileSync(path.join(dir, 'ca.pem')),
      cert: fs.readFileSync(path.join(dir, `${name}.pem`)), key: fs.readFileSync(path.join(dir, `${name}.key`)) });
    socket.once('secureConnect', () => socket.write(h.options(1)));
    socket.on('data', (d) => { if (/^SIP\/2\.0 200/.test(String(d))) { socket.destroy(); resolve('admitted'); } });
    socket.once('error', (err) => { socket.destroy(); resolve(err.code); });
    socket.once('close', () => resolve('closed without an answer'));
  });
}

describe('sip-tls ca revoke and crl', function () {
  this.timeout(30000);
  after(removeTmpDirs);
  const modules = [];
  afterEach(async () => {
    for (const mod of modules.splice(0)) await mod.close();
  });

  /** A CA in a temp dir with a server certificate and the client certificates `good` and `bad`. */
  async function caWithClients() {
    const dir = tmpDir('ca-crl');
    for (const args of [['init'], ['issue', 'server', '--dns', 'localhost', '--ip', '127.0.0.1'], ['issue', 'good'], ['issue', 'bad']]) {
      const r = await ca(...args, '--dir', dir);
      assert.strictEqual(r.code, 0, r.output);
    }
    return dir;
  }

  async function serverWith(dir, params) {
    const mod = new TlsModule({ params: {
      certificate: path.join(dir, 'server.pem'), private_key: path.join(dir, 'server.key'), ca_list: path.join(dir, 'ca.pem'), ...params,
    }, logger: quiet() });
    modules.push(mod);
    mod.on('message', (msg, c) => { const r = answer(msg); if (r) mod.send(c, r); });
    const [ep] = await mod.listen(['tls:127.0.0.1:0']);
    return { mod, port: ep.port };
  }

  it('revoke records the certificate, crl lists it and only it, and a second revoke changes nothing', async () => {
    const dir = await caWithClients();
    let r = await ca('revoke', 'bad', '--dir', dir);
    assert.strictEqual(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`^revoked ${path.join(dir, 'bad.pem')}$`, 'm'));
    r = await ca('crl', '--dir', dir, '--days', '7');
    assert.strictEqual(r.code, 0, r.output);
    const crl = path.join(dir, 'crl.pem');
    assert.match(r.output, new RegExp(`^CRL ${crl} \\(1 revoked`, 'm'));
    assert.deepStrictEqual(crlSerials(crl), [serialOf(path.join(dir, 'bad.pem'))]);
    const next = execFileSync('openssl', ['crl', '-in', crl, '-noout', '-nextupdate'], { encoding: 'utf8' });
    const days = (Date.parse(next.split('=')[1]) - Date.now()) / 86400e3;
    assert.ok(days > 6.9 && days <= 7, next);
    // openssl's own check agrees: bad is revoked, good is not.
    const verify = (name) => h.run('openssl', ['verify', '-crl_check', '-CAfile', path.join(dir, 'ca.pem'), '-CRLfile', crl, path.join(dir, `${name}.pem`)]);
    assert.match((await verify('bad')).output, /certificate revoked/);
    assert.strictEqual((await verify('good')).code, 0);
    r = await ca('revoke', 'bad', '--dir', dir);
    assert.strictEqual(r.code, 0, r.output);
    assert.match(r.output, /^already revoked /m);
    const index = fs.readFileSync(path.join(dir, 'ca-db', 'index.txt'), 'utf8');
    assert.deepStrictEqual(index.trim().split('\n').map((l) => l[0]), ['V', 'V', 'R']);
  });

  for (const [mode, params] of [['verify_client=on', { verify_client: 'on' }],
    ['verify_certificate + require_certificate', { verify_certificate: true, require_certificate: true }]]) {
    it(`a server with ${mode} and that crl refuses the revoked client certificate and admits the other`, async () => {
      const dir = await caWithClients();
      const crl = path.join(dir, 'crl.pem');
      assert.strictEqual((await ca('revoke', 'bad', '--dir', dir)).code, 0);
      assert.strictEqual((await ca('crl', '--dir', dir)).code, 0);
      // Without the CRL the revoked certificate still passes: the refusal below is the CRL's doing.
      const plain = await serverWith(dir, params);
      assert.strictEqual(await handshakeAs(plain.port, dir, 'bad'), 'admitted');
      const { mod, port } = await serverWith(dir, { ...params, crl });
      const closed = new Promise((resolve) => mod.once('close', (c, info) => resolve(info)));
      assert.strictEqual(await handshakeAs(port, dir, 'bad'), 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED');
      const info = await closed;
      assert.match(info.code, /^ERR_SSL_/);
      assert.strictEqual(await handshakeAs(port, dir, 'good'), 'admitted');
    });
  }

  it('a CA made before the database (openssl x509 -req) issues on, and revokes its older certificates', async () => {
    const dir = tmpDir('ca-old');
    const openssl = (args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
      '-days', '30', '-subj', '/CN=old CA', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=old']);
    openssl(['x509', '-req', '-in', 'old.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'old.pem', '-days', '30']);
    let r = await ca('issue', 'new', '--dir', dir);
    assert.strictEqual(r.code, 0, r.output);
    r = await ca('revoke', 'old', '--dir', dir);
    assert.strictEqual(r.code, 0, r.output);
    assert.strictEqual((await ca('crl', '--dir', dir)).code, 0);
    assert.deepStrictEqual(crlSerials(path.join(dir, 'crl.pem')), [serialOf(path.join(dir, 'old.pem'))]);
  });

  it('revoke refuses a certificate of another CA, a missing one, and a directory without a CA', async () => {
    const dir = await caWithClients();
    const other = await caWithClients();
    fs.copyFileSync(path.join(other, 'good.pem'), path.join(dir, 'stranger.pem'));
    let r = await ca('revoke', 'stranger', '--dir', dir);
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /stranger\.pem was not issued by the CA .*ca\.pem/);
    r = await ca('revoke', 'nobody', '--dir', dir);
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /no certificate .*nobody\.pem to revoke/);
    const empty = tmpDir('ca-empty');
    fs.copyFileSync(path.join(dir, 'good.pem'), path.join(empty, 'good.pem'));
    r = await ca('revoke', 'good', '--dir', empty);
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /no CA in .* run sip-tls ca init/);
    r = await ca('crl', '--dir', empty);
    assert.strictEqual(r.code, 1);
    assert.match(r.output, /no CA in /);
  });
});
