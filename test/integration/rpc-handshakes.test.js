'use strict';
// tls.info's handshakes_done counts every completed handshake: accepted (tls_accept) and
// opened by connect() (tls_connect) alike; failed ones go to handshakes_failed.
const assert = require('node:assert');
const { TlsModule, ModuleRpcHost } = require('../../lib');
const h = require('./helpers');

const logger = { log() {} };

describe('tls.info handshakes_done', function () {
  this.timeout(30000);
  const open = [];
  afterEach(async () => {
    for (const m of open.splice(0)) await m.close();
  });

  it('counts outbound handshakes as well as inbound ones', async () => {
    const server = new TlsModule({ params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') }, logger });
    open.push(server);
    const [ep] = await server.listen(['tls:127.0.0.1:0']);
    const client = new TlsModule({ params: { ca_list: h.cert('ca.pem'), certificate: h.cert('client.pem'), private_key: h.cert('client.key') }, logger });
    open.push(client);
    const serverInfo = new ModuleRpcHost(server);
    const clientInfo = new ModuleRpcHost(client);
    assert.strictEqual(clientInfo.info().handshakes_done, 0);

    await client.connect({ host: '127.0.0.1', port: ep.port });
    await client.connect({ host: '127.0.0.1', port: ep.port });
    await h.waitFor(() => serverInfo.info().handshakes_done === 2);
    assert.strictEqual(clientInfo.info().handshakes_done, 2);
    assert.strictEqual(clientInfo.info().handshakes_failed, 0);
  });

  it('does not count a handshake that failed', async () => {
    const server = new TlsModule({ params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key'), verify_client: 'on', ca_list: h.cert('ca.pem') }, logger });
    open.push(server);
    const [ep] = await server.listen(['tls:127.0.0.1:0']);
    const client = new TlsModule({ params: { ca_list: h.cert('ca.pem'), certificate: h.cert('client-selfsigned.pem'), private_key: h.cert('client-selfsigned.key'), tls_method: 'TLSv1.2' }, logger });
    open.push(client);
    await assert.rejects(client.connect({ host: '127.0.0.1', port: ep.port }));
    const serverInfo = new ModuleRpcHost(server);
    await h.waitFor(() => serverInfo.info().handshakes_failed === 1);
    assert.strictEqual(serverInfo.info().handshakes_done, 0);
    assert.strictEqual(new ModuleRpcHost(client).info().handshakes_done, 0);
  });
});
