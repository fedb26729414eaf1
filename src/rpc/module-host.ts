/**
 * `RpcHost` over a `TlsModule`: the tls.* and cfg.* methods on a running module.
 * Reload: re-read `config`, build a complete generation, swap it in; any error leaves the
 * running generation untouched and becomes a 500 naming `file:line`.
 */
import { ConfigError } from '../config-error';
import type { TlsModule } from '../tls-module';
import { RpcFault } from './errors';
import type { ParamValue, RpcHost, TlsInfo, TlsListEntry } from './host';
import { cfgGet, cfgSet, tlsOptions } from './param-rpc';
import { createMethods } from './methods';
import { RpcServer } from './server';

export const RELOAD_OK = 'Ok. TLS configuration reloaded.';
export const NO_CONFIG = 'No TLS configuration file configured';

/** A reload error as `file:line: message` (Kamailio logs it; we answer with it). */
export function describeReloadError(err: unknown): string {
  if (err instanceof ConfigError) {
    return err.file ? `${err.file}:${err.line}: ${err.reason}` : err.reason;
  }
  return err instanceof Error ? err.message : String(err);
}

export class ModuleRpcHost implements RpcHost {
  constructor(private readonly module: TlsModule) {}

  info(): TlsInfo {
    const i = this.module.info();
    return {
      max_connections: i.max_connections,
      opened_connections: i.opened_connections,
      clear_text_write_queued_bytes: i.clear_text_write_queued_bytes,
      handshakes_done: i.handshakesDone,
      handshakes_failed: i.handshakeFailures + i.handshakeTimeouts,
      low_memory_refused: i.refusedLowMem1 + i.failedLowMem2,
      refused_max_connections: i.refusedMaxConnections,
      generation: i.generation,
      generations_alive: i.generations.length,
    };
  }

  list(): TlsListEntry[] {
    return this.module.connections();
  }

  options(): Record<string, ParamValue> {
    return tlsOptions(this.module.params);
  }

  async reload(): Promise<string> {
    if (!this.module.params.get('config')) throw new RpcFault(500, NO_CONFIG);
    try {
      this.module.reload();
    } catch (err) {
      throw new RpcFault(500, describeReloadError(err));
    }
    return RELOAD_OK;
  }

  kill(id: number): boolean {
    return this.module.kill(id, 'tls.kill');
  }

  cfgGet(group: string, name: string): ParamValue {
    return cfgGet(this.module.params, group, name);
  }

  cfgSet(group: string, name: string, value: ParamValue): void {
    cfgSet(this.module.params, group, name, value);
  }
}

/**
 * Serves the RPC of `module` on the endpoints of its sip-tls.ini (`rpc`, `rpc_allow_remote`).
 * @throws Error naming the endpoint that cannot be opened (nothing is left open then).
 */
export async function startModuleRpc(module: TlsModule): Promise<RpcServer> {
  const server = new RpcServer(createMethods(new ModuleRpcHost(module)), {
    endpoints: module.loaded.rpc,
    allowRemote: module.loaded.rpcAllowRemote,
  });
  await server.start();
  return server;
}
