'use strict';
// tls_identity_check / tls.cfg identity_check end to end: TlsModule connects to openssl s_server,
// which presents certificates made for the test (RFC 5922 identity check by the client).
const assert = require('node:assert');
const { TlsModule } = require('../../lib');
const { makeIdentityCerts } = require('../helpers/identity-certs');
const h = require('./helpers');

// Mode A (module parameters only): both default profiles need a certificate.
const own = { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') };
const quiet = () => ({ lines: [], log(level, message) { this.lines.push({ level, message }); } });

describe('RFC 5922 identity check on outbound connections', function () {
  this.timeout(30000);
  let certs;
  const children = new h.Children();
  const modules = [];
  before(() => {
    certs = makeIdentityCerts({
      sip: { cn: 'proxy.example.com', san: 'URI:sip:example.com' },
      wildcard: { cn: 'example.com', san: 'DNS:*.example.com' },
    });
  });
  afterEach(async () => {
    for (const mod of modules.splice(0)) await mod.close();
    await children.stopAll();
  });
  after(() => certs.remove());

  // openssl s_server on a free port presenting `leaf`; resolves { port, server }.
  async function sServer(leaf) {
    const port = await h.freePort();
    const { certificate, privateKey } = certs.leaf(leaf);
    const server = children.start('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certificate,
      '-key', privateKey, '-ign_eof']);
    await h.waitForPort(port);
    return { port, server };
  }

  function moduleFromCfg(prefix, tlsCfg) {
    const cfg = h.writeConfig(prefix, { tlsCfg });
    const mod = TlsModule.fromFile(cfg.ini, { logger: quiet() });
    modules.push(mod);
    return mod;
  }

  it('tls_identity_check: connects when the URI SAN names the domain asked for', async () => {
    const { port, server } = await sServer('sip');
    const mod = new TlsModule({ params: { ...own, tls_identity_check: true, ca_list: certs.ca, verify_certificate: true }, logger: quiet() });
    modules.push(mod);
    const c = await mod.connect({ host: '127.0.0.1', port, serverName: 'example.com' });
    assert.strictEqual(c.isPeerVerified(), true);
    c.send(h.options(1));
    await h.waitFor(() => server.output.includes('Call-ID: call-1@test'), { what: 'the OPTIONS at s_server' });
  });

  it('tls_identity_check: a mismatch rejects connect() with ERR_TLS_IDENTITY_MISMATCH and sends nothing', async () => {
    const { port, server } = await sServer('sip');
    const mod = new TlsModule({ params: { ...own, tls_identity_check: true }, logger: quiet() });
    modules.push(mod);
    const closed = new Promise((resolve) => mod.once('close', (conn, info) => resolve(info)));
    const c = await mod.open({ host: '127.0.0.1', port, serverName: 'other.example.org' });
    c.send(h.options(2));
    await assert.rejects(c.ready, (err) => err.code === 'ERR_TLS_IDENTITY_MISMATCH');
    const info = await closed;
    assert.strictEqual(info.code, 'ERR_TLS_IDENTITY_MISMATCH');
    assert.match(info.reason, /'other\.example\.org'.*URI:sip:example\.com/);
    assert.ok(!server.output.includes('Call-ID: call-2@test'), 'no SIP data may reach the server');
    // The module keeps working: the next connection to the right name succeeds.
    const ok = await mod.connect({ host: '127.0.0.1', port, serverName: 'example.com' });
    assert.ok(ok.id > 0);
  });

  it('tls.cfg identity_check applies to its profile only; server_name is the expected identity', async () => {
    const { port } = await sServer('wildcard');
    const mod = moduleFromCfg('identity-cfg', `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}
[client:default]
verify_certificate = no
[client:any]
server_name = sip.example.com
identity_check = yes
`);
    // [client:any] with server_name sip.example.com checks; the wildcard DNS SAN does not count.
    await assert.rejects(mod.connect({ host: '127.0.0.1', port, serverName: 'sip.example.com' }),
      (err) => err.code === 'ERR_TLS_IDENTITY_MISMATCH' && /DNS:\*\.example\.com/.test(err.message));
    // [client:default] has no identity_check: the same certificate is accepted (off by default).
    const c = await mod.connect({ host: '127.0.0.1', port });
    assert.ok(c.id > 0);
  });
});
