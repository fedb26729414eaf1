'use strict';
// tls13_record_layer 1 end to end: after a TLS 1.3 handshake the transport runs the records
// itself, against openssl s_client / s_server (with their KeyUpdate commands), gnutls-cli
// (with its rekey commands) and node:tls.
const assert = require('node:assert');
const { TlsModule } = require('../../lib');
const { answer } = require('../../lib/sip-responder');
const { mallocInUse } = require('../../lib/native');
const h = require('./helpers');

const quiet = () => ({ log: () => undefined });
const ownCert = { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const answers = (output) => (output.match(/SIP\/2\.0 200 OK/g) ?? []).length;

describe('TLS 1.3 records run by sip-tls (tls13_record_layer)', function () {
  this.timeout(60000);
  const modules = [];
  const children = new h.Children();
  afterEach(async () => {
    for (const mod of modules.splice(0)) await mod.close();
    await children.stopAll();
  });

  async function server(params = {}) {
    const mod = new TlsModule({ params: { ...ownCert, ...params }, logger: quiet() });
    modules.push(mod);
    mod.on('message', (msg, c) => { const r = answer(msg); if (r) mod.send(c, r); });
    const [ep] = await mod.listen(['tls:127.0.0.1:0']);
    return { mod, port: ep.port };
  }

  it('serves openssl s_client before and after the KeyUpdates it sends (K asks for ours, k does not)', async () => {
    const { mod, port } = await server();
    const client = children.start('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', h.cert('ca.pem'), '-msg']);
    const keyUpdatesIn = () => (client.output.match(/<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/g) ?? []).length;
    const exchange = async (n) => {
      client.stdin.write(h.options(n));
      await h.waitFor(() => answers(client.output) === n, { what: `answer ${n} at s_client` });
    };
    await exchange(1);
    assert.deepStrictEqual(mod.connections().map((c) => c.records), ['sip-tls']);
    client.stdin.write('K\n');
    // Asked for one, the server's KeyUpdate comes back.
    await h.waitFor(() => keyUpdatesIn() === 1, { what: 'our KeyUpdate at s_client' });
    await exchange(2);
    client.stdin.write('k\n');
    await h.waitFor(() => (client.output.match(/KEYUPDATE/g) ?? []).length === 2, { what: 's_client sending k' });
    await exchange(3);
    assert.strictEqual(keyUpdatesIn(), 1, 'no KeyUpdate answers one that does not ask');
    assert.ok(client.output.includes('CSeq: 3 OPTIONS'));
  });

  it('connects to openssl s_server: reads past its tickets, follows its KeyUpdate and answers it', async () => {
    const port = await h.freePort();
    const server = children.start('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_3',
      '-cert', h.cert('server-rsa.pem'), '-key', h.cert('server-rsa.key'), '-msg']);
    await h.waitForPort(port);
    const mod = new TlsModule({ params: { ...ownCert, ca_list: h.cert('ca.pem'), verify_certificate: true }, logger: quiet() });
    modules.push(mod);
    const received = [];
    mod.on('message', (msg) => received.push(msg.toString()));
    const c = await mod.connect({ host: '127.0.0.1', port, serverName: 'server.test' });
    c.send(h.options(1));
    await h.waitFor(() => server.output.includes('Call-ID: call-1@test'), { what: 'the OPTIONS at s_server' });
    assert.deepStrictEqual(mod.connections().map((x) => x.records), ['sip-tls']);
    // s_server sent two session tickets after the handshake: the client dropped them unread.
    assert.strictEqual((server.output.match(/>>> TLS 1\.3, Handshake \[length [0-9a-f]{4}\], NewSessionTicket/g) ?? []).length, 2);
    server.stdin.write('K\n');
    await h.waitFor(() => /<<< TLS 1\.3, Handshake \[length 0005\], KeyUpdate/.test(server.output), { what: 'our KeyUpdate answering s_server\'s' });
    server.stdin.write(h.options(2));
    await h.waitFor(() => received.length === 1, { what: 'the message from s_server' });
    assert.ok(received[0].includes('Call-ID: call-2@test'));
    c.send(h.options(3));
    await h.waitFor(() => server.output.includes('Call-ID: call-3@test'), { what: 'the OPTIONS after the KeyUpdate' });
  });

  it('serves gnutls-cli through its rekeys (^rekey^ and ^rekey1^)', async () => {
    const { port } = await server();
    const client = children.start('gnutls-cli', ['--x509cafile', h.cert('ca.pem'), '--priority', 'NORMAL:-VERS-ALL:+VERS-TLS1.3',
      '--inline-commands', '-p', String(port), '127.0.0.1']);
    await h.waitFor(() => /Handshake was completed/.test(client.output), { what: 'the gnutls-cli handshake' });
    client.stdin.write(h.options(1));
    await h.waitFor(() => answers(client.output) === 1, { what: 'answer 1 at gnutls-cli' });
    for (const [n, command] of [[2, '^rekey^'], [3, '^rekey1^']]) {
      client.stdin.write(`${command}\n`);
      await sleep(200);
      client.stdin.write(h.options(n));
      await h.waitFor(() => answers(client.output) === n, { what: `answer ${n} after ${command}` });
    }
  });

  it('an idle connection lets its cipher contexts go and takes them back for the next message', async () => {
    const { port } = await server();
    const clients = [];
    for (let i = 0; i < 50; i++) clients.push(await h.sipClient(port));
    const exchange = async (n) => {
      for (const client of clients) client.write(h.options(n));
      await h.waitFor(() => clients.every((client) => client.messages.length === n), { what: `answers ${n}` });
    };
    await exchange(1);
    const active = mallocInUse();
    await sleep(3200);  // past the 1 s sweep and the 2 s of quiet before a connection hibernates
    const hibernating = mallocInUse();
    // Two expanded AES-GCM contexts (about 1 KiB each) per connection; the clients in this
    // process allocate nothing while idle.
    assert.ok(active - hibernating > 50 * 1024, `malloc in use fell by ${active - hibernating} bytes`);
    await exchange(2);
    assert.ok(mallocInUse() - hibernating > 50 * 1024, 'the contexts are made again');
    for (const client of clients) {
      assert.ok(client.messages[1].includes('CSeq: 2 OPTIONS'));
      client.destroy();
    }
  });

  it('tls13_record_layer 0 leaves the records to OpenSSL', async () => {
    const { mod, port } = await server({ tls13_record_layer: 0 });
    const client = await h.sipClient(port);
    client.write(h.options(1));
    await h.waitFor(() => client.messages.length === 1, { what: 'the answer' });
    assert.deepStrictEqual(mod.connections().map((c) => c.records), ['openssl']);
    client.destroy();
  });
});
