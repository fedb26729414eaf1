'use strict';
// Kamailio 5.6 (tls.so) as a real peer: a SIP proxy relaying sipp's UDP OPTIONS to
// `sip-tls serve` over TLS, and a TLS server that sip-tls connects to as a client.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { TlsModule } = require('../../lib');
const { processTree } = require('../../lib/bench/proc-stats');
const h = require('./helpers');

const CLI = path.resolve(__dirname, '../../lib/cli.js');
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

// tcpChildren 1: Kamailio 5.6.3 with OpenSSL 3 frees OpenSSL's per-thread state twice when TLS
// connections of several TCP workers come and go quickly (kamailio/kamailio#3791; later versions
// add tls_threads_mode), and a worker aborts.
function kamailioCfg({ dir, udpPort, tlsPort, relayPort, tcpChildren = 2 }) {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=${tcpChildren}
enable_tls=yes
listen=udp:127.0.0.1:${udpPort}
listen=tls:127.0.0.1:${tlsPort}
mpath="${MODULES}"
loadmodule "tls.so"
loadmodule "sl.so"
loadmodule "tm.so"
loadmodule "pv.so"
loadmodule "textops.so"
modparam("tls", "config", "${dir}/tls.cfg")
request_route {
  if ($pr == "tls") {
    force_rport();
    if (is_method("OPTIONS")) { sl_send_reply("200", "OK from Kamailio"); }
    exit;
  }
  $du = "sip:127.0.0.1:${relayPort};transport=tls";
  t_relay();
}
`;
}

const KAMAILIO_TLS_CFG = `[server:default]
method = TLSv1.2+
certificate = ${h.cert('server-rsa.pem')}
private_key = ${h.cert('server-rsa.key')}

[client:default]
method = TLSv1.2+
verify_certificate = yes
require_certificate = yes
ca_list = ${h.cert('ca.pem')}
`;

const SIPP_OPTIONS = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="OPTIONS through Kamailio to sip-tls">
  <send>
    <![CDATA[

      OPTIONS sip:sip-tls@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:sip-tls@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" timeout="5000"/>
</scenario>
`;

describe('Kamailio 5.6 as a peer', function () {
  this.timeout(60000);
  const children = new h.Children();
  let ports;
  let dir;

  before(async () => {
    ports = { udpPort: await h.freeUdpPort(), tlsPort: await h.freePort(), relayPort: await h.freePort(), sippPort: await h.freeUdpPort() };
    dir = h.tmpDir('kamailio');
    fs.writeFileSync(path.join(dir, 'tls.cfg'), KAMAILIO_TLS_CFG);
    fs.writeFileSync(path.join(dir, 'kamailio.cfg'), kamailioCfg({ dir, ...ports }));
    fs.writeFileSync(path.join(dir, 'options.xml'), SIPP_OPTIONS);
    fs.writeFileSync(path.join(dir, 'serve.ini'), `listen = tls:127.0.0.1:${ports.relayPort}\n[tls]\n` +
      `certificate = ${h.cert('server-ecdsa.pem')}\nprivate_key = ${h.cert('server-ecdsa.key')}\n`);
    const kamailio = children.start('kamailio', ['-f', path.join(dir, 'kamailio.cfg'), '-DD', '-E', '-w', dir, '-Y', dir, '-m', '64', '-M', '8']);
    await h.waitForPort(ports.tlsPort).catch((err) => { throw new Error(`${err.message}\n${kamailio.output}`); });
  });
  after(() => children.stopAll());

  it('relays 200 sipp OPTIONS over TLS to sip-tls serve and every 200 OK comes back', async () => {
    const serve = children.start(process.execPath, [CLI, 'serve', '-f', path.join(dir, 'serve.ini')]);
    await h.waitFor(() => serve.output.includes('SIP over TLS on'), { what: 'sip-tls serve' });
    const r = await h.run('sipp', [`127.0.0.1:${ports.udpPort}`, '-sf', path.join(dir, 'options.xml'), '-m', '200', '-r', '100', '-l', '50',
      '-i', '127.0.0.1', '-p', String(ports.sippPort), '-nostdin', '-timeout', '40s'], { timeoutMs: 50000 });
    const successful = /Successful call\s*\|\s*\d+\s*\|\s*(\d+)/.exec(r.output);
    assert.strictEqual(r.code, 0, r.output.slice(-2000));
    assert.ok(successful && Number(successful[1]) === 200, r.output.slice(-2000));
  });

  it('is measured by sip-tls bench --target, its CPU and memory summed over its processes', async function () {
    this.timeout(150000);
    const benchDir = h.tmpDir('bench-kamailio');
    const tlsPort = await h.freePort();
    fs.writeFileSync(path.join(benchDir, 'tls.cfg'), KAMAILIO_TLS_CFG);
    fs.writeFileSync(path.join(benchDir, 'kamailio.cfg'),
      kamailioCfg({ dir: benchDir, udpPort: await h.freeUdpPort(), tlsPort, relayPort: ports.relayPort, tcpChildren: 1 }));
    const kamailio = children.start('kamailio', ['-f', path.join(benchDir, 'kamailio.cfg'), '-DD', '-E', '-w', benchDir, '-Y', benchDir,
      '-m', '256', '-M', '8']);
    await h.waitForPort(tlsPort).catch((err) => { throw new Error(`${err.message}\n${kamailio.output}`); });
    const out = path.join(benchDir, 'results');
    const r = await h.run(process.execPath, [CLI, 'bench', '--quick', '--no-baseline', '--no-sip-tls', '--only', 'handshakes,transactions,idle',
      '--target', `127.0.0.1:${tlsPort},pid=${kamailio.pid},name=kamailio`, '--out', out], { timeoutMs: 110000 });
    assert.strictEqual(r.code, 0, `${r.output.slice(-3000)}\nKamailio:\n${kamailio.output.slice(-3000)}`);
    const results = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
    const target = results.servers.find((s) => s.name === 'kamailio');
    assert.deepStrictEqual(target.errors, []);
    for (const [what, set] of [['handshakes', target.handshakes.own], ['transactions', target.transactions]]) {
      assert.ok(set.perCpuSecond.median > 0 && Number.isFinite(set.perCpuSecond.median), `${what} per CPU-s: ${set.perCpuSecond.median}`);
      assert.strictEqual(set.failures, 0, `${what}: ${set.firstError}`);
    }
    // Kamailio works in the children of the PID it was started as (TCP main, TCP and UDP workers,
    // timers): the figures above are summed over all of them.
    assert.ok(processTree(kamailio.pid).length > 4, `Kamailio runs as ${processTree(kamailio.pid).length} processes`);
    const [idle] = target.idle;
    assert.strictEqual(idle.opened.min, 1000);
    assert.ok(idle.bytesPerConnection.median > 1024, `${idle.bytesPerConnection.median} bytes per idle connection`);
  });

  it('connects as a TLS client to Kamailio and gets its 200 OK', async () => {
    const mod = new TlsModule({
      params: { certificate: h.cert('client.pem'), private_key: h.cert('client.key'), ca_list: h.cert('ca.pem'), verify_certificate: true },
      logger: { log() {} },
    });
    try {
      const got = [];
      mod.on('message', (m) => got.push(m.toString()));
      const c = await mod.connect({ host: '127.0.0.1', port: ports.tlsPort, serverName: 'server.test' });
      assert.strictEqual(c.isPeerVerified(), true);
      assert.strictEqual(c.facts.peer.subject.cn, 'server.test');
      c.send(h.options(1).replace('branch=', 'rport;branch='));
      await h.waitFor(() => got.length === 1, { what: "Kamailio's answer" });
      assert.match(got[0], /^SIP\/2\.0 200 OK from Kamailio\r\n/);
      assert.match(got[0], /\r\nCall-ID: call-1@test\r\n/);
    } finally {
      await mod.close();
    }
  });
});
