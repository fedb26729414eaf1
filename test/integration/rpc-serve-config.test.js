'use strict';
/** sip-tls serve refuses RPC endpoints it should not open, naming them. */
const assert = require('node:assert');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./rpc-helpers');

function serve(ini) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(h.ROOT, 'lib', 'cli.js'), 'serve', '-f', ini], { timeout: 15000 },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

describe('sip-tls serve: RPC endpoint checks', function () {
  this.timeout(30000);
  let dir;
  let tlsPort;
  beforeEach(async () => {
    dir = h.serveDir('sip-tls-rpc-cfg-');
    tlsPort = await h.freePort();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses a non-loopback RPC address without rpc_allow_remote, and exits', async () => {
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
      `listen = tls:127.0.0.1:${tlsPort}\nrpc = http:0.0.0.0:5062\n[tls]\nconfig = tls.cfg\n`);
    const r = await serve(path.join(dir, 'sip-tls.ini'));
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /rpc endpoint http:0\.0\.0\.0:5062 is not a loopback address.*rpc_allow_remote = yes/);
  });

  it('names the endpoint whose address is taken, and exits', async () => {
    const taken = await h.freePort();
    const blocker = require('node:net').createServer().listen(taken, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    try {
      fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
        `listen = tls:127.0.0.1:${tlsPort}\nrpc[] = unix:${dir}/rpc.sock\nrpc[] = http:127.0.0.1:${taken}\n[tls]\nconfig = tls.cfg\n`);
      const r = await serve(path.join(dir, 'sip-tls.ini'));
      assert.strictEqual(r.code, 1);
      assert.match(r.stderr, new RegExp(`rpc endpoint http:127\\.0\\.0\\.1:${taken}: .*EADDRINUSE`));
      assert.ok(!fs.existsSync(path.join(dir, 'rpc.sock')), 'the unix socket opened first is removed again');
    } finally {
      blocker.close();
    }
  });

  it('reports a bad rpc_allow_remote value with file and line', async () => {
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
      `listen = tls:127.0.0.1:${tlsPort}\nrpc = http:127.0.0.1:5062\nrpc_allow_remote = perhaps\n[tls]\nconfig = tls.cfg\n`);
    const r = await serve(path.join(dir, 'sip-tls.ini'));
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /sip-tls\.ini:3:\d+: rpc_allow_remote: expected yes or no, got 'perhaps'/);
  });
});
