'use strict';
// TlsModule on loopback against node:tls, openssl and gnutls-cli peers.
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');
const { TlsModule } = require('../../lib');
const { answer } = require('../../lib/sip-responder');
const h = require('./helpers');

const quiet = () => {
  const lines = [];
  return { lines, log: (level, message) => lines.push({ level, message }) };
};

const serverParams = (extra = {}) => ({
  certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key'), ca_list: h.cert('ca.pem'), ...extra,
});

/** A module answering OPTIONS on 127.0.0.1:<free>; returns { mod, port, logger }. */
async function startServer(params = {}, opts = {}) {
  const logger = quiet();
  const mod = opts.ini ? TlsModule.fromFile(opts.ini, { logger }) : new TlsModule({ params: serverParams(params), logger });
  if (opts.respond !== false) mod.on('message', (msg, c) => { const r = answer(msg); if (r) mod.send(c, r); });
  const [ep] = await mod.listen(opts.ini ? [] : ['tls:127.0.0.1:0']);
  return { mod, port: ep.port, logger };
}

function nextClose(mod) {
  return new Promise((resolve) => mod.once('close', (c, info) => resolve({ c, info })));
}

describe('TlsModule (loopback)', function () {
  this.timeout(30000);
  const open = [];
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });
  async function server(params, opts) {
    const s = await startServer(params, opts);
    open.push(s.mod);
    return s;
  }

  it('answers OPTIONS from a node:tls client and lists the connection', async () => {
    const { mod, port } = await server();
    const connections = [];
    mod.on('connection', (c) => connections.push(c));
    const client = await h.sipClient(port);
    client.write(h.options(1));
    await h.waitFor(() => client.messages.length === 1, { what: '200 OK' });
    assert.match(client.messages[0], /^SIP\/2\.0 200 OK\r\n/);
    assert.match(client.messages[0], /\r\nCall-ID: call-1@test\r\n/);
    assert.match(client.messages[0], /\r\nTo: <sip:sip-tls@127\.0\.0\.1>;tag=[0-9a-f]+\r\n/);
    const [entry] = mod.connections();
    assert.strictEqual(entry.dom, 'TLSs<default>');
    assert.strictEqual(entry.state, 'established');
    assert.strictEqual(entry.src_port, client.localPort);
    assert.strictEqual(entry.dst_port, port);
    assert.match(entry.cipher, /TLSv1\.3/);
    assert.strictEqual(entry.generation, 1);
    assert.strictEqual(connections.length, 1);
    assert.strictEqual(connections[0].isPeerVerified(), false);
    assert.strictEqual(mod.info().opened_connections, 1);
    client.end();
  });

  it('establishes connections past the 64 sets of handshake facts the transport names by id', async () => {
    const { mod, port } = await server();
    let established = 0;
    mod.on('connection', () => established++);
    // The server name is one of the facts: each client's own makes a new set.
    for (let i = 0; i < 70; i++) {
      const client = await h.sipClient(port, { servername: `host-${i}.test`, checkServerIdentity: () => undefined });
      client.write(h.options(i));
      await h.waitFor(() => client.messages.length === 1, { what: `200 OK on connection ${i}` });
      client.end();
      await client.ended;
    }
    assert.strictEqual(established, 70);
  });

  it('closes only the connection whose peer reset it while a response was being sent', async () => {
    const { mod, port } = await server({}, { respond: false });
    const raw = net.connect({ host: '127.0.0.1', port });
    await new Promise((resolve) => raw.once('connect', resolve));
    const client = await h.sipClient(port, { socket: raw });
    const closed = nextClose(mod);
    mod.on('message', (msg, c) => {
      // The peer's RST reaches the server socket at once on loopback: the send finds it reset.
      raw.resetAndDestroy();
      mod.send(c, answer(msg));
    });
    client.write(h.options(1));
    const { info } = await closed;
    assert.strictEqual(info.byPeer, true);
    assert.match(info.code, /^(EPIPE|ECONNRESET)$/);
    const other = await h.sipClient(port);
    mod.removeAllListeners('message');
    mod.on('message', (msg, c) => mod.send(c, answer(msg)));
    other.write(h.options(2));
    await h.waitFor(() => other.messages.length === 1, { what: '200 OK on the next connection' });
    other.end();
  });

  it('listens on IPv6 and IPv4 sockets at once', async () => {
    const { mod } = await server();
    const [v6] = await mod.listen(['tls:[::1]:0']);
    assert.strictEqual(v6.ip, '::1');
    const client = await h.sipClient(v6.port, { host: '::1', servername: 'server.test' });
    client.write(h.options(5));
    await h.waitFor(() => client.messages.length === 1, { what: '200 OK over IPv6' });
    const entry = mod.connections().find((c) => c.src_ip === '::1');
    assert.strictEqual(entry.dst_port, v6.port);
    assert.strictEqual(mod.listening().length, 2);
    client.end();
  });

  it("emits 'error' for a failed handshake only to listeners, and 'close' always", async () => {
    const { mod, port } = await server({ verify_client: 'on' });
    const errors = [];
    mod.on('error', (err, c) => errors.push([err.code, c.id]));
    const closed = nextClose(mod);
    await h.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2'], { input: '' });
    const { c } = await closed;
    assert.strictEqual(errors.length, 1);
    assert.strictEqual(errors[0][1], c.id);
    assert.match(errors[0][0], /^ERR_SSL_/);
  });

  it('a throwing message handler reaches uncaughtException and the rest of the turn still runs', async () => {
    const script = `
      const { TlsModule } = require(${JSON.stringify(require.resolve('../../lib'))});
      const { answer } = require(${JSON.stringify(require.resolve('../../lib/sip-responder'))});
      const h = require(${JSON.stringify(require.resolve('./helpers'))});
      const mod = new TlsModule({ params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') }, logger: { log() {} } });
      let first = true;
      process.on('uncaughtException', (err) => console.log('uncaught:', err.message));
      mod.on('message', (msg, c) => { if (first) { first = false; throw new Error('handler bug'); } mod.send(c, answer(msg)); });
      mod.listen(['tls:127.0.0.1:0']).then(async ([ep]) => {
        const client = await h.sipClient(ep.port);
        client.write(h.options(1) + h.options(2));
        await h.waitFor(() => client.messages.length === 1);
        console.log('answered:', client.messages[0].match(/Call-ID: (\\S+)/)[1]);
        client.destroy();
        await mod.close();
      });`;
    const r = await h.run(process.execPath, ['-e', script]);
    assert.match(r.output, /uncaught: handler bug/);
    assert.match(r.output, /answered: call-2@test/);
  });

  it('frames messages written one byte per TLS record', async () => {
    const { mod, port } = await server({}, { respond: false });
    const got = [];
    mod.on('message', (m) => got.push(m.toString()));
    const client = await h.sipClient(port);
    const text = h.options(1) + h.options(2, 'Subject: split\r\n');
    for (const ch of text) client.write(ch);
    await h.waitFor(() => got.length === 2, { what: 'two messages' });
    assert.deepStrictEqual(got, [h.options(1), h.options(2, 'Subject: split\r\n')]);
    client.end();
  });

  it('delivers many messages of one record in one batch, and answers each', async () => {
    const { mod, port } = await server();
    let batches = 0;
    let lastTurn = null;
    mod.on('message', () => {
      if (lastTurn === null) { batches++; lastTurn = setImmediate(() => { lastTurn = null; }); }
    });
    const established = new Promise((resolve) => mod.once('connection', resolve));
    const client = await h.sipClient(port);
    await established; // the server's last handshake flight (TLS 1.3 tickets) is written by then
    let text = '';
    for (let i = 1; i <= 100; i++) text += h.options(i);
    const writesBefore = mod.info().socketWrites;
    client.write(text);
    await h.waitFor(() => client.messages.length === 100, { what: '100 answers' });
    assert.ok(batches <= 3, `100 messages came in ${batches} loop turns`);
    // The answers of one turn are packed into records of up to 16 KiB and one writev.
    const writes = mod.info().socketWrites - writesBefore;
    assert.ok(writes <= batches, `100 answers took ${writes} write calls`);
    client.end();
  });

  it('tells each message\'s body offset: where its header block, blank line included, ends', async () => {
    const { mod, port } = await server({}, { respond: false });
    const seen = [];
    mod.on('message', (msg, c, bodyOffset) => seen.push([msg.toString('latin1'), bodyOffset]));
    const client = await h.sipClient(port);
    const body = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n';
    const withBody = `MESSAGE sip:a@b SIP/2.0\r\nCall-ID: b@test\r\nl: ${body.length}\r\n\r\n${body}`;
    client.write(h.options(1) + withBody);
    await h.waitFor(() => seen.length === 2, { what: 'both messages' });
    assert.deepStrictEqual(seen.map(([m, offset]) => m.slice(offset)), ['', body]);
    assert.deepStrictEqual(seen.map(([m, offset]) => m.slice(offset - 4, offset)), ['\r\n\r\n', '\r\n\r\n']);
    client.end();
  });

  it('answers a double-CRLF ping with a single CRLF (RFC 5626)', async () => {
    const { mod, port } = await server();
    const client = await h.sipClient(port);
    client.write('\r\n\r\n');
    await h.waitFor(() => client.raw === '\r\n', { what: 'pong' });
    client.write(h.options(3));
    await h.waitFor(() => client.messages.length === 1, { what: '200 OK after the pong' });
    assert.strictEqual(mod.info().pingsAnswered, 1);
    client.end();
  });

  it('passes a logger with wants() only the lines of the levels it wants', async () => {
    const lines = [];
    const asked = new Set();
    const logger = { log: (level, message) => lines.push({ level, message }), wants: (level) => { asked.add(level); return level <= 2; } };
    const mod = new TlsModule({ params: serverParams({ tls_log: 3, tls_debug: 3 }), logger });
    open.push(mod);
    mod.on('message', (msg, c) => mod.send(c, answer(msg)));
    const [ep] = await mod.listen(['tls:127.0.0.1:0']);
    const closed = nextClose(mod);
    const client = await h.sipClient(ep.port);
    client.write(h.options(1));
    await h.waitFor(() => client.messages.length === 1, { what: 'the 200 OK' });
    client.end();
    await closed;
    assert.ok(asked.has(3), 'the debug lines were asked about');
    assert.deepStrictEqual(lines.filter((l) => l.level > 2), []);
    mod.params.setRuntime('tls_log', 2);
    const closed2 = nextClose(mod);
    const again = await h.sipClient(ep.port);
    again.end();
    await closed2;
    assert.ok(lines.some((l) => /tls_accept: new connection from 127\.0\.0\.1/.test(l.message)), JSON.stringify(lines));
  });

  it('closes a connection whose message exceeds max_message_size, with a logged reason', async () => {
    const { mod, port, logger } = await server({ max_message_size: 2048 });
    const closed = nextClose(mod);
    const client = await h.sipClient(port);
    client.write(`MESSAGE sip:a@b SIP/2.0\r\nCall-ID: big\r\nContent-Length: 5000\r\n\r\n${'x'.repeat(5000)}`);
    const { info } = await closed;
    assert.strictEqual(info.code, 'ERR_TLS_SIP_FRAMING');
    assert.match(info.reason, /max_message_size/);
    assert.ok(logger.lines.some((l) => /max_message_size/.test(l.message) && /127\.0\.0\.1/.test(l.message)));
    await client.ended;
  });

  it('closes a connection that sends a message without Content-Length', async () => {
    const { mod, port } = await server();
    const closed = nextClose(mod);
    const client = await h.sipClient(port);
    client.write('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n');
    const { info } = await closed;
    assert.match(info.reason, /without Content-Length/);
    await client.ended;
  });

  it('completes a handshake with gnutls-cli', async () => {
    const { port } = await server();
    const r = await h.run('gnutls-cli', ['--x509cafile', h.cert('ca.pem'), '-p', String(port), '127.0.0.1'],
      { input: '', timeoutMs: 15000 });
    assert.match(r.output, /Handshake was completed/);
  });

  describe('verify_client', () => {
    it('on: refuses a client without a certificate', async () => {
      const { mod, port, logger } = await server({ verify_client: 'on' });
      const closed = nextClose(mod);
      const r = await h.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', h.cert('ca.pem'), '-tls1_2'], { input: '' });
      assert.doesNotMatch(r.output, /Verify return code: 0 \(ok\)[\s\S]*SSL-Session[\s\S]*Master-Key: [0-9A-F]{20}/, r.output);
      const { info } = await closed;
      assert.match(info.code, /^ERR_SSL_/);
      assert.match(info.reason, /certificate/i);
      // The operator's line: peer, profile, what failed and OpenSSL's reason, at INFO (peer's fault).
      const line = logger.lines.find((l) => /handshake failed/.test(l.message));
      assert.ok(line, JSON.stringify(logger.lines));
      assert.strictEqual(line.level, 2);
      assert.match(line.message, /from 127\.0\.0\.1:\d+ \(profile TLSs<default>\) handshake failed: .*certificate.*\[ERR_SSL_/);
    });

    it('on: admits a client with a certificate of the CA', async () => {
      const { mod, port } = await server({ verify_client: 'on' });
      const seen = new Promise((resolve) => mod.once('connection', resolve));
      const client = await h.sipClient(port, { cert: fs.readFileSync(h.cert('client.pem')), key: fs.readFileSync(h.cert('client.key')) });
      const c = await seen;
      assert.strictEqual(c.isPeerVerified(), true);
      assert.strictEqual(c.facts.peer.subject.cn, 'client.test');
      assert.deepStrictEqual(c.facts.peer.sanUri, ['sip:client.test']);
      const closed = nextClose(mod);
      client.end();
      await closed;
      // Kamailio answers from the live connection: once it is gone, nothing is verified.
      assert.strictEqual(c.isPeerVerified(), false);
    });

    it('optional_no_ca: admits a self-signed client certificate, not verified', async () => {
      const { mod, port } = await server({ verify_client: 'optional_no_ca' });
      const seen = new Promise((resolve) => mod.once('connection', resolve));
      const client = await h.sipClient(port, {
        cert: fs.readFileSync(h.cert('client-selfsigned.pem')), key: fs.readFileSync(h.cert('client-selfsigned.key')),
      });
      const c = await seen;
      assert.strictEqual(c.isPeerVerified(), false);
      assert.strictEqual(c.facts.peerCertificate, true);
      client.write(h.options(4));
      await h.waitFor(() => client.messages.length === 1, { what: '200 OK' });
      client.end();
    });

    it('optional_no_ca: admits a client without a certificate, not verified', async () => {
      const { mod, port } = await server({ verify_client: 'optional_no_ca' });
      const seen = new Promise((resolve) => mod.once('connection', resolve));
      const client = await h.sipClient(port);
      const c = await seen;
      assert.strictEqual(c.isPeerVerified(), false);
      assert.strictEqual(c.facts.peerCertificate, false);
      client.end();
    });
  });

  it('a wildcard listener picks the profile by the connection\'s real local address', async () => {
    const port = await h.freePort();
    const ini = h.writeConfig('wild', {
      tlsCfg: `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}

[server:127.0.0.1:${port}]
certificate = ${h.cert('sni-b.pem')}
private_key = ${h.cert('sni-b.key')}
`,
      listen: [`tls:0.0.0.0:${port}`],
    }).ini;
    const mod = TlsModule.fromFile(ini, { logger: quiet() });
    open.push(mod);
    await mod.listen();
    const seen = new Promise((resolve) => mod.once('connection', resolve));
    const r = await h.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', h.cert('ca.pem')], { input: '' });
    assert.match(r.output, /subject=.*CN ?= ?b\.example\.test/, r.output);
    const c = await seen;
    assert.strictEqual(c.profile.name, `TLSs<127.0.0.1:${port}>`);
  });

  describe('SNI', () => {
    let ini;
    before(() => {
      ini = h.writeConfig('sni', {
        tlsCfg: `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}

[server:any]
server_name = a.example.test
certificate = ${h.cert('sni-a.pem')}
private_key = ${h.cert('sni-a.key')}

[server:any]
server_name = b.example.test
certificate = ${h.cert('sni-b.pem')}
private_key = ${h.cert('sni-b.key')}
`,
      }).ini;
    });

    for (const [name, cn] of [['a.example.test', 'a.example.test'], ['b.example.test', 'b.example.test'], ['c.example.test', 'server.test']]) {
      it(`openssl s_client -servername ${name} gets the certificate of CN ${cn}`, async () => {
        const port = await h.freePort();
        const logger = quiet();
        const mod = new TlsModule({ config: ini, listen: [`tls:127.0.0.1:${port}`], logger });
        open.push(mod);
        await mod.listen();
        const seen = new Promise((resolve) => mod.once('connection', resolve));
        const r = await h.run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', name, '-CAfile', h.cert('ca.pem')], { input: '' });
        assert.match(r.output, new RegExp(`subject=.*CN ?= ?${cn.replace(/\./g, '\\.')}`), r.output);
        const c = await seen;
        assert.strictEqual(c.sni, name);
        assert.strictEqual(mod.connections().length <= 1, true);
      });
    }
  });

  describe('outbound', () => {
    it('connects to a sip-tls server with server_id, sends SNI and gets answers', async () => {
      const { mod: srv, port } = await server();
      const sniSeen = new Promise((resolve) => srv.once('connection', (c) => resolve(c.sni)));
      const cfg = h.writeConfig('client', {
        tlsCfg: `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}

[client:default]
verify_certificate = yes
ca_list = ${h.cert('ca.pem')}

[client:127.0.0.1:1]
server_id = trunk-a
verify_certificate = yes
ca_list = ${h.cert('ca.pem')}
certificate = ${h.cert('client.pem')}
private_key = ${h.cert('client.key')}
`,
      });
      const cli = TlsModule.fromFile(cfg.ini, { logger: quiet() });
      open.push(cli);
      const got = [];
      cli.on('message', (m) => got.push(m.toString()));
      const outs = [];
      cli.on('connection-out', (ev) => outs.push(ev.connection.id));
      const c = await cli.connect({ host: '127.0.0.1', port, serverName: 'server.test', serverId: 'trunk-a' });
      assert.strictEqual(c.profile.settings.serverId, 'trunk-a');
      assert.deepStrictEqual(outs, [c.id]);
      assert.strictEqual(await sniSeen, 'server.test');
      assert.strictEqual(c.isPeerVerified(), true);
      c.send(h.options(7));
      await h.waitFor(() => got.length === 1, { what: '200 OK on the outbound connection' });
      assert.match(got[0], /^SIP\/2\.0 200 OK/);
      const [entry] = cli.connections();
      assert.strictEqual(entry.src_port, port);
      assert.strictEqual(entry.state, 'established');
    });

    it('drop() in connection-out stops the data and closes the connection', async () => {
      const { mod: srv, port } = await server({}, { respond: false });
      const received = [];
      srv.on('message', (m) => received.push(m));
      const srvClosed = nextClose(srv);
      const cli = new TlsModule({ params: { verify_certificate: true, ca_list: h.cert('ca.pem'), certificate: h.cert('client.pem'), private_key: h.cert('client.key') }, logger: quiet() });
      open.push(cli);
      cli.on('connection-out', (ev) => ev.drop());
      const c = await cli.open({ host: '127.0.0.1', port });
      c.send(h.options(8));
      await assert.rejects(c.ready, (err) => err.code === 'ERR_TLS_DROPPED');
      await srvClosed;
      assert.strictEqual(received.length, 0);
    });

    it('event_callback names the function run instead of the connection-out event', async () => {
      const { port } = await server();
      const cli = new TlsModule({ params: { ca_list: h.cert('ca.pem'), certificate: h.cert('client.pem'), private_key: h.cert('client.key'), event_callback: 'ksr_out' }, logger: quiet() });
      open.push(cli);
      const calls = [];
      cli.registerCallback('ksr_out', (name, ev) => calls.push([name, ev.connection.id]));
      cli.on('connection-out', () => calls.push(['event']));
      const c = await cli.connect({ host: '127.0.0.1', port });
      assert.deepStrictEqual(calls, [['tls:connection-out', c.id]]);
    });

    it('connects to openssl s_server, which sees the SNI and the message', async () => {
      const port = await h.freePort();
      const children = new h.Children();
      try {
        const s = children.start('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', h.cert('server-rsa.pem'), '-key', h.cert('server-rsa.key'),
          '-servername', 'server.test', '-cert2', h.cert('sni-a.pem'), '-key2', h.cert('sni-a.key'), '-ign_eof']);
        await h.waitForPort(port);
        const cli = new TlsModule({ params: { ca_list: h.cert('ca.pem'), verify_certificate: true, certificate: h.cert('client.pem'), private_key: h.cert('client.key') }, logger: quiet() });
        open.push(cli);
        const c = await cli.connect({ host: '127.0.0.1', port, serverName: 'server.test' });
        // s_server answers the SNI it was told about (-servername) with its second certificate.
        await h.waitFor(() => s.output.includes('Switching server context'), { what: 's_server seeing the SNI' });
        assert.strictEqual(c.isPeerVerified(), true);
        assert.strictEqual(c.facts.peer.subject.cn, 'a.example.test');
        c.send(h.options(9));
        await h.waitFor(() => s.output.includes('Call-ID: call-9@test'), { what: 'the OPTIONS at s_server' });
      } finally {
        await children.stopAll();
      }
    });

    it('rejects connect() to a closed port with the system error and emits close', async () => {
      const port = await h.freePort();
      const cli = new TlsModule({ params: serverParams(), logger: quiet() });
      open.push(cli);
      const closed = nextClose(cli);
      await assert.rejects(cli.connect({ host: '127.0.0.1', port }), (err) => err.code === 'ECONNREFUSED' && /127\.0\.0\.1/.test(err.message));
      const { info } = await closed;
      assert.strictEqual(info.code, 'ECONNREFUSED');
      assert.strictEqual(cli.info().opened_connections, 0);
    });

    /** A client module with a `[client:…]` profile chosen only by server_id `once`. */
    function serverIdClient(prefix) {
      const cfg = h.writeConfig(prefix, {
        tlsCfg: `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}
[client:default]
ca_list = ${h.cert('ca.pem')}
[client:127.0.0.2:5061]
server_id = once
ca_list = ${h.cert('ca.pem')}
`,
      });
      const cli = TlsModule.fromFile(cfg.ini, { logger: quiet() });
      open.push(cli);
      return cli;
    }

    it('setConnectServerId() applies to the next connection only', async () => {
      const { port } = await server();
      const cli = serverIdClient('srvid');
      cli.setConnectServerId('once');
      const first = await cli.connect({ host: '127.0.0.1', port });
      const second = await cli.connect({ host: '127.0.0.1', port });
      assert.strictEqual(first.profile.settings.serverId, 'once');
      assert.strictEqual(second.profile.name, 'TLSc<default>');
    });

    it('sends the client profile\'s server_name as SNI when connect() gives none', async () => {
      const seen = [];
      const peer = tls.createServer({ cert: fs.readFileSync(h.cert('server-ecdsa.pem')), key: fs.readFileSync(h.cert('server-ecdsa.key')) },
        (socket) => socket.end());
      peer.on('secureConnection', (socket) => seen.push(socket.servername));
      await new Promise((resolve) => peer.listen(0, '127.0.0.1', resolve));
      try {
        const cli = new TlsModule({ params: { ...serverParams(), server_name: 'from-param.test' }, logger: quiet() });
        open.push(cli);
        const first = await cli.connect({ host: '127.0.0.1', port: peer.address().port });
        assert.strictEqual(first.sni, 'from-param.test');
        await cli.connect({ host: '127.0.0.1', port: peer.address().port, serverName: 'explicit.test' });
        await h.waitFor(() => seen.length === 2, { what: 'two handshakes at the peer' });
        assert.deepStrictEqual(seen, ['from-param.test', 'explicit.test']);
      } finally {
        peer.close();
      }
    });

    it('setConnectServerId() belongs to the next call even when its host name is still being looked up', async () => {
      const { port } = await server();
      const cli = serverIdClient('srvid-dns');
      cli.setConnectServerId('once');
      const byName = cli.open({ host: 'localhost', port });
      const byAddress = cli.open({ host: '127.0.0.1', port });
      const [first, second] = await Promise.all([byName, byAddress]);
      assert.strictEqual(first.profile.settings.serverId, 'once');
      assert.strictEqual(second.profile.name, 'TLSc<default>');
      first.close();
      second.close();
    });
  });

  describe('sending text', () => {
    it('sends a string as its UTF-8 bytes, the length counted in bytes', async () => {
      const { mod: srv, port } = await server({}, { respond: false });
      const got = [];
      srv.on('message', (m) => got.push(m));
      const cli = new TlsModule({ params: serverParams(), logger: quiet() });
      open.push(cli);
      const c = await cli.open({ host: '127.0.0.1', port });
      await c.ready;
      const body = 'caf\u00e9 \u260e \u{1F4DE}';
      const text = h.options(13).replace('Content-Length: 0', `Content-Length: ${Buffer.byteLength(body)}`) + body;
      c.send(text);
      await h.waitFor(() => got.length === 1, { what: 'the UTF-8 message' });
      assert.deepStrictEqual(got[0], Buffer.from(text, 'utf8'));
    });
  });

  describe('clear-text write queue', () => {
    it('queues sends during the handshake and fails only the send past con_ct_wq_max', async () => {
      const { mod: srv, port } = await server({}, { respond: false });
      const got = [];
      srv.on('message', (m) => got.push(m.toString()));
      const cli = new TlsModule({ params: serverParams({ con_ct_wq_max: 4096, ct_wq_blk_size: 1024 }), logger: quiet() });
      open.push(cli);
      const c = await cli.open({ host: '127.0.0.1', port });
      const msg = h.options(10, `X-Pad: ${'p'.repeat(1500)}\r\n`);
      c.send(msg);
      c.send(msg);
      assert.strictEqual(cli.info().clear_text_write_queued_bytes, 4096);
      assert.throws(() => c.send(msg), (err) => err.code === 'ERR_TLS_CT_WQ_FULL' && /con_ct_wq_max/.test(err.message));
      assert.strictEqual(cli.connections()[0].ct_wq_size, msg.length * 2);
      await c.ready;
      await h.waitFor(() => got.length === 2, { what: 'the two queued messages' });
      assert.strictEqual(cli.info().clear_text_write_queued_bytes, 0);
    });

    it('fails a send past ct_wq_max over all connections', async () => {
      const { port } = await server({}, { respond: false });
      const cli = new TlsModule({ params: serverParams({ ct_wq_max: 3000, ct_wq_blk_size: 1 }), logger: quiet() });
      open.push(cli);
      const a = await cli.open({ host: '127.0.0.1', port });
      const b = await cli.open({ host: '127.0.0.1', port });
      a.send(Buffer.alloc(2000, 65));
      assert.throws(() => b.send(Buffer.alloc(1500, 65)), (err) => err.code === 'ERR_TLS_CT_WQ_FULL');
      b.send(Buffer.alloc(1000, 65));
    });
  });

  describe('limits', () => {
    it('refuses connections past tls_max_connections and counts them', async () => {
      const { mod, port } = await server({ tls_max_connections: 1 });
      const first = await h.sipClient(port);
      const second = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(h.cert('ca.pem')) });
      const err = await new Promise((resolve) => { second.on('error', resolve); second.on('secureConnect', () => resolve(null)); });
      assert.ok(err, 'the second connection fails');
      assert.strictEqual(mod.info().refusedMaxConnections, 1);
      first.end();
    });

    it('refuses accepts below low_mem_threshold1 and fails sends below low_mem_threshold2', async () => {
      // 3.5 KiB is counted per connection whose records sip-tls runs (15 KiB with OpenSSL's); a
      // 64 KB budget leaves 60.5 KB with one connection.
      const { mod, port } = await server({ memory_budget: 64, low_mem_threshold1: 0, low_mem_threshold2: 0 });
      const first = await h.sipClient(port);
      await h.waitFor(() => mod.connections()[0]?.records === 'sip-tls', { what: 'one connection, established' });
      const [c] = mod.connections();
      const inUse = mod.info().memoryInUse;
      assert.ok(inUse >= 3584 && inUse < 15 * 1024, `${inUse} bytes counted for one connection`);
      mod.params.setRuntime('low_mem_threshold1', 62);
      const refused = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(h.cert('ca.pem')) });
      await new Promise((resolve) => { refused.on('error', resolve); refused.on('close', resolve); });
      assert.strictEqual(mod.info().refusedLowMem1, 1);
      mod.params.setRuntime('low_mem_threshold2', 62);
      assert.throws(() => mod.send(c.id, h.options(11)), (err) => err.code === 'ERR_TLS_LOW_MEMORY');
      assert.ok(mod.info().failedLowMem2 >= 1);
      mod.params.setRuntime('low_mem_threshold2', 0);
      mod.send(c.id, h.options(12));
      first.end();
    });

    it('closes a connection idle past connection_timeout (changed at runtime)', async () => {
      const { mod, port, logger } = await server();
      const client = await h.sipClient(port);
      mod.params.setRuntime('connection_timeout', 1);
      const { info } = await nextClose(mod);
      assert.strictEqual(info.code, 'ERR_TLS_IDLE_TIMEOUT');
      assert.ok(logger.lines.some((l) => /connection_timeout/.test(l.message)));
      await client.ended;
    });

    it('fails a send past the write queue and closes a peer that does not read within tcp_send_timeout', async () => {
      const { mod, port } = await server({ tcp_send_timeout: 1 }, { respond: false });
      const seen = new Promise((resolve) => mod.once('connection', resolve));
      const client = await h.sipClient(port);
      const c = await seen;
      client.pause();
      const big = `MESSAGE sip:a@b SIP/2.0\r\nCall-ID: big\r\nContent-Length: 60000\r\n\r\n${'b'.repeat(60000)}`;
      let full;
      const closed = nextClose(mod);
      // The kernel takes a few MB first; then ciphertext stays queued and the queue limit bites.
      for (let turn = 0; turn < 500 && !full; turn++) {
        try { c.send(big); } catch (err) { full = err; }
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(full, 'a send failed');
      assert.strictEqual(full.code, 'ERR_TLS_WRITE_QUEUE_FULL');
      const { info } = await closed;
      assert.strictEqual(info.code, 'ERR_TLS_SEND_TIMEOUT');
      client.destroy();
    });

    for (const [value, expected] of [[1, /close_notify/], [0, /closed the TCP connection/]]) {
      it(`send_close_notify = ${value}: a close we make ${value ? 'sends' : 'does not send'} close_notify`, async () => {
        const { mod, port } = await server({ send_close_notify: value });
        const cli = new TlsModule({ params: serverParams(), logger: quiet() });
        open.push(cli);
        const seen = new Promise((resolve) => mod.once('connection', resolve));
        const out = await cli.connect({ host: '127.0.0.1', port });
        const inbound = await seen;
        const closedAtClient = nextClose(cli);
        assert.strictEqual(mod.kill(inbound.id, 'test'), true);
        const { c, info } = await closedAtClient;
        assert.strictEqual(c, out);
        assert.strictEqual(info.byPeer, true);
        assert.match(info.reason, expected);
      });
    }

    it('closes a handshake that does not finish within tcp_connect_timeout', async () => {
      const { mod, port } = await server({ tcp_connect_timeout: 1 });
      const net = require('node:net');
      const raw = net.connect(port, '127.0.0.1');
      const { info } = await nextClose(mod);
      assert.strictEqual(info.code, 'ERR_TLS_HANDSHAKE_TIMEOUT');
      raw.destroy();
    });

    it('counts tcp_connect_timeout from the connect() call, not from the start of a long JS turn', async () => {
      const { port } = await server();
      const cli = new TlsModule({ params: { ...serverParams(), tcp_connect_timeout: 1 }, logger: quiet() });
      open.push(cli);
      // JS holds the loop for longer than the timeout before it connects: the loop's cached
      // clock is 1.5 s old when the connection starts.
      const busyUntil = Date.now() + 1500;
      while (Date.now() < busyUntil);
      const connection = await cli.connect({ host: '127.0.0.1', port });
      assert.strictEqual(connection.state, 'established');
    });
  });

  it('caps the buffer freelist by ssl_freelist_max_len', async () => {
    const { bufferPoolStats } = require('../../lib');
    await server({ ssl_freelist_max_len: 3 });
    assert.strictEqual(bufferPoolStats().maxFree, 3);
    await server({ ssl_freelist_max_len: -1 });
    assert.strictEqual(bufferPoolStats().maxFree, 32);
  });

  describe('generations', () => {
    it('a reload whose [server:IP:PORT] profile has no listening socket fails and keeps the running one', async () => {
      const port = await h.freePort();
      const serverDefault = `[server:default]
certificate = ${h.cert('server-ecdsa.pem')}
private_key = ${h.cert('server-ecdsa.key')}
`;
      const cfg = h.writeConfig('unserved', { tlsCfg: serverDefault, listen: [`tls:127.0.0.1:${port}`] });
      const mod = TlsModule.fromFile(cfg.ini, { logger: quiet() });
      open.push(mod);
      await mod.listen();
      const tlsCfg = path.join(cfg.dir, 'tls.cfg');
      fs.writeFileSync(tlsCfg, `${serverDefault}\n[server:10.9.9.9:${port}]\n`);
      assert.throws(() => mod.reload(), (err) => {
        assert.strictEqual(err.name, 'ConfigError');
        assert.strictEqual(err.file, tlsCfg);
        assert.strictEqual(err.line, 5);
        assert.match(err.message, /\[server:10\.9\.9\.9:\d+\]: no listening socket serves this profile/);
        return true;
      });
      assert.strictEqual(mod.current.number, 1);
      fs.writeFileSync(tlsCfg, `${serverDefault}\n[server:127.0.0.1:${port}]\n`);
      assert.strictEqual(mod.reload().number, 2);
    });

    it('a swapped-in generation serves new connections; the old one goes with its last connection', async () => {
      const { mod, port } = await server();
      const before = await h.sipClient(port);
      await h.waitFor(() => mod.connections().length === 1, { what: 'first connection' });
      const next = mod.buildGeneration();
      assert.strictEqual(next.number, 2);
      mod.swapGeneration(next);
      const after = await h.sipClient(port);
      await h.waitFor(() => mod.connections().length === 2, { what: 'second connection' });
      const gens = mod.connections().map((c) => c.generation).sort();
      assert.deepStrictEqual(gens, [1, 2]);
      assert.deepStrictEqual(mod.generations().map((g) => g.number).sort(), [1, 2]);
      before.end();
      await h.waitFor(() => mod.generations().length === 1, { what: 'generation 1 released' });
      assert.strictEqual(mod.generation.number, 2);
      after.end();
    });
  });
});
