/**
 * A JSON-RPC fault as Kamailio's jsonrpcs sends it: `{"error":{"code":500,"message":"…"}}`.
 * Method handlers throw it; the protocol layer turns it into the reply.
 */
export class RpcFault extends Error {
  /** Kamailio uses HTTP-like codes (400 bad parameter, 500 failure); JSON-RPC's own are negative. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'RpcFault';
    this.code = code;
  }
}

/** JSON-RPC 2.0 error codes, with the messages jsonrpcs uses for them. */
export const PARSE_ERROR = { code: -32700, message: 'Parse Error' } as const;
export const INVALID_REQUEST = { code: -32600, message: 'Invalid Request' } as const;
