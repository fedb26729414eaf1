'use strict';
// The transport's batched socket I/O: io_uring or one system call per op, slow readers,
// a turn's records past the write arena, and a listener out of file descriptors.
const assert = require('node:assert');
const { fork, spawnSync } = require('node:child_process');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { TlsModule, bufferPoolStats } = require('../../lib');
const { answer } = require('../../lib/sip-responder');
const h = require('./helpers');

const CHILD = path.join(__dirname, 'socket-io-child.js');

/**
 * Whether this process may use io_uring: a kernel that completes MSG_DONTWAIT ops inline (5.19+)
 * and an io_uring_setup(2) that succeeds (not disabled by sysctl, not refused by a seccomp filter,
 * as container runtimes do), asked of the kernel by perl, apart from the addon under test.
 */
function kernelHasIoUring() {
  const [major, minor] = os.release().split('.').map(Number);
  if (major < 5 || (major === 5 && minor < 19)) return false;
  const probe = spawnSync('perl', ['-e', 'my $params = "\\0" x 120; print syscall(425, 1, $params) >= 0 ? "yes" : "no"'], { encoding: 'utf8' });
  assert.strictEqual(probe.status, 0, `perl could not probe io_uring_setup: ${probe.stderr}`);
  return probe.stdout === 'yes';
}

/** The child server with `env` (and a shell `ulimit -n` when `fileLimit` is given). */
async function startChild(children, env = {}, fileLimit) {
  // The child's SIP_TLS_IO_URING is the test's, not whatever this process was started with.
  const childEnv = { ...process.env, ...env };
  if (!('SIP_TLS_IO_URING' in env)) delete childEnv.SIP_TLS_IO_URING;
  const child = fileLimit === undefined
    ? fork(CHILD, [], { env: childEnv, execArgv: [] })
    : fork(CHILD, [], { env: childEnv, execPath: '/bin/sh', execArgv: ['-c', `ulimit -n ${fileLimit} && exec "${process.execPath}" "$0" "$@"`] });
  children.push(child);
  const { port } = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  child.stats = () => new Promise((resolve) => { child.once('message', (m) => resolve(m.stats)); child.send({ type: 'stats' }); });
  return { child, port };
}

async function optionsRoundTrips(port, clients = 4, requests = 5) {
  const sockets = await Promise.all(Array.from({ length: clients }, () => h.sipClient(port)));
  for (let n = 1; n <= requests; n++) for (const s of sockets) s.write(h.options(n));
  await h.waitFor(() => sockets.every((s) => s.messages.length === requests), { what: 'every answer' });
  for (const s of sockets) {
    assert.ok(s.messages.every((m, i) => m.startsWith('SIP/2.0 200 OK') && m.includes(`CSeq: ${i + 1} OPTIONS`)));
    s.destroy();
  }
}

