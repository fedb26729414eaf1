'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { RpcServer } = require('../../lib/rpc/server');
const { createMethods } = require('../../lib/rpc/methods');
const { formatRpcEndpoint } = require('../../lib/rpc/endpoint');
const { parseRpc } = require('../../lib/main-config');

const parseRpcEndpoint = (spec) => parseRpc(spec, process.cwd());
const { callRpc, callRpcRaw } = require('../../lib/rpc/client');

/** A host double whose tls.list can be made as large as a test needs. */
function fakeHost() {
  const host = {
    entries: 1,
    info: () => ({ max_connections: 10, opened_connections: host.entries, clear_text_write_queued_bytes: 0,
      handshakes_done: 0, handshakes_failed: 0, low_memory_refused: 0, generation: 1, generations_alive: 1 }),
    list: () => Array.from({ length: host.entries }, (_, i) => ({ id: i + 1, dom: 'TLSs<default>', pad: 'x'.repeat(200) })),
    options: () => ({ connection_timeout: 600 }),
    reload: async () => 'Ok. TLS configuration reloaded.',
    kill: () => false,
    cfgGet: () => 600,
    cfgSet: () => undefined,
  };
  return host;
}

describe('rpc transports: one method table over HTTP, UDP and unix datagrams', () => {
  let dir;
  let host;
  let server;
  let targets;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-rpc-'));
    host = fakeHost();
    server = new RpcServer(createMethods(host), {
      endpoints: ['http:127.0.0.1:0', 'udp:127.0.0.1:0', 'udp:[::1]:0', `unix:${dir}/rpc.sock`].map((s) => parseRpcEndpoint(s)),
    });
    await server.start();
    targets = server.endpoints.map((e) => formatRpcEndpoint(e));
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the same result on every endpoint', async () => {
    assert.strictEqual(targets.length, 4);
    for (const t of targets) {
      const info = await callRpc(t, 'tls.info');
      assert.strictEqual(info.max_connections, 10, t);
    }
  });

  it('creates the unix socket with mode 0660 and removes it on close', async () => {
    const sock = path.join(dir, 'rpc.sock');
    assert.ok(fs.lstatSync(sock).isSocket());
    assert.strictEqual(fs.statSync(sock).mode & 0o777, 0o660);
    const other = new RpcServer(createMethods(host), { endpoints: [parseRpcEndpoint(`unix:${dir}/other.sock`)] });
    await other.start();
    await other.close();
    assert.ok(!fs.existsSync(path.join(dir, 'other.sock')));
  });

  it('replaces a stale unix socket but refuses to remove a regular file', async () => {
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    const s = new RpcServer(createMethods(host), { endpoints: [parseRpcEndpoint(`unix:${file}`)] });
    await assert.rejects(s.start(), /unix:.*plain: the path exists and is not a socket/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'x');
  });

  it('answers over HTTP with status 500 for a fault and 405 for GET', async () => {
    const url = `http://127.0.0.1:${server.endpoints[0].port}/RPC`;
    const reply = await callRpcRaw(url, 'tls.kill', [99]);
    assert.deepStrictEqual(reply.error, { code: 500, message: 'TLS connection id not found' });
    const status = await new Promise((resolve, reject) => {
      http.get(url, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
    });
    assert.strictEqual(status, 405);
  });

  it('turns a reply too large for a datagram into a fault, and HTTP still carries it', async () => {
    host.entries = 600;
    try {
      for (const t of targets.filter((x) => !x.startsWith('http'))) {
        const reply = await callRpcRaw(t, 'tls.list');
        assert.strictEqual(reply.error.code, 500, t);
        assert.match(reply.error.message, /does not fit a datagram.*use the HTTP endpoint/);
      }
      const list = await callRpc(targets[0], 'tls.list');
      assert.strictEqual(list.length, 600);
    } finally {
      host.entries = 1;
    }
  });

  it('keeps answering after garbage datagrams', async () => {
    const udp = targets[1];
    const dgram = require('node:dgram');
    const port = server.endpoints[1].port;
    const reply = await new Promise((resolve) => {
      const s = dgram.createSocket('udp4');
      s.on('message', (m) => { s.close(); resolve(JSON.parse(m.toString())); });
      s.send('not json', port, '127.0.0.1');
    });
    assert.strictEqual(reply.error.code, -32700);
    assert.strictEqual((await callRpc(udp, 'cfg.get', ['tls', 'connection_timeout'])), 600);
  });

  it('refuses a non-loopback endpoint unless rpc_allow_remote', async () => {
    const s = new RpcServer(createMethods(host), { endpoints: [parseRpcEndpoint('http:0.0.0.0:0')] });
    await assert.rejects(s.start(), /not a loopback address.*rpc_allow_remote = yes/);
  });

  it('names the endpoint when its address is in use, and closes the others', async () => {
    const port = server.endpoints[0].port;
    const s = new RpcServer(createMethods(host), {
      endpoints: [parseRpcEndpoint(`unix:${dir}/second.sock`), parseRpcEndpoint(`http:127.0.0.1:${port}`)],
    });
    await assert.rejects(s.start(), new RegExp(`rpc endpoint http:127.0.0.1:${port}: .*EADDRINUSE`));
    assert.ok(!fs.existsSync(path.join(dir, 'second.sock')));
  });

  it('reports a unix client error clearly when the server socket is absent', async () => {
    await assert.rejects(callRpc(`unix:${dir}/absent.sock`, 'tls.info'), /absent\.sock.*ENOENT/);
  });
});
