/**
 * JSON-RPC over a unix datagram socket, as jsonrpcs' `dgram_socket`: the client binds its own
 * socket (kamcli: `rcvaddr`.PID), sends one request, and the reply goes back to that path.
 */
import * as fs from 'node:fs';
import { encodeReply } from './protocol';
import { fitDatagram, type RpcListener, type RequestHandler } from './transport';
import { UnixDgramSocket } from './unix-dgram-socket';

/** Owner and group may read and write, as jsonrpcs' default `dgram_mode` (0660). */
const SOCKET_MODE = 0o660;

/** Removes a stale socket file left by an earlier run; refuses to remove anything else. */
function removeStaleSocket(path: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Error(`rpc endpoint unix:${path}: the path exists and is not a socket`);
  fs.unlinkSync(path);
}

export async function listenUnix(path: string, handle: RequestHandler): Promise<RpcListener> {
  removeStaleSocket(path);
  const socket = new UnixDgramSocket((data, from) => {
    void handle(data.toString('utf8')).then((reply) => {
      if (!from) return; // an unbound sender cannot be answered
      try {
        socket.send(fitDatagram(reply, Buffer.from(encodeReply(reply))), from);
      } catch {
        // The client is gone or its queue is full; jsonrpcs drops the reply too.
      }
    });
  });
  try {
    socket.bind(path);
    fs.chmodSync(path, SOCKET_MODE);
  } catch (err) {
    socket.close();
    throw new Error(`rpc endpoint unix:${path}: ${(err as Error).message}`);
  }
  return {
    endpoint: { kind: 'unix', path },
    close: async () => {
      socket.close();
      fs.rmSync(path, { force: true });
    },
  };
}