describe('Transport socket I/O', function () {
  this.timeout(60000);
  const children = [];
  const modules = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null) { child.kill('SIGKILL'); await new Promise((r) => child.once('exit', r)); }
    }
    for (const mod of modules.splice(0)) await mod.close();
  });

  it('batches through io_uring where the kernel has it, and serves the same', async () => {
    const { child, port } = await startChild(children);
    await optionsRoundTrips(port);
    const stats = await child.stats();
    assert.strictEqual(stats.socketIo, kernelHasIoUring() ? 'io_uring' : 'syscalls');
    // Requests and answers that arrive together share reads and writes: at least one per client.
    assert.ok(stats.socketReads >= 4 && stats.socketWrites >= 4, JSON.stringify(stats));
    assert.ok(stats.socketBatches > 0 && stats.socketBatches <= stats.socketReads + stats.socketWrites);
  });

  it('with SIP_TLS_IO_URING=0 makes one system call per op and serves the same', async () => {
    const { child, port } = await startChild(children, { SIP_TLS_IO_URING: '0' });
    await optionsRoundTrips(port);
    assert.strictEqual((await child.stats()).socketIo, 'syscalls');
  });

  it('out of file descriptors: refuses the connections it cannot take, then serves again', async () => {
    const { child, port } = await startChild(children, {}, 48);
    const raw = [];
    const refused = [];
    for (let i = 0; i < 80; i++) {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => refused.push(i));
      socket.on('close', () => refused.includes(i) || refused.push(i));
      raw.push(socket);
    }
    await h.waitFor(async () => (await child.stats()).refusedMaxConnections > 0, { what: 'a refusal' });
    await h.waitFor(() => refused.length > 0, { what: 'a client to see the refusal' });
    for (const socket of raw) socket.destroy();
    await h.waitFor(async () => (await child.stats()).opened_connections === 0, { what: 'the server to drop the raw sockets' });
    await optionsRoundTrips(port, 2, 2);
  });

  describe('in this process', () => {
    async function server() {
      const mod = new TlsModule({
        params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') },
        logger: { log: () => undefined },
      });
      modules.push(mod);
      const [ep] = await mod.listen(['tls:127.0.0.1:0']);
      return { mod, port: ep.port };
    }

    const message = (n, size) => {
      const body = String(n % 10).repeat(size);
      return `MESSAGE sip:a@b SIP/2.0\r\nCSeq: ${n} MESSAGE\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };

    it('a peer that stops reading gets every byte in order once it reads again', async () => {
      const { mod, port } = await server();
      const seen = new Promise((resolve) => mod.once('connection', resolve));
      const client = await h.sipClient(port);
      const c = await seen;
      client.pause();
      // Until the write queue is full: the socket buffers are full by then, so the rest waited
      // in the connection's queue for EPOLLOUT.
      let sent = 0;
      let full;
      for (let turn = 0; turn < 1000 && !full; turn++) {
        try { c.send(message(sent + 1, 60000)); sent++; } catch (err) { full = err; }
        await new Promise((r) => setImmediate(r));
      }
      assert.strictEqual(full?.code, 'ERR_TLS_WRITE_QUEUE_FULL');
      client.resume();
      await h.waitFor(() => client.messages.length === sent, { what: `all ${sent} messages`, timeoutMs: 30000 });
      client.messages.forEach((m, i) => assert.strictEqual(m, message(i + 1, 60000), `message ${i + 1}`));
      client.destroy();
    });

    for (const layer of [1, 0]) {
      it(`takes no buffer block for a turn's records (tls13_record_layer ${layer})`, async () => {
        const mod = new TlsModule({
          // No freelist: a block taken would show in `allocated` even if one were given back.
          params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key'), tls13_record_layer: layer,
            ssl_freelist_max_len: 0 },
          logger: { log: () => undefined },
        });
        modules.push(mod);
        mod.on('message', (msg, c) => { const r = answer(msg); if (r) mod.send(c, r); });
        const [ep] = await mod.listen(['tls:127.0.0.1:0']);
        const client = await h.sipClient(ep.port);
        const exchange = async (from, to) => {
          for (let n = from; n <= to; n++) {
            client.write(h.options(n));
            await h.waitFor(() => client.messages.length === n, { what: `answer ${n}`, stepMs: 1 });
          }
        };
        await exchange(1, 5);
        assert.strictEqual(mod.connections()[0].records, layer ? 'sip-tls' : 'openssl');
        const before = bufferPoolStats().allocated;
        await exchange(6, 55);
        // Records are written into the loop's write arena and sent from there; a block is only
        // for bytes that must wait (here none).
        assert.strictEqual(bufferPoolStats().allocated - before, 0);
        client.destroy();
      });
    }

    it('sends one turn\'s records past the write arena to many connections intact', async () => {
      const { mod, port } = await server();
      const connections = [];
      mod.on('connection', (c) => connections.push(c));
      const clients = await Promise.all(Array.from({ length: 16 }, () => h.sipClient(port)));
      await h.waitFor(() => connections.length === 16, { what: 'every connection' });
      // 16 x 3 x 24 KB in one turn: the 256 KiB arena is sent and reused while the turn flushes.
      for (let n = 1; n <= 3; n++) for (const c of connections) c.send(message(n, 24000));
      await h.waitFor(() => clients.every((s) => s.messages.length === 3), { what: 'every message' });
      for (const s of clients) {
        s.messages.forEach((m, i) => assert.strictEqual(m, message(i + 1, 24000)));
        s.destroy();
      }
    });
  });
});
