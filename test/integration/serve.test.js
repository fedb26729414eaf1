'use strict';
// `sip-tls serve` as a child process: demo setup, answers, clean stop.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { ensureDemoSetup } = require('../../lib/demo-certs');
const h = require('./helpers');

const CLI = path.resolve(__dirname, '../../lib/cli.js');

describe('sip-tls serve', function () {
  this.timeout(30000);
  const children = new h.Children();
  afterEach(() => children.stopAll());

  it('makes the demo CA, certificate and configs once, and keeps them', () => {
    const dir = h.tmpDir('demo');
    const first = ensureDemoSetup(dir, { listen: '127.0.0.1:15061' });
    const pem = fs.readFileSync(first.serverCert, 'utf8');
    const again = ensureDemoSetup(dir);
    assert.strictEqual(fs.readFileSync(again.serverCert, 'utf8'), pem);
    assert.match(fs.readFileSync(first.ini, 'utf8'), /^listen = tls:127\.0\.0\.1:15061$/m);
    assert.strictEqual(fs.statSync(first.serverKey).mode & 0o077, 0);
    const check = require('node:child_process').spawnSync('openssl', ['verify', '-CAfile', first.caCert, first.serverCert]);
    assert.strictEqual(check.status, 0, String(check.stderr));
  });

  it('answers OPTIONS with 200, INVITE with 501 and ACK not at all, then stops on SIGTERM', async () => {
    const port = await h.freePort();
    const demo = ensureDemoSetup(h.tmpDir('serve'), { listen: `127.0.0.1:${port}` });
    const child = children.start(process.execPath, [CLI, 'serve', '-f', demo.ini]);
    await h.waitFor(() => child.output.includes('SIP over TLS on'), { what: 'the serve banner' });
    const client = await h.sipClient(port, { ca: fs.readFileSync(demo.caCert), servername: 'localhost' });
    client.write(h.options(1));
    client.write('ACK sip:x SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKa\r\nCall-ID: a\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n');
    client.write('INVITE sip:x SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKi\r\nFrom: <sip:a@b>;tag=9\r\nTo: <sip:x>\r\nCall-ID: i\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n');
    await h.waitFor(() => client.messages.length === 2, { what: 'two answers' });
    assert.match(client.messages[0], /^SIP\/2\.0 200 OK/);
    assert.match(client.messages[1], /^SIP\/2\.0 501 Not Implemented/);
    assert.match(client.messages[1], /\r\nCSeq: 2 INVITE\r\n/);
    client.end();
    child.kill('SIGTERM');
    const { code } = await child.exited;
    assert.strictEqual(code, 0, child.output);
  });

  it('fails with a clear error naming the file when the configuration is bad', async () => {
    const cfg = h.writeConfig('bad', { tlsCfg: '[server:default]\nmethod = TLSv9\n', listen: ['tls:127.0.0.1:0'] });
    const r = await h.run(process.execPath, [CLI, 'serve', '-f', cfg.ini]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /tls\.cfg:2/);
  });

  it('refuses to start when a [server:IP:PORT] profile has no listening socket, naming it', async () => {
    const cfg = h.writeConfig('unserved', {
      tlsCfg: `[server:default]\ncertificate = ${h.cert('server-ecdsa.pem')}\nprivate_key = ${h.cert('server-ecdsa.key')}\n[server:10.9.9.9:5061]\n`,
      listen: ['tls:127.0.0.1:0'],
    });
    const r = await h.run(process.execPath, [CLI, 'serve', '-f', cfg.ini]);
    assert.notStrictEqual(r.code, 0);
    assert.match(r.output, /tls\.cfg:4:\d+: \[server:10\.9\.9\.9:5061\]: no listening socket serves this profile/);
  });
});

describe('sip-tls ca', function () {
  this.timeout(30000);

  it('makes a CA and issues a certificate it verifies, with the names asked for', async () => {
    const dir = h.tmpDir('ca');
    let r = await h.run(process.execPath, [CLI, 'ca', 'init', '--dir', dir]);
    assert.strictEqual(r.code, 0, r.output);
    r = await h.run(process.execPath, [CLI, 'ca', 'issue', 'proxy1', '--dir', dir, '--dns', 'sip.example.test', '--ip', '127.0.0.1']);
    assert.strictEqual(r.code, 0, r.output);
    const v = await h.run('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, 'proxy1.pem')]);
    assert.match(v.output, /: OK/);
    const text = await h.run('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(dir, 'proxy1.pem')]);
    assert.match(text.output, /DNS:sip\.example\.test, IP Address:127\.0\.0\.1/);
    assert.strictEqual(fs.statSync(path.join(dir, 'proxy1.key')).mode & 0o077, 0);
  });

  it('refuses an unknown command or option with the usage', async () => {
    const r = await h.run(process.execPath, [CLI, 'ca', 'issue', 'x', '--colour', 'red']);
    assert.strictEqual(r.code, 2);
    assert.match(r.output, /unknown option '--colour'[\s\S]*usage:/);
  });
});
