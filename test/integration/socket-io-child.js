'use strict';
// A TlsModule answering OPTIONS in its own process, for tests that change its environment
// (SIP_TLS_IO_URING) or its limits (ulimit -n). Sends { port } once listening; answers
// { type: 'stats' } with the module's info(); exits on { type: 'stop' } or when the parent goes.
const { TlsModule } = require('../../lib');
const { answer } = require('../../lib/sip-responder');
const h = require('./helpers');

const mod = new TlsModule({
  params: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key'), tls_max_connections: 5000 },
  logger: { log: () => undefined },
});
mod.on('message', (msg, c) => { const r = answer(msg); if (r) mod.send(c, r); });
mod.listen(['tls:127.0.0.1:0']).then(([ep]) => process.send({ port: ep.port }));
process.on('message', (m) => {
  if (m.type === 'stats') process.send({ stats: mod.info() });
  if (m.type === 'stop') mod.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
