'use strict';
/**
 * Every RPC method's fields against a live `sip-tls serve`, over HTTP, UDP and a unix datagram
 * socket, with connections established and still handshaking.
 */
const assert = require('node:assert');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { callRpc, callRpcRaw } = require('../../lib/rpc/client');
const h = require('./rpc-helpers');

const KAMAILIO_INFO = ['max_connections', 'opened_connections', 'clear_text_write_queued_bytes'];
const LIST_FIELDS = ['id', 'dom', 'sni', 'timestamp', 'timeout', 'src_ip', 'src_port', 'dst_ip', 'dst_port',
  'cipher', 'ct_wq_size', 'enc_rd_buf', 'flags', 'state', 'generation', 'records'];
const KAMAILIO_OPTIONS = ['force_run', 'method', 'verify_certificate', 'verify_depth', 'require_certificate',
  'verify_client', 'private_key', 'ca_list', 'certificate', 'cipher_list', 'session_cache', 'session_id', 'config',
  'log', 'debug', 'connection_timeout', 'disable_compression', 'ssl_release_buffers', 'ssl_freelist_max',
  'ssl_max_send_fragment', 'ssl_read_ahead', 'send_close_notify', 'low_mem_threshold1', 'low_mem_threshold2',
  'ct_wq_max', 'con_ct_wq_max', 'ct_wq_blk_size'];

