'use strict';
/**
 * Shared by the RPC integration tests: a `sip-tls serve` child process with its RPC endpoints,
 * TLS clients that keep SIP OPTIONS transactions going, and memory figures of a process.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');
const { callRpc } = require('../../lib/rpc/client');

const ROOT = path.join(__dirname, '..', '..');
const CERTS = path.join(ROOT, 'test', 'fixtures', 'certs');

/** A TCP port free on 127.0.0.1 right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A new temporary directory holding cert.pem, key.pem and a tls.cfg whose [server:default] uses them. */
function serveDir(prefix) {
  const dir = tempDir(prefix);
  fs.copyFileSync(path.join(CERTS, 'server-rsa.pem'), path.join(dir, 'cert.pem'));
  fs.copyFileSync(path.join(CERTS, 'server-rsa.key'), path.join(dir, 'key.pem'));
  fs.writeFileSync(path.join(dir, 'tls.cfg'), '[server:default]\ncertificate = cert.pem\nprivate_key = key.pem\n');
  return dir;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `node [--expose-gc] lib/cli.js serve -f INI` and waits until `readyTarget` answers
 * tls.info. Returns { child, output() }; stop it with stopServe().
 */
async function startServe(ini, readyTarget, { exposeGc = false, timeoutMs = 20000 } = {}) {
  const args = [...(exposeGc ? ['--expose-gc'] : []), path.join(ROOT, 'lib', 'cli.js'), 'serve', '-f', ini];
  const child = spawn(process.execPath, args, { cwd: path.dirname(ini), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sip-tls serve exited with ${child.exitCode}:\n${out}`);
    try {
      await callRpc(readyTarget, 'tls.info', [], { timeoutMs: 1000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`sip-tls serve did not answer RPC on ${readyTarget}: ${err.message}\n${out}`);
      }
      await sleep(100);
    }
  }
  return { child, exited, output: () => out };
}

/** Stops a child started by startServe (SIGTERM, then SIGKILL after 5 s). */
async function stopServe(server) {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000);
  await server.exited;
  clearTimeout(timer);
}

function optionsRequest(port, callId, cseq) {
  return [
    `OPTIONS sip:127.0.0.1:${port};transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-${callId}-${cseq}`,
    'Max-Forwards: 70',
    `From: <sip:load@127.0.0.1>;tag=${callId}`,
    `To: <sip:127.0.0.1:${port}>`,
    `Call-ID: ${callId}@rpc-test`,
    `CSeq: ${cseq} OPTIONS`,
    'Content-Length: 0',
    '', '',
  ].join('\r\n');
}

/** Splits a SIP byte stream into messages by Content-Length; returns [messages, rest]. */
function takeSipMessages(buffer) {
  const messages = [];
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.slice(0, end);
    const m = /^(?:Content-Length|l)\s*:\s*(\d+)/im.exec(head);
    const total = end + 4 + (m ? Number(m[1]) : 0);
    if (rest.length < total) break;
    messages.push(rest.slice(0, total));
    rest = rest.slice(total);
  }
  return [messages, rest];
}

/**
 * A TLS client that sends OPTIONS one after another and counts the final responses.
 * `stop()` ends the loop after the transaction in flight; the connection stays open.
 */
class OptionsLoop {
  constructor(port, index) {
    this.port = port;
    this.callId = `load-${index}-${process.pid}`;
    this.sent = 0;
    this.ok = 0;
    this.other = [];
    this.closed = false;
    this.running = false;
    this.buffer = '';
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.socket = tls.connect({ host: '127.0.0.1', port: this.port, rejectUnauthorized: false }, () => {
        this.fingerprint = this.socket.getPeerCertificate().fingerprint256;
        resolve(this);
      });
      this.socket.setEncoding('utf8');
      this.socket.once('error', reject);
      this.socket.on('error', (err) => { this.error = err; });
      this.socket.on('close', () => { this.closed = true; });
      this.socket.on('data', (d) => this.onData(d));
    });
  }

  onData(data) {
    const [messages, rest] = takeSipMessages(this.buffer + data);
    this.buffer = rest;
    for (const msg of messages) {
      if (/^SIP\/2\.0 1\d\d/.test(msg)) continue; // provisional
      if (msg.startsWith('SIP/2.0 200')) this.ok++;
      else this.other.push(msg.split('\r\n')[0]);
      if (this.running) this.sendNext();
      else if (this.idle) {
        const idle = this.idle;
        this.idle = null;
        idle();
      }
    }
  }

  sendNext() {
    this.sent++;
    this.socket.write(optionsRequest(this.port, this.callId, this.sent));
  }

  start() {
    this.running = true;
    this.sendNext();
  }

  /** Resolves once the transaction in flight has its final response. */
  stop() {
    this.running = false;
    if (this.ok + this.other.length === this.sent) return Promise.resolve();
    return new Promise((resolve) => { this.idle = resolve; });
  }
}

/** SHA-256 fingerprint of the certificate a new connection to `port` is given. */
function servedFingerprint(port) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.once('error', reject);
  });
}

/** Fingerprint of a PEM certificate file. */
function fileFingerprint(file) {
  const { X509Certificate } = require('node:crypto');
  return new X509Certificate(fs.readFileSync(file)).fingerprint256;
}

/** RSS and PSS of a process, KiB, from /proc. */
function memoryOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  return {
    rssKiB: Number(/^VmRSS:\s+(\d+)/m.exec(status)[1]),
    pssKiB: Number(/^Pss:\s+(\d+)/m.exec(rollup)[1]),
  };
}

module.exports = {
  ROOT, CERTS, freePort, tempDir, serveDir, sleep, startServe, stopServe, OptionsLoop, servedFingerprint,
  fileFingerprint, memoryOf, optionsRequest, takeSipMessages,
};
