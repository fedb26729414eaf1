'use strict';
const assert = require('node:assert');
const { handleRequest, httpStatusOf } = require('../../lib/rpc/protocol');
const { createMethods } = require('../../lib/rpc/methods');
const { RpcFault } = require('../../lib/rpc/errors');

/** A host double: fixed answers, parameters in a map, reloads recorded. */
function fakeHost() {
  const params = new Map([['connection_timeout', 600], ['config', ''], ['tls_method', 'TLSv1.2+']]);
  const host = {
    reloads: [],
    reloadCount: 0,
    info: () => ({ max_connections: 2048, opened_connections: 1, clear_text_write_queued_bytes: 0,
      handshakes_done: 1, handshakes_failed: 0, low_memory_refused: 0, refused_max_connections: 0, generation: 1, generations_alive: 1 }),
    list: () => [],
    options: () => Object.fromEntries(params),
    reload: async () => {
      const n = host.reloadCount++;
      host.reloads.push(`start ${n}`);
      await new Promise((r) => setTimeout(r, 20));
      host.reloads.push(`end ${n}`);
      if (!params.get('config')) throw new RpcFault(500, 'No TLS configuration file configured');
      return 'Ok. TLS configuration reloaded.';
    },
    kill: (id) => id === 7,
    cfgGet: (group, name) => {
      if (!params.has(name)) throw new RpcFault(400, `Unknown parameter tls.${name}`);
      return params.get(name);
    },
    cfgSet: (group, name, value) => {
      if (name === 'tls_method') throw new RpcFault(400, 'tls.tls_method cannot be changed at runtime');
      if (name === 'connection_timeout' && typeof value !== 'number') throw new RpcFault(400, 'tls.connection_timeout: integer expected');
      params.set(name, value);
    },
  };
  return host;
}

const call = (methods, obj) => handleRequest(typeof obj === 'string' ? obj : JSON.stringify(obj), methods);