describe('rpc methods against sip-tls serve', function () {
  this.timeout(60000);
  let dir;
  let server;
  let tlsPort;
  let targets;
  let established;
  let handshaking;
  let firstGeneration;

  before(async () => {
    dir = h.serveDir('sip-tls-rpc-it-');
    tlsPort = await h.freePort();
    const httpPort = await h.freePort();
    const udpPort = await h.freePort();
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'), [
      `listen = tls:127.0.0.1:${tlsPort}`,
      `rpc[] = http:127.0.0.1:${httpPort}`,
      `rpc[] = udp:127.0.0.1:${udpPort}`,
      `rpc[] = unix:${dir}/rpc.sock`,
      '[tls]',
      'config = tls.cfg',
      'connection_timeout = 120',
      '',
    ].join('\n'));
    targets = [`http://127.0.0.1:${httpPort}/RPC`, `udp:127.0.0.1:${udpPort}`, `unix:${dir}/rpc.sock`];
    server = await h.startServe(path.join(dir, 'sip-tls.ini'), targets[0]);
    firstGeneration = (await callRpc(targets[0], 'tls.info')).generation;
    established = await new h.OptionsLoop(tlsPort, 1).connect();
    handshaking = net.connect(tlsPort, '127.0.0.1');
    await new Promise((resolve) => handshaking.once('connect', resolve));
    handshaking.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a record header: the handshake cannot go on
    await h.sleep(200);
  });

  after(async () => {
    if (process.env.SHOW_SERVE) console.log(server?.output());
    established?.socket.destroy();
    handshaking?.destroy();
    await h.stopServe(server);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [i, kind] of ['HTTP', 'UDP', 'unix datagram'].entries()) {
    describe(`over ${kind}`, () => {
      it('tls.info gives Kamailio\'s counters, then ours', async () => {
        const info = await callRpc(targets[i], 'tls.info');
        assert.deepStrictEqual(Object.keys(info).slice(0, 3), KAMAILIO_INFO);
        for (const k of [...KAMAILIO_INFO, 'handshakes_done', 'handshakes_failed', 'low_memory_refused', 'generation']) {
          assert.strictEqual(typeof info[k], 'number', k);
        }
        assert.strictEqual(info.max_connections, 2048);
        assert.ok(info.opened_connections >= 2, JSON.stringify(info));
        assert.ok(info.handshakes_done >= 1);
      });

      it('tls.list shows the established and the handshaking connection with every field', async () => {
        const list = await callRpc(targets[i], 'tls.list');
        for (const e of list) assert.deepStrictEqual(Object.keys(e).sort(), [...LIST_FIELDS].sort());
        const up = list.find((e) => e.src_port === established.socket.localPort);
        const shaking = list.find((e) => e.src_port === handshaking.localPort);
        assert.ok(up && shaking, JSON.stringify(list));
        assert.strictEqual(up.state, 'established');
        assert.strictEqual(up.flags & 2, 2, 'HANDSHAKED');
        assert.match(up.cipher, /^TLS_\S+\s+TLSv1\.3 .*\n$/);
        assert.strictEqual(up.src_ip, '127.0.0.1');
        assert.strictEqual(up.dst_ip, '127.0.0.1');
        assert.strictEqual(up.dst_port, tlsPort);
        assert.match(up.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
        const timeout = await callRpc(targets[i], 'cfg.get', ['tls', 'connection_timeout']);
        assert.ok(up.timeout > timeout - 30 && up.timeout <= timeout, `${up.timeout} of ${timeout} s`);
        assert.strictEqual(up.dom, 'TLSs<default>');
        assert.strictEqual(up.sni, 'N/A');
        assert.strictEqual(up.ct_wq_size, 0);
        assert.ok(['tls_accept', 'pre-init', 'none/init'].includes(shaking.state), shaking.state);
        assert.strictEqual(shaking.flags & 2, 0);
        assert.ok(shaking.cipher === '' || shaking.cipher === 'unknown', JSON.stringify(shaking.cipher));
        assert.strictEqual(up.generation, firstGeneration, 'a connection keeps the generation it started with');
        assert.strictEqual(up.records, 'sip-tls', 'a TLS 1.3 connection\'s records run in sip-tls (tls13_record_layer)');
        assert.strictEqual(shaking.records, 'openssl');
        assert.ok((await callRpc(targets[i], 'tls.info')).generation >= firstGeneration);
      });

      it('tls.options lists Kamailio\'s fields first, with the running values', async () => {
        const options = await callRpc(targets[i], 'tls.options');
        assert.deepStrictEqual(Object.keys(options).slice(0, KAMAILIO_OPTIONS.length), KAMAILIO_OPTIONS);
        assert.strictEqual(options.config, path.join(dir, 'tls.cfg'));
        assert.ok('crl' in options && 'ca_path' in options && 'server_name' in options);
      });

      it('cfg.set_now_int and cfg.get change and read a runtime parameter', async () => {
        const value = 200 + i;
        assert.strictEqual(await callRpc(targets[i], 'cfg.set_now_int', ['tls', 'connection_timeout', value]), null);
        assert.strictEqual(await callRpc(targets[i], 'cfg.get', ['tls', 'connection_timeout']), value);
        assert.strictEqual((await callRpc(targets[i], 'tls.options')).connection_timeout, value);
      });

      it('cfg.set_now_* refuses bad values and non-runtime parameters with 400', async () => {
        const bad = await callRpcRaw(targets[i], 'cfg.set_now_int', ['tls', 'ct_wq_blk_size', 0]);
        assert.strictEqual(bad.error.code, 400);
        assert.match(bad.error.message, /ct_wq_blk_size/);
        const fixed = await callRpcRaw(targets[i], 'cfg.set_now_string', ['tls', 'tls_method', 'TLSv1.3']);
        assert.strictEqual(fixed.error.code, 400);
        assert.match(fixed.error.message, /cannot be changed at runtime/);
      });

      it('tls.reload answers Ok and bumps the generation', async () => {
        const before = (await callRpc(targets[i], 'tls.info')).generation;
        assert.strictEqual(await callRpc(targets[i], 'tls.reload'), 'Ok. TLS configuration reloaded.');
        assert.strictEqual((await callRpc(targets[i], 'tls.info')).generation, before + 1);
      });
    });
  }

  // Mocha runs a suite's own tests before its child suites: these go last in a suite of their own.
  describe('after the per-transport checks', () => {
    it('tls.reload without a config file answers 500 "No TLS configuration file configured"', async () => {
      await callRpc(targets[0], 'cfg.set_now_string', ['tls', 'config', '']);
      try {
        const reply = await callRpcRaw(targets[2], 'tls.reload');
        assert.deepStrictEqual(reply.error, { code: 500, message: 'No TLS configuration file configured' });
      } finally {
        await callRpc(targets[0], 'cfg.set_now_string', ['tls', 'config', path.join(dir, 'tls.cfg')]);
      }
    });

    it('tls.kill closes a connection, then answers "TLS connection id not found"', async () => {
      const list = await callRpc(targets[0], 'tls.list');
      const { id } = list.find((e) => e.src_port === handshaking.localPort);
      const closed = new Promise((resolve) => handshaking.once('close', resolve));
      assert.strictEqual(await callRpc(targets[1], 'tls.kill', [id]), 'OK');
      await closed;
      const again = await callRpcRaw(targets[2], 'tls.kill', [id]);
      assert.deepStrictEqual(again.error, { code: 500, message: 'TLS connection id not found' });
    });

    it('sip-tls rpc prints results as JSON, tls.list as a table, and faults on stderr with exit 1', async () => {
      const cli = (...args) => new Promise((resolve) => {
        execFile(process.execPath, [path.join(h.ROOT, 'lib', 'cli.js'), 'rpc', ...args], { timeout: 15000 },
          (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
      });
      const info = await cli('--socket', `${dir}/rpc.sock`, 'tls.info');
      assert.strictEqual(info.code, 0, info.stderr);
      assert.strictEqual(JSON.parse(info.stdout).max_connections, 2048);
      const table = await cli('--url', targets[1], '--table', 'tls.list');
      assert.strictEqual(table.code, 0, table.stderr);
      const [header, ...rows] = table.stdout.trimEnd().split('\n');
      assert.match(header, /^ID\s+GEN\s+STATE\s+PEER\s+LOCAL/);
      assert.ok(rows.some((r) => r.includes(`127.0.0.1:${established.socket.localPort}`) && /\bestablished\b/.test(r)), table.stdout);
      const set = await cli('--url', targets[0], 'cfg.set_now_int', 'tls', 'connection_timeout', 'i:150');
      assert.strictEqual(set.code, 0, set.stderr);
      assert.strictEqual((await cli('--url', targets[0], 'cfg.get', 'tls', 'connection_timeout')).stdout.trim(), '150');
      const fault = await cli('--url', targets[2], 'tls.kill', '999999');
      assert.strictEqual(fault.code, 1);
      assert.match(fault.stderr, /tls\.kill failed \(500\): TLS connection id not found/);
    });

    it('system.listMethods lists the tls and cfg methods', async () => {
      const methods = await callRpc(targets[2], 'system.listMethods');
      for (const m of ['tls.info', 'tls.list', 'tls.options', 'tls.reload', 'tls.kill', 'cfg.get', 'cfg.set_now_int', 'cfg.set_now_string']) {
        assert.ok(methods.includes(m), m);
      }
    });
  });
});
