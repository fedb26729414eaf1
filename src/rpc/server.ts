/**
 * The RPC server: one method table served on every configured endpoint (HTTP, UDP, unix
 * datagram), loopback-only unless remote access is allowed.
 */
import { checkEndpointExposure, formatRpcEndpoint, type RpcEndpoint } from './endpoint';
import { listenHttp } from './http-listener';
import { handleRequest, type MethodTable } from './protocol';
import type { RpcListener, RequestHandler } from './transport';
import { listenUdp } from './udp-listener';
import { listenUnix } from './unix-listener';

export interface RpcServerOptions {
  endpoints: RpcEndpoint[];
  /** Allow non-loopback HTTP/UDP addresses (`rpc_allow_remote`). Default false. */
  allowRemote?: boolean;
}

export class RpcServer {
  private listeners: RpcListener[] = [];
  private readonly handle: RequestHandler;

  constructor(methods: MethodTable, private readonly options: RpcServerOptions) {
    this.handle = (text) => handleRequest(text, methods);
  }

  /**
   * Opens every endpoint. If one fails, those already open are closed again.
   * @throws Error naming the endpoint (exposure refused, address in use, …).
   */
  async start(): Promise<void> {
    for (const e of this.options.endpoints) checkEndpointExposure(e, this.options.allowRemote ?? false);
    try {
      for (const e of this.options.endpoints) this.listeners.push(await this.open(e));
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async open(e: RpcEndpoint): Promise<RpcListener> {
    try {
      if (e.kind === 'unix') return await listenUnix(e.path, this.handle);
      if (e.kind === 'udp') return await listenUdp(e.ip, e.port, this.handle);
      return await listenHttp(e.ip, e.port, this.handle);
    } catch (err) {
      const msg = (err as Error).message;
      throw new Error(msg.startsWith('rpc endpoint') ? msg : `rpc endpoint ${formatRpcEndpoint(e)}: ${msg}`);
    }
  }

  /** The endpoints listening now, ports resolved. */
  get endpoints(): RpcEndpoint[] {
    return this.listeners.map((l) => l.endpoint);
  }

  async close(): Promise<void> {
    const open = this.listeners;
    this.listeners = [];
    await Promise.all(open.map((l) => l.close()));
  }
}
