'use strict';
const assert = require('node:assert');
const { checkEndpointExposure, isLoopback, formatRpcEndpoint } = require('../../lib/rpc/endpoint');
const { parseRpc } = require('../../lib/main-config');

const parseRpcEndpoint = (spec) => parseRpc(spec, process.cwd());

describe('rpc endpoints: formatRpcEndpoint()', () => {
  it('writes endpoints back as sip-tls.ini has them', () => {
    for (const s of ['http:127.0.0.1:5062', 'udp:[::1]:5063', 'unix:/run/x.sock']) {
      assert.strictEqual(formatRpcEndpoint(parseRpcEndpoint(s)), s);
    }
  });
});

describe('rpc endpoints: loopback only unless allowed', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(h), h);
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
