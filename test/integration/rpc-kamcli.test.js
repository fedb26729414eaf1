'use strict';
/** kamcli, unchanged, drives sip-tls serve through the unix datagram endpoint. */
const assert = require('node:assert');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./rpc-helpers');

/** Runs kamcli with only our config file; resolves with the JSON it printed. */
function kamcli(config, ...args) {
  return new Promise((resolve, reject) => {
    execFile('kamcli', ['--no-default-configs', '-c', config, ...args], { timeout: 15000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kamcli ${args.join(' ')}: ${err.message}\n${stderr}`));
      const text = stdout.trim();
      if (!text.startsWith('{')) return reject(new Error(`kamcli ${args.join(' ')} printed no reply:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(text));
    });
  });
}

describe('kamcli tls … against sip-tls serve', function () {
  this.timeout(60000);
  let dir;
  let server;
  let config;
  let client;
  let tlsPort;

  before(async () => {
    dir = h.serveDir('sip-tls-kamcli-');
    tlsPort = await h.freePort();
    fs.writeFileSync(path.join(dir, 'sip-tls.ini'),
      `listen = tls:127.0.0.1:${tlsPort}\nrpc = unix:${dir}/rpc.sock\n[tls]\nconfig = tls.cfg\n`);
    config = path.join(dir, 'kamcli.ini');
    fs.writeFileSync(config, [
      '[jsonrpc]', 'transport=socket', `srvaddr=${dir}/rpc.sock`, `rcvaddr=${dir}/kamcli_reply.sock`, 'outformat=json', '',
    ].join('\n'));
    server = await h.startServe(path.join(dir, 'sip-tls.ini'), `unix:${dir}/rpc.sock`);
    client = await new h.OptionsLoop(tlsPort, 1).connect();
  });

  after(async () => {
    client?.socket.destroy();
    await h.stopServe(server);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kamcli tls info', async () => {
    const { result } = await kamcli(config, 'tls', 'info');
    assert.strictEqual(result.max_connections, 2048);
    assert.ok(result.opened_connections >= 1);
    assert.strictEqual(typeof result.clear_text_write_queued_bytes, 'number');
  });

  it('kamcli tls conlist', async () => {
    const { result } = await kamcli(config, 'tls', 'conlist');
    const mine = result.find((e) => e.src_port === client.socket.localPort);
    assert.ok(mine, JSON.stringify(result));
    assert.strictEqual(mine.state, 'established');
    assert.strictEqual(mine.dst_port, tlsPort);
  });

  it('kamcli tls cfgoptions', async () => {
    const { result } = await kamcli(config, 'tls', 'cfgoptions');
    assert.strictEqual(Object.keys(result)[0], 'force_run');
    assert.strictEqual(result.config, path.join(dir, 'tls.cfg'));
  });

  it('kamcli tls cfgreload', async () => {
    const reply = await kamcli(config, 'tls', 'cfgreload');
    assert.strictEqual(reply.result, 'Ok. TLS configuration reloaded.');
    assert.ok(!fs.readdirSync(dir).some((f) => f.startsWith('kamcli_reply.sock')), 'kamcli removed its reply socket');
  });
});
