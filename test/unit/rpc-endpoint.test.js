'use strict';
const assert = require('node:assert');
const { parseRpcEndpoint, checkEndpointExposure, isLoopback, formatRpcEndpoint } = require('../../lib/rpc/endpoint');

describe('rpc endpoints: parseRpcEndpoint()', () => {
  it('parses http, udp (IPv4 and bracketed IPv6) and unix endpoints', () => {
    assert.deepStrictEqual(parseRpcEndpoint('http:127.0.0.1:5062'), { kind: 'http', ip: '127.0.0.1', port: 5062 });
    assert.deepStrictEqual(parseRpcEndpoint('udp:[::1]:5063'), { kind: 'udp', ip: '::1', port: 5063 });
    assert.deepStrictEqual(parseRpcEndpoint('unix:run/rpc.sock', '/etc/sip-tls'), { kind: 'unix', path: '/etc/sip-tls/run/rpc.sock' });
  });

  it('rejects malformed endpoints with the endpoint in the message', () => {
    assert.throws(() => parseRpcEndpoint('tcp:127.0.0.1:1'), /'tcp:127.0.0.1:1': expected http:IP:PORT/);
    assert.throws(() => parseRpcEndpoint('http:127.0.0.1'), /expected http:IP:PORT/);
    assert.throws(() => parseRpcEndpoint('udp:300.1.1.1:5'), /invalid IPv4 address/);
    assert.throws(() => parseRpcEndpoint('http:127.0.0.1:70000'), /port 70000 out of range/);
    assert.throws(() => parseRpcEndpoint(`unix:/${'x'.repeat(120)}`), /longer than 107 bytes/);
    assert.throws(() => parseRpcEndpoint('unix:'), /path missing/);
  });

  it('round-trips through formatRpcEndpoint()', () => {
    for (const s of ['http:127.0.0.1:5062', 'udp:[::1]:5063', 'unix:/run/x.sock']) {
      assert.strictEqual(formatRpcEndpoint(parseRpcEndpoint(s)), s);
    }
  });
});

describe('rpc endpoints: loopback only unless allowed', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1']) assert.ok(!isLoopback(h), h);
  });

  it('refuses a non-loopback endpoint with a clear error, and allows it when asked', () => {
    const e = parseRpcEndpoint('http:0.0.0.0:5062');
    assert.throws(() => checkEndpointExposure(e, false), /http:0\.0\.0\.0:5062 is not a loopback address.*rpc_allow_remote = yes/);
    assert.doesNotThrow(() => checkEndpointExposure(e, true));
    assert.doesNotThrow(() => checkEndpointExposure(parseRpcEndpoint('unix:/tmp/x.sock'), false));
  });
});

describe('sip-tls.ini: rpc_allow_remote', () => {
  const { readMainConfig } = require('../../lib/main-config');
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const withIni = (text, fn) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-ini-'));
    try {
      fs.writeFileSync(path.join(dir, 'sip-tls.ini'), text);
      return fn(path.join(dir, 'sip-tls.ini'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('is off by default and read as a boolean word', () => {
    assert.strictEqual(withIni('rpc = http:127.0.0.1:5062\n', readMainConfig).rpcAllowRemote, false);
    assert.strictEqual(withIni('rpc = http:0.0.0.0:5062\nrpc_allow_remote = yes\n', readMainConfig).rpcAllowRemote, true);
  });

  it('names the file and line of a bad value', () => {
    withIni('rpc = http:127.0.0.1:5062\nrpc_allow_remote = maybe\n', (file) => {
      assert.throws(() => readMainConfig(file), (e) => e.message.startsWith(`${file}:2:`) && /rpc_allow_remote: expected yes or no/.test(e.message));
    });
  });
});
