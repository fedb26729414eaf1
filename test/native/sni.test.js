'use strict';
const assert = require('node:assert');
const { S, cert, serverContext, clientContext, Side, pump, connect, done } = require('../helpers/sessions');

describe('SNI and the context switch at ClientHello', () => {
  const sniA = () => serverContext({ certificate: cert('sni-a.pem'), privateKey: cert('sni-a.key') });

  it('pauses with NEED_CONTEXT and the SNI, switches, and serves the new certificate', () => {
    const { server: s, client: c } = connect(serverContext(), clientContext(), { serverName: 'a.example.test', pauseOnSni: true });
    assert.ok(s.status & S.NEED_CONTEXT);
    assert.strictEqual(s.status & S.HANDSHAKE_DONE, 0);
    assert.strictEqual(s.session.serverName(), 'a.example.test');
    assert.strictEqual(s.session.setContext(sniA()), null);
    s.feed(null);
    assert.strictEqual(s.status & S.NEED_CONTEXT, 0);
    pump(c, s);
    assert.ok(done(s) && done(c));
    assert.strictEqual(c.session.peerCertificate().subject.cn, 'a.example.test');
    assert.strictEqual(s.session.facts().serverName, 'a.example.test');
    assert.strictEqual(s.session.ownCertificate().subject.cn, 'a.example.test');
  });

  it('keeps the first context when the owner feeds on without switching', () => {
    const { server: s, client: c } = connect(serverContext(), clientContext(), { serverName: 'other.test', pauseOnSni: true });
    assert.ok(s.status & S.NEED_CONTEXT);
    s.feed(null);
    pump(c, s);
    assert.ok(done(s) && done(c));
    assert.strictEqual(c.session.peerCertificate().subject.cn, 'server.test');
  });

  it('does not pause without SNI, nor when pauseOnSni is off (the SNI is still reported)', () => {
    const plain = connect(serverContext(), clientContext(), { pauseOnSni: true });
    assert.ok(done(plain.server));
    assert.strictEqual(plain.server.session.serverName(), '');
    const off = connect(serverContext(), clientContext(), { serverName: 'b.example.test' });
    assert.ok(done(off.server));
    assert.strictEqual(off.server.session.facts().serverName, 'b.example.test');
  });

  it('never sends an IP literal as SNI', () => {
    const { server: s } = connect(serverContext(), clientContext(), { serverName: '127.0.0.1', pauseOnSni: true });
    assert.ok(done(s));
    assert.strictEqual(s.session.serverName(), '');
  });

  it('the switched-to context\'s verify settings apply to the handshake', () => {
    const strict = serverContext({ certificate: cert('sni-a.pem'), privateKey: cert('sni-a.key'), caList: cert('ca.pem'), verifyClient: 'on' });
    const { server: s, client: c } = connect(serverContext(), clientContext(), { serverName: 'a.example.test', pauseOnSni: true });
    s.session.setContext(strict);
    s.feed(null);
    pump(c, s);
    assert.ok(s.status & S.ERROR);
    assert.strictEqual(s.error.code, 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE');
  });

  it('the switched-to context\'s protocol range applies (TLSv1.3 only vs a TLS 1.2 client)', () => {
    const only13 = serverContext({ method: 'TLSv1.3', certificate: cert('sni-a.pem'), privateKey: cert('sni-a.key') });
    const { server: s, client: c } = connect(serverContext(), clientContext({ method: 'TLSv1.2' }), { serverName: 'a.example.test', pauseOnSni: true });
    s.session.setContext(only13);
    s.feed(null);
    pump(c, s);
    assert.ok(s.status & S.ERROR);
    assert.strictEqual(s.error.code, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
  });

  it('refuses a switch after the handshake with ERR_TLS_CONTEXT_SWITCH_STATE', () => {
    const { server: s } = connect(serverContext(), clientContext());
    const error = s.session.setContext(sniA());
    assert.strictEqual(error.code, 'ERR_TLS_CONTEXT_SWITCH_STATE');
  });

  it('a client may switch context before its handshake starts', () => {
    const c = new Side(clientContext({ caList: '' , verifyCertificate: false }), { isServer: false });
    assert.strictEqual(c.session.setContext(clientContext()), null);
    const s = new Side(serverContext(), { isServer: true });
    c.feed(null);
    pump(c, s);
    assert.strictEqual(c.session.facts().verified, true);
  });
});
