'use strict';
// keylog_mode in the native contexts: NSS key log lines from in-memory handshakes, to a file, a UDP
// peer and the JS logger (bit 4, asynchronously).
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { cert, tryContext, context, connect, done } = require('../helpers/sessions');

const LINE = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$/;
const TLS13_LABELS = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'EXPORTER_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'].sort();

describe('key logging (keylog_mode)', () => {
  let dir;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-keylog-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const file = (name) => path.join(dir, name);
  const server = (method, keylog = {}) => context({ method, certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.key'), ...keylog });
  const client = (method, keylog = {}) => context({ method, ...keylog });
  const lines = (name) => fs.readFileSync(file(name), 'utf8').split('\n').filter(Boolean);

  function handshake(method, serverKeylog, clientKeylog) {
    const result = connect(server(method, serverKeylog), client(method, clientKeylog));
    assert.ok(done(result.client) && done(result.server));
    return result;
  }

  it('TLS 1.3: five lines per handshake, one per secret, the same on both sides, file 0600', () => {
    handshake('TLSv1.3', { keylogMode: 1 + 2 + 8, keylogFile: file('s13.log') }, { keylogMode: 11, keylogFile: file('c13.log') });
    const s = lines('s13.log');
    const c = lines('c13.log');
    assert.deepStrictEqual(s.map((l) => LINE.exec(l)[1]).sort(), TLS13_LABELS);
    for (const line of s) assert.match(line, LINE);
    assert.strictEqual(new Set(s.map((l) => LINE.exec(l)[2])).size, 1, 'one client random for the connection');
    assert.deepStrictEqual([...c].sort(), [...s].sort(), 'client and server derive the same secrets');
    assert.strictEqual(fs.statSync(file('s13.log')).mode & 0o777, 0o600);
  });

  it('TLS 1.2: one CLIENT_RANDOM line with the 48-byte master secret; appends per handshake', () => {
    handshake('TLSv1.2', { keylogMode: 11, keylogFile: file('s12.log') });
    handshake('TLSv1.2', { keylogMode: 11, keylogFile: file('s12.log') });
    const s = lines('s12.log');
    assert.strictEqual(s.length, 2);
    for (const line of s) {
      const m = LINE.exec(line);
      assert.strictEqual(m[1], 'CLIENT_RANDOM');
      assert.strictEqual(m[3].length, 96);
    }
    assert.notStrictEqual(s[0], s[1]);
  });

  it('keylog_mode 0 writes nothing; without bit 2 (active) the file stays empty', () => {
    handshake('TLSv1.3', { keylogMode: 0, keylogFile: file('off.log') });
    assert.strictEqual(fs.existsSync(file('off.log')), false);
    handshake('TLSv1.3', { keylogMode: 1 + 8, keylogFile: file('inactive.log') });
    assert.strictEqual(fs.readFileSync(file('inactive.log'), 'utf8'), '');
  });

  it('bit 1024 keeps only the lines needed to decrypt (no EXPORTER_SECRET)', () => {
    handshake('TLSv1.3', { keylogMode: 1 + 2 + 8 + 1024, keylogFile: file('filtered.log') });
    assert.deepStrictEqual(lines('filtered.log').map((l) => LINE.exec(l)[1]).sort(),
      TLS13_LABELS.filter((l) => l !== 'EXPORTER_SECRET'));
  });

  it('an unwritable keylog_file fails the context with an error naming keylog_file', () => {
    const bad = path.join(dir, 'no-such-dir', 'keys.log');
    const result = tryContext({ keylogMode: 11, keylogFile: bad });
    assert.strictEqual(result.code, 'ERR_TLS_KEYLOG_FILE');
    assert.strictEqual(result.parameter, 'keylog_file');
    assert.strictEqual(result.file, bad);
  });

  it('bit 16 sends each line as a datagram to keylog_peer', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      const received = [];
      socket.on('message', (msg) => received.push(msg.toString()));
      handshake('TLSv1.3', { keylogMode: 1 + 2 + 16, keylogPeerIp: '127.0.0.1', keylogPeerPort: socket.address().port });
      const end = Date.now() + 5000;
      while (received.length < 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      assert.deepStrictEqual(received.map((l) => LINE.exec(l)[1]).sort(), TLS13_LABELS);
    } finally {
      socket.close();
    }
  });

  it('bit 16 with a bad peer fails the context naming keylog_peer', () => {
    const result = tryContext({ keylogMode: 1 + 2 + 16, keylogPeerIp: 'not-an-ip', keylogPeerPort: 9 });
    assert.strictEqual(result.code, 'ERR_TLS_KEYLOG_PEER');
    assert.strictEqual(result.parameter, 'keylog_peer');
  });

  it('bit 4 hands each line to keylogNotice on a later turn, never inside the handshake', async () => {
    const noticed = [];
    handshake('TLSv1.3', { keylogMode: 1 + 2 + 4, keylogNotice: (line) => noticed.push(line) });
    assert.strictEqual(noticed.length, 0, 'no JS runs inside the SSL call');
    const end = Date.now() + 5000;
    while (noticed.length < 5 && Date.now() < end) await new Promise((r) => setImmediate(r));
    assert.deepStrictEqual(noticed.map((l) => LINE.exec(l)[1]).sort(), TLS13_LABELS);
  });

  it('bit 4 survives a worker thread ending with lines still queued (run in a child process)', () => {
    const helpers = path.join(__dirname, '..', 'helpers', 'sessions.js');
    const script = file('worker.js');
    fs.writeFileSync(script, `
const { Worker, isMainThread } = require('node:worker_threads');
if (isMainThread) {
  for (let i = 0; i < 3; i++) new Worker(__filename).on('error', (e) => { console.error(e); process.exitCode = 1; });
} else {
  const { connect, context, cert } = require(${JSON.stringify(helpers)});
  const server = context({ method: 'TLSv1.3', certificate: cert('server-rsa.pem'), privateKey: cert('server-rsa.key'),
    keylogMode: 7, keylogNotice: () => {} });
  connect(server, context({ method: 'TLSv1.3' }));
  globalThis.kept = server;
  setImmediate(() => process.exit(0));
}
`);
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 15000 });
    assert.strictEqual(result.status, 0, result.stderr);
  });
});
