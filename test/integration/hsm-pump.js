'use strict';
// Helpers for the HSM tests: two sip-tls sessions wired back to back in memory, a TCP server
// that serves a sip-tls context (for openssl s_client), and bounded child processes.
const net = require('node:net');
const { execFile } = require('node:child_process');
const { Session, SessionStatus } = require('../../lib/session');

/**
 * Runs a handshake between a server and a client session until both are done or one fails, then
 * sends `message` from client to server. `chooseContext(sni)` answers the server's NEED_CONTEXT.
 * Returns { server, client, received } (sessions still open: close them).
 */
function handshakeInMemory(serverContext, clientContext, { serverName, chooseContext, message } = {}) {
  const server = new Session(serverContext, { isServer: true, pauseOnSni: Boolean(chooseContext) });
  const client = new Session(clientContext, { isServer: false, serverName });
  let toServer = null;
  let toClient = null;
  let received = '';
  let sent = false;
  for (let round = 0; round < 20; round++) {
    let status = client.feed(toClient);
    if (status & SessionStatus.ERROR) throw client.takeError();
    if ((status & SessionStatus.HANDSHAKE_DONE) && message && !sent) {
      client.write(Buffer.from(message));
      sent = true;
    }
    toServer = client.takeCiphertext();
    status = server.feed(toServer);
    if (status & SessionStatus.NEED_CONTEXT) {
      server.setContext(chooseContext(server.serverName));
      status = server.feed(null);
    }
    if (status & SessionStatus.ERROR) throw server.takeError();
    if (status & SessionStatus.HAS_PLAINTEXT) received += server.plaintext.toString();
    toClient = server.takeCiphertext();
    if ((status & SessionStatus.HANDSHAKE_DONE) && (client.native.status() & SessionStatus.HANDSHAKE_DONE)
      && (!message || received === message)) {
      return { server, client, received };
    }
  }
  throw new Error('handshake did not finish in 20 rounds');
}

/**
 * A TCP server on 127.0.0.1 (free port) serving `pickContext(sni)` contexts: the initial one for
 * sni '' and, at NEED_CONTEXT, the one for the client's SNI. Echoes clear text back.
 */
function serveTcp(pickContext) {
  const sessions = new Set();
  const server = net.createServer((socket) => {
    const session = new Session(pickContext(''), { isServer: true, pauseOnSni: true });
    sessions.add(session);
    const flush = () => { const out = session.takeCiphertext(); if (out) socket.write(out); };
    socket.on('data', (chunk) => {
      let status = session.feed(chunk);
      if (status & SessionStatus.NEED_CONTEXT) {
        session.setContext(pickContext(session.serverName));
        status = session.feed(null);
      }
      if (status & SessionStatus.HAS_PLAINTEXT) session.write(Buffer.from(session.plaintext));
      flush();
      if (status & (SessionStatus.ERROR | SessionStatus.PEER_CLOSED)) socket.end();
    });
    socket.on('error', () => {});
    socket.on('close', () => { session.close(); sessions.delete(session); });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      port: server.address().port,
      close: () => new Promise((done) => { for (const s of sessions) s.close(); server.close(done); }),
    }));
  });
}

/** Runs a command (bounded); resolves { code, stdout, stderr }. The child is killed on timeout. */
function run(file, args, { input = '', env = process.env, timeoutMs = 20000 } = {}) {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    child.stdin.end(input);
  });
}

/** openssl s_client against 127.0.0.1:port; resolves its run with the -brief summary. */
function sClient(port, { caFile, serverName, version }) {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', '-brief',
    `-${version}`];
  if (serverName) args.push('-servername', serverName);
  return run('openssl', args, { input: 'OPTIONS sip:hsm.test SIP/2.0\r\n\r\n', env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
}

module.exports = { handshakeInMemory, serveTcp, run, sClient };
