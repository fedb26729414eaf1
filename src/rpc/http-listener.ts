/** JSON-RPC over HTTP POST (any path, as jsonrpcs' `jsonrpc_dispatch` behind xhttp). */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeReply, httpStatusOf } from './protocol';
import type { RpcListener, RequestHandler } from './transport';

/** Request bodies above this are refused with 413. */
const MAX_BODY_BYTES = 1 << 20;

export async function listenHttp(host: string, port: number, handle: RequestHandler): Promise<RpcListener> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST', 'Content-Type': 'text/plain' }).end('JSON-RPC: use POST\n');
      return;
    }
    // A client that goes away mid-request is no error of ours.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413, { 'Content-Type': 'text/plain', Connection: 'close' }).end('request too large\n');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      void handle(Buffer.concat(chunks).toString('utf8')).then((reply) => {
        const body = encodeReply(reply);
        res.writeHead(httpStatusOf(reply), {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        }).end(body);
      });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    endpoint: { kind: 'http', ip: host, port: bound.port },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