describe('rpc protocol: handleRequest()', () => {
  let host;
  let methods;
  beforeEach(() => { host = fakeHost(); methods = createMethods(host); });

  it('answers a request with result and the same id', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'tls.info', id: 1 });
    assert.deepStrictEqual(Object.keys(reply), ['jsonrpc', 'result', 'id']);
    assert.strictEqual(reply.id, 1);
    assert.strictEqual(reply.result.max_connections, 2048);
  });

  it('keeps a string id', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'tls.list', id: 'abc' });
    assert.strictEqual(reply.id, 'abc');
    assert.deepStrictEqual(reply.result, []);
  });

  it('gives Parse Error (-32700) for broken JSON', async () => {
    const reply = await call(methods, '{"jsonrpc":"2.0",');
    assert.deepStrictEqual(reply.error, { code: -32700, message: 'Parse Error' });
    assert.strictEqual(reply.id, null);
  });

  it('gives Invalid Request (-32600) without jsonrpc 2.0 or method', async () => {
    assert.strictEqual((await call(methods, { method: 'tls.info', id: 2 })).error.code, -32600);
    assert.strictEqual((await call(methods, { jsonrpc: '2.0', id: 2 })).error.code, -32600);
    assert.strictEqual((await call(methods, '[1,2]')).error.code, -32600);
  });

  it('gives 500 Method Not Found as jsonrpcs does', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'tls.nope', id: 3 });
    assert.deepStrictEqual(reply, { jsonrpc: '2.0', error: { code: 500, message: 'Method Not Found' }, id: 3 });
    assert.strictEqual(httpStatusOf(reply), 500);
  });

  it('reads kamcli-style string arguments as integers', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'cfg.set_now_int', params: ['tls', 'connection_timeout', '30'], id: 4 });
    assert.strictEqual(reply.error, undefined);
    const got = await call(methods, { jsonrpc: '2.0', method: 'cfg.get', params: ['tls', 'connection_timeout'], id: 5 });
    assert.strictEqual(got.result, 30);
  });

  it('accepts params by name', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'cfg.get', params: { group: 'tls', name: 'tls_method' }, id: 6 });
    assert.strictEqual(reply.result, 'TLSv1.2+');
  });

  it('faults 400 on a missing or non-integer parameter, naming it', async () => {
    const missing = await call(methods, { jsonrpc: '2.0', method: 'tls.kill', id: 7 });
    assert.strictEqual(missing.error.code, 400);
    assert.match(missing.error.message, /id/);
    const bad = await call(methods, { jsonrpc: '2.0', method: 'cfg.set_now_int', params: ['tls', 'connection_timeout', 'x'], id: 8 });
    assert.strictEqual(bad.error.code, 400);
    assert.match(bad.error.message, /integer/);
  });

  it('refuses a group other than tls', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'cfg.get', params: ['core', 'debug'], id: 9 });
    assert.strictEqual(reply.error.code, 400);
    assert.match(reply.error.message, /group 'core' \(groups: tls, tcp\)/);
  });

  it('passes the host\'s validation fault through', async () => {
    const reply = await call(methods, { jsonrpc: '2.0', method: 'cfg.set_now_string', params: ['tls', 'tls_method', 'TLSv1.3'], id: 10 });
    assert.deepStrictEqual(reply.error, { code: 400, message: 'tls.tls_method cannot be changed at runtime' });
  });

  it('tls.kill answers OK or "TLS connection id not found"', async () => {
    assert.strictEqual((await call(methods, { jsonrpc: '2.0', method: 'tls.kill', params: [7], id: 1 })).result, 'OK');
    const miss = await call(methods, { jsonrpc: '2.0', method: 'tls.kill', params: [8], id: 1 });
    assert.deepStrictEqual(miss.error, { code: 500, message: 'TLS connection id not found' });
  });

  it('runs overlapping tls.reload calls one after another', async () => {
    await call(methods, { jsonrpc: '2.0', method: 'cfg.set_now_string', params: ['tls', 'config', '/x/tls.cfg'], id: 1 });
    const replies = await Promise.all([1, 2, 3].map((id) => call(methods, { jsonrpc: '2.0', method: 'tls.reload', id })));
    assert.deepStrictEqual(replies.map((r) => r.result), Array(3).fill('Ok. TLS configuration reloaded.'));
    assert.deepStrictEqual(host.reloads, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('keeps serving reloads after one failed', async () => {
    const first = await call(methods, { jsonrpc: '2.0', method: 'tls.reload', id: 1 });
    assert.deepStrictEqual(first.error, { code: 500, message: 'No TLS configuration file configured' });
    await call(methods, { jsonrpc: '2.0', method: 'cfg.set_now_string', params: ['tls', 'config', '/x'], id: 2 });
    assert.strictEqual((await call(methods, { jsonrpc: '2.0', method: 'tls.reload', id: 3 })).result, 'Ok. TLS configuration reloaded.');
  });

  it('turns an unexpected exception into 500 Internal Error', async () => {
    host.list = () => { throw new Error('boom'); };
    const reply = await call(methods, { jsonrpc: '2.0', method: 'tls.list', id: 1 });
    assert.deepStrictEqual(reply.error, { code: 500, message: 'Internal Error: boom' });
  });

  it('system.listMethods names every method kamcli tls uses', async () => {
    const { result } = await call(methods, { jsonrpc: '2.0', method: 'system.listMethods', id: 1 });
    for (const m of ['tls.info', 'tls.list', 'tls.options', 'tls.reload', 'tls.kill', 'cfg.get', 'cfg.set_now_int', 'cfg.set_now_string']) {
      assert.ok(result.includes(m), m);
    }
  });

  it('system.gc runs the collector when node has --expose-gc (mocha runs with it)', async () => {
    assert.strictEqual(typeof global.gc, 'function');
    const { result } = await call(methods, { jsonrpc: '2.0', method: 'system.gc', id: 1 });
    assert.ok(result.rss > 0 && result.heapUsed > 0);
  });
});
