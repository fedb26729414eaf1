/** JSON-RPC over UDP: one request per datagram, the reply sent back to the sender. */
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { encodeReply } from './protocol';
import { fitDatagram, type RpcListener, type RequestHandler } from './transport';

export async function listenUdp(host: string, port: number, handle: RequestHandler): Promise<RpcListener> {
  const socket = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
  socket.on('message', (msg, rinfo) => {
    void handle(msg.toString('utf8')).then((reply) => {
      const out = fitDatagram(reply, Buffer.from(encodeReply(reply)));
      socket.send(out, rinfo.port, rinfo.address, () => undefined);
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // A send to a vanished client reports ECONNREFUSED later; nothing to do about it.
  socket.on('error', () => undefined);
  return {
    endpoint: { kind: 'udp', ip: host, port: socket.address().port },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
