/**
 * JSON-RPC 2.0 as Kamailio's jsonrpcs speaks it: one request object per HTTP body or datagram,
 * always one reply (`{"jsonrpc":"2.0","result":…,"id":…}` or `{"jsonrpc":"2.0","error":
 * {"code":…,"message":"…"},"id":…}`), `id` echoed when the request had one.
 */
import { INVALID_REQUEST, PARSE_ERROR, RpcFault } from './errors';
import { RpcParams } from './params';

export interface RpcMethod {
  /** Parameter names, in positional order (also the keys of object-style params). */
  params: readonly string[];
  /** One line for `system.methodHelp`. */
  help: string;
  run(params: RpcParams): unknown;
}

export type MethodTable = ReadonlyMap<string, RpcMethod>;

export interface RpcReply {
  jsonrpc: '2.0';
  result?: unknown;
  error?: { code: number; message: string };
  id?: string | number | null;
}

/** The HTTP status jsonrpcs gives a reply: the fault code when it is one, else 200. */
export function httpStatusOf(reply: RpcReply): number {
  const code = reply.error?.code ?? 200;
  return code >= 400 && code <= 599 ? code : 200;
}

function fault(code: number, message: string, id: RpcReply['id']): RpcReply {
  const reply: RpcReply = { jsonrpc: '2.0', error: { code, message } };
  if (id !== undefined) reply.id = id;
  return reply;
}

/** Parses and runs one request; never throws (every failure becomes a fault reply). */
export async function handleRequest(text: string, methods: MethodTable): Promise<RpcReply> {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch {
    return fault(PARSE_ERROR.code, PARSE_ERROR.message, null);
  }
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    return fault(INVALID_REQUEST.code, INVALID_REQUEST.message, null);
  }
  const { jsonrpc, method, params, id: rawId } = request as Record<string, unknown>;
  const id = typeof rawId === 'string' || typeof rawId === 'number' || rawId === null ? rawId : undefined;
  if (jsonrpc !== '2.0' || typeof method !== 'string') {
    return fault(INVALID_REQUEST.code, INVALID_REQUEST.message, id ?? null);
  }
  const entry = methods.get(method);
  if (!entry) return fault(500, 'Method Not Found', id);
  try {
    const result = await entry.run(new RpcParams(params, entry.params));
    const reply: RpcReply = { jsonrpc: '2.0', result: result === undefined ? null : result };
    if (id !== undefined) reply.id = id;
    return reply;
  } catch (err) {
    if (err instanceof RpcFault) return fault(err.code, err.message, id);
    return fault(500, `Internal Error: ${err instanceof Error ? err.message : String(err)}`, id);
  }
}

/** Serialises a reply; kamcli and curl both read it as one line of JSON. */
export function encodeReply(reply: RpcReply): string {
  return JSON.stringify(reply);
}
