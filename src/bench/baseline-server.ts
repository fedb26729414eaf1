/**
 * The `node:tls` baseline: a minimal SIP OPTIONS responder on Node's own TLS stack, run as a
 * child process of the harness. Usage: node baseline-server.js CERT KEY [HOST] [PORT]
 */
import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { answerChunk, StreamState } from './sip-responder';
import { send, serveHarness } from './server-ipc';

function main(argv: string[]): void {
  const [certFile, keyFile, host = '127.0.0.1', port = '0'] = argv;
  if (!certFile || !keyFile) {
    process.stderr.write('usage: baseline-server CERT KEY [HOST] [PORT]\n');
    process.exit(2);
  }
  let connections = 0;
  const server = tls.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (socket) => {
    connections++;
    socket.setNoDelay(true);
    const state: StreamState = { pending: null };
    socket.on('data', (chunk: Buffer) => {
      try {
        const reply = answerChunk(state, chunk);
        if (reply !== null) socket.write(reply);
      } catch {
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => { connections--; });
  });
  // Clients that reset before or during the handshake are part of the load, not faults.
  server.on('tlsClientError', () => undefined);
  server.on('error', (err) => {
    send({ type: 'error', message: err.message });
    process.exit(1);
  });
  serveHarness(() => connections);
  server.listen(Number(port), host, 4096, () => {
    const address = server.address();
    send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0, name: 'node:tls' });
  });
}

main(process.argv.slice(2));
