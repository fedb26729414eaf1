'use strict';
// A TlsModule inside a worker thread: serves, and the worker ends cleanly whether the module was
// closed first or the worker exits with a listener and a connection still open.
const assert = require('node:assert');
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const h = require('./helpers');

const LIB = path.resolve(__dirname, '../../lib');
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { TlsModule } = require(${JSON.stringify(LIB)});
const { answer } = require(${JSON.stringify(path.join(LIB, 'sip-responder'))});
const mod = new TlsModule({ params: workerData, logger: { log() {} } });
mod.on('message', (msg, c) => mod.send(c, answer(msg)));
mod.listen(['tls:127.0.0.1:0']).then(([ep]) => parentPort.postMessage(ep.port));
parentPort.on('message', (how) => {
  if (how === 'exit') process.exit(0);
  mod.close().then(() => parentPort.close());
});
`;

describe('TlsModule in a worker thread', function () {
  this.timeout(20000);
  for (const how of ['close', 'exit']) {
    it(`serves, then ends cleanly on ${how === 'close' ? 'close()' : 'process.exit() with connections open'}`, async () => {
      const worker = new Worker(WORKER, { eval: true, workerData: { certificate: h.cert('server-ecdsa.pem'), private_key: h.cert('server-ecdsa.key') } });
      const port = await new Promise((resolve) => worker.once('message', resolve));
      const client = await h.sipClient(port);
      client.write(h.options(1));
      await h.waitFor(() => client.messages.length === 1, { what: '200 OK from the worker' });
      assert.match(client.messages[0], /^SIP\/2\.0 200 OK/);
      worker.postMessage(how);
      assert.strictEqual(await new Promise((resolve) => worker.once('exit', resolve)), 0);
      client.destroy();
    });
  }
});
