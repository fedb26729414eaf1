'use strict';
// Shared helpers of the transport's integration tests: free ports, temp dirs, child processes
// that are always stopped by PID, and a small SIP client over node:tls.
const assert = require('node:assert');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');

const CERTS = path.resolve(__dirname, '../fixtures/certs');
const cert = (name) => path.join(CERTS, name);

/** A TCP port free on `host` now (bind to 0, close). */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A UDP port free now. */
function freeUdpPort() {
  const dgram = require('node:dgram');
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.on('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sip-tls-${prefix}-`));
}

/** Writes `files` ({ name: text }) into a new temp dir; returns its path. */
function writeFiles(prefix, files) {
  const dir = tmpDir(prefix);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Children started by a test, stopped by PID in `stopAll()`. */
class Children {
  constructor() { this.list = []; }

  /** Spawns `cmd args`; collects stdout+stderr in `.output`. */
  start(cmd, args, options = {}) {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    child.output = '';
    child.stdout.on('data', (d) => { child.output += d; });
    child.stderr.on('data', (d) => { child.output += d; });
    child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    this.list.push(child);
    return child;
  }

  async stopAll() {
    for (const child of this.list) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await child.exited;
        clearTimeout(timer);
      }
    }
    this.list = [];
  }
}

/** Runs `cmd args` to the end (bounded by `timeoutMs`); resolves { code, output }. */
function run(cmd, args, { input, timeoutMs = 20000, ...options } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, output }); });
    if (input !== undefined) child.stdin.end(input); else child.stdin.end();
  });
}

/** Resolves when `predicate()` is true, polling every `stepMs`; rejects after `timeoutMs`. */
async function waitFor(predicate, { timeoutMs = 10000, stepMs = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Resolves when a TCP connect to host:port succeeds. */
function waitForPort(port, host = '127.0.0.1', timeoutMs = 15000) {
  return waitFor(() => new Promise((resolve) => {
    const socket = net.connect(port, host, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  }), { timeoutMs, what: `${host}:${port}` });
}

function options(n = 1, extra = '') {
  return `OPTIONS sip:sip-tls@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-${n}\r\n` +
    `From: <sip:test@127.0.0.1>;tag=t${n}\r\nTo: <sip:sip-tls@127.0.0.1>\r\nCall-ID: call-${n}@test\r\n` +
    `CSeq: ${n} OPTIONS\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`;
}

/**
 * A node:tls client that collects what it receives and cuts responses by Content-Length.
 * `messages` grows as responses arrive; `raw` keeps every byte.
 */
function sipClient(port, tlsOptions = {}) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: fs.readFileSync(cert('ca.pem')), servername: 'server.test', ...tlsOptions });
    socket.raw = '';
    socket.messages = [];
    socket.ended = new Promise((r) => socket.on('close', r));
    socket.on('data', (d) => {
      socket.raw += d.toString('latin1');
      for (;;) {
        const text = socket.raw.slice(socket.consumed ?? 0);
        const start = text.search(/[A-Z]/);
        if (start < 0) break;
        const end = text.indexOf('\r\n\r\n', start);
        if (end < 0) break;
        const length = Number((/\r\nContent-Length:\s*(\d+)/i.exec(text.slice(start, end + 2)) ?? [0, 0])[1]);
        if (text.length < end + 4 + length) break;
        socket.messages.push(text.slice(start, end + 4 + length));
        socket.consumed = (socket.consumed ?? 0) + end + 4 + length;
      }
    });
    socket.once('secureConnect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** The one-line PSS of a process in KiB (/proc/PID/smaps_rollup). */
function pssKiB(pid) {
  const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const m = /^Pss:\s+(\d+) kB/m.exec(text);
  assert.ok(m, 'smaps_rollup has a Pss line');
  return Number(m[1]);
}

/** A tls.cfg + sip-tls.ini in a temp dir; `tlsCfg` text, `params` object for [tls]. */
function writeConfig(prefix, { tlsCfg, params = {}, listen = [] }) {
  const lines = listen.map((l) => `listen = ${l}`);
  const files = {};
  if (tlsCfg !== undefined) {
    files['tls.cfg'] = tlsCfg;
    params = { config: 'tls.cfg', ...params };
  }
  lines.push('', '[tls]', ...Object.entries(params).map(([k, v]) => `${k} = ${v}`));
  files['sip-tls.ini'] = lines.join('\n') + '\n';
  const dir = writeFiles(prefix, files);
  return { dir, ini: path.join(dir, 'sip-tls.ini') };
}

module.exports = {
  CERTS, cert, freePort, freeUdpPort, tmpDir, writeFiles, writeConfig, Children, run, waitFor, waitForPort,
  options, sipClient, pssKiB,
};
