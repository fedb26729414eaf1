'use strict';
// Kamailio 5.6 (tls.so) as a real peer: a SIP proxy relaying sipp's UDP OPTIONS to
// `sip-tls serve` over TLS, and a TLS server that sip-tls connects to as a client.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { TlsModule } = require('../../lib');
const h = require('./helpers');

const CLI = path.resolve(__dirname, '../../lib/cli.js');
const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules/';

function kamailioCfg({ dir, udpPort, tlsPort, relayPort }) {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=2
tcp_children=2
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
