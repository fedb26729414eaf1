'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const net = require('node:net');
const tls = require('node:tls');
const { spawn } = require('node:child_process');
const { S, cert, serverContext, clientContext } = require('../helpers/sessions');
const { SessionSocket, connectSession } = require('../helpers/session-socket');

const read = (name) => fs.readFileSync(cert(name));

/** A net.Server whose connections run a server TlsSession that answers "ECHO <line>". */
function echoServer(ctx, options = {}) {
  const sessions = [];
  const server = net.createServer((socket) => {
    const s = new SessionSocket(socket, ctx, { isServer: true, ...options });
    sessions.push(s);
    socket.on('data', () => {
      const text = s.text();
      if (text.endsWith('\n')) {
        s.received = [];
        s.write(Buffer.from(`ECHO ${text}`));
      }
      if (s.status & S.PEER_CLOSED) s.shutdown();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, sessions, port: server.address().port })));
}

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Spawns openssl with `args`; resolves once `ready` appears on stdout/stderr. */
function openssl(args, ready) {
  const child = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
  child.output = '';
  const collect = (data) => { child.output += data.toString(); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`openssl did not start: ${child.output}`)), 10000);
    const check = () => { if (!ready || child.output.includes(ready)) { clearTimeout(timer); resolve(child); } };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`openssl exited: ${child.output}`)); });
    check();
  });
  return { child, started };
}

function waitFor(child, text, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" from openssl: ${child.output}`)), ms);
    const check = () => { if (child.output.includes(text)) { clearTimeout(timer); resolve(); } };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.once('exit', () => { clearTimeout(timer); check(); reject(new Error(`openssl exited before "${text}": ${child.output}`)); });
    check();
  });
}

function stop(child) {
  if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
}

describe('Session over a net.Socket against node:tls', function () {
  this.timeout(20000);

  it('serves a node:tls client (SNI, client certificate, data both ways)', async () => {
    const { server, sessions, port } = await echoServer(serverContext({ caList: cert('ca.pem'), verifyClient: 'on' }));
    try {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'server.test', ca: read('ca.pem'),
        cert: read('client.pem'), key: read('client.key') });
      await new Promise((resolve, reject) => { socket.once('secureConnect', resolve); socket.once('error', reject); });
      assert.strictEqual(socket.getPeerCertificate().subject.CN, 'server.test');
      const reply = new Promise((resolve) => socket.once('data', (d) => resolve(d.toString())));
      socket.write('REGISTER sip:x\n');
      assert.strictEqual(await reply, 'ECHO REGISTER sip:x\n');
      const facts = sessions[0].session.facts();
      assert.strictEqual(facts.serverName, 'server.test');
      assert.strictEqual(facts.verified, true);
      assert.strictEqual(sessions[0].session.peerCertificate().san.uri[0], 'sip:client.test');
      socket.end();
    } finally {
      for (const s of sessions) s.destroy();
      server.close();
    }
  });

  it('connects to a node:tls server as a client (TLS 1.2 and 1.3)', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3']) {
      const server = tls.createServer({ cert: read('server-ecdsa.pem'), key: read('server-ecdsa.key'), minVersion: version, maxVersion: version,
        requestCert: true, ca: read('ca.pem') }, (socket) => {
        socket.on('data', (d) => socket.write(`${socket.authorized ? 'AUTHORIZED' : 'ANON'} ${d}`));
      });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const c = await connectSession(server.address().port, clientContext({ certificate: cert('client.pem'), privateKey: cert('client.key') }), { serverName: 'server.test' });
      try {
        await c.handshaken();
        assert.strictEqual(c.error, null);
        assert.strictEqual(c.session.facts().version, version);
        assert.strictEqual(c.session.facts().verified, true);
        c.write(Buffer.from('OPTIONS'));
        await c.until((s) => s.text().length > 0, 5000, 'reply');
        assert.strictEqual(c.text(), 'AUTHORIZED OPTIONS');
      } finally {
        c.destroy();
        server.close();
      }
    }
  });
});

