import type { RpcEndpoint } from './endpoint';
import type { RpcReply } from './protocol';

/** Runs one request text and gives the reply (never rejects). */
export type RequestHandler = (text: string) => Promise<RpcReply>;

/** One listening RPC endpoint. */
export interface RpcListener {
  /** Where it listens, with the port the system chose when 0 was asked for. */
  readonly endpoint: RpcEndpoint;
  close(): Promise<void>;
}

/** Largest reply one datagram carries (jsonrpcs' buffer is 65456 bytes; kamcli reads 84000). */
export const MAX_DATAGRAM_REPLY = 65456;

/** A reply that does not fit a datagram becomes a fault saying so, with the same id. */
export function fitDatagram(reply: RpcReply, encoded: Buffer): Buffer {
  if (encoded.length <= MAX_DATAGRAM_REPLY) return encoded;
  const tooLarge: RpcReply = {
    jsonrpc: '2.0',
    error: {
      code: 500,
      message: `Reply of ${encoded.length} bytes does not fit a datagram (max ${MAX_DATAGRAM_REPLY}); use the HTTP endpoint`,
    },
  };
  if (reply.id !== undefined) tooLarge.id = reply.id;
  return Buffer.from(JSON.stringify(tooLarge));
}