describe('Session against openssl s_server / s_client', function () {
  this.timeout(30000);

  it('connects to openssl s_server and exchanges data', async () => {
    const port = await freePort();
    const { child, started } = openssl(['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert('server-rsa.pem'),
      '-key', cert('server-rsa.key'), '-rev', '-naccept', '1'], 'ACCEPT');
    try {
      await started;
      const c = await connectSession(port, clientContext(), { serverName: 'server.test' });
      await c.handshaken();
      assert.strictEqual(c.error, null);
      c.write(Buffer.from('hello\n'));
      await c.until((s) => s.text().includes('olleh'), 5000, 'reversed line');
      c.shutdown();
      c.destroy();
    } finally {
      stop(child);
    }
  });

  it('serves openssl s_client, which sees our certificate and SNI', async () => {
    const { server, sessions, port } = await echoServer(serverContext());
    const { child, started } = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'server.test',
      '-CAfile', cert('ca.pem'), '-verify_return_error'], 'Verify return code: 0 (ok)');
    try {
      await started;
      child.stdin.write('INVITE sip:b\n');
      await waitFor(child, 'ECHO INVITE sip:b');
      assert.strictEqual(sessions[0].session.serverName(), 'server.test');
    } finally {
      stop(child);
      for (const s of sessions) s.destroy();
      server.close();
    }
  });

  for (const renegotiation of [false, true]) {
    it(`${renegotiation ? 'accepts' : 'refuses'} s_client's TLS 1.2 renegotiation ("R") with renegotiation ${renegotiation ? 'on' : 'off'}`, async () => {
      const { server, sessions, port } = await echoServer(serverContext({ method: 'TLSv1.2', renegotiation }));
      const { child, started } = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-CAfile', cert('ca.pem')],
        'Verify return code: 0 (ok)');
      try {
        await started;
        child.stdin.write('R\n');
        await waitFor(child, 'RENEGOTIATING');
        if (renegotiation) {
          child.stdin.write('after renegotiation\n');
          await waitFor(child, 'ECHO after renegotiation');
          assert.strictEqual(sessions[0].error, null);
        } else {
          await waitFor(child, 'no renegotiation');
        }
      } finally {
        stop(child);
        for (const s of sessions) s.destroy();
        server.close();
      }
    });
  }

  for (const sessionCache of [true, false]) {
    // -no_ticket: resumption by session ID only, i.e. through the server's cache.
    it(`session_cache ${sessionCache ? 'on: s_client -reconnect resumes by session ID' : 'off: every reconnect without a ticket is a new session'}`, async () => {
      const { server, sessions, port } = await echoServer(serverContext({ method: 'TLSv1.2', sessionCache, sessionId: 'sip-tls-test' }));
      const { child, started } = openssl(['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-reconnect', '-no_ticket',
        '-CAfile', cert('ca.pem')], null);
      try {
        await started;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.stdin.end();
        await exited;
        const reused = (child.output.match(/^Reused, TLSv1\.2/gm) || []).length;
        const fresh = (child.output.match(/^New, TLSv1\.2/gm) || []).length;
        assert.strictEqual(fresh + reused, 6, child.output);
        assert.strictEqual(reused, sessionCache ? 5 : 0);
      } finally {
        stop(child);
        for (const s of sessions) s.destroy();
        server.close();
      }
    });
  }

  // Tickets are the stateless way to resume: they follow session_cache too (Kamailio sends them
  // even with the cache off; a server that never resumes should not build them). A node:tls
  // client sees each ticket as a 'session' event and offers the last one on reconnect.
  async function ticketsAndReuse(port, version) {
    const options = { host: '127.0.0.1', port, servername: 'server.test', ca: read('ca.pem'), minVersion: version, maxVersion: version };
    const first = tls.connect(options);
    const tickets = [];
    first.on('session', (ticket) => tickets.push(ticket));
    await new Promise((resolve, reject) => { first.once('secureConnect', resolve); first.once('error', reject); });
    const reply = new Promise((resolve) => first.once('data', resolve));
    first.write('ping\n');
    await reply;
    first.end();
    const second = tls.connect({ ...options, session: tickets[tickets.length - 1] });
    await new Promise((resolve, reject) => { second.once('secureConnect', resolve); second.once('error', reject); });
    const reused = second.isSessionReused();
    second.end();
    return { tickets: tickets.length, reused };
  }

  for (const method of ['TLSv1.3', 'TLSv1.2']) {
    for (const sessionCache of [true, false]) {
      it(`${method}: tickets ${sessionCache ? 'sent and resumed with session_cache on' : 'not sent with session_cache off'}`, async () => {
        const { server, sessions, port } = await echoServer(serverContext({ method, sessionCache, sessionId: 'sip-tls-test' }));
        try {
          const { tickets, reused } = await ticketsAndReuse(port, method);
          if (sessionCache) {
            assert.ok(tickets >= 1, 'no ticket received');
            assert.strictEqual(reused, true);
          } else {
            assert.strictEqual(tickets, 0);
            assert.strictEqual(reused, false);
          }
        } finally {
          for (const s of sessions) s.destroy();
          server.close();
        }
      });
    }
  }
});
