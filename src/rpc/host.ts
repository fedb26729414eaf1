/**
 * The seam between the RPC methods and the TLS module they operate: `TlsModule` (or an adapter
 * around it) implements `RpcHost`, and the methods in `methods.ts` only ever talk to this.
 */

import type { ConnectionListEntry } from '../tls-module';

/** `tls.info`: Kamailio's three counters first, then ours. */
export interface TlsInfo {
  /** Core `tls_max_connections`. */
  max_connections: number;
  opened_connections: number;
  /** Clear text waiting in all connections' queues, bytes. */
  clear_text_write_queued_bytes: number;
  /** Handshakes completed, inbound (tls_accept) and outbound (tls_connect). */
  handshakes_done: number;
  handshakes_failed: number;
  /** Connections refused below `low_mem_threshold1`, or failed below `low_mem_threshold2`. */
  low_memory_refused: number;
  /** Connections refused at `tls_max_connections`. */
  refused_max_connections: number;
  /** Number of the generation new connections use. */
  generation: number;
  /** Generations still alive (the current one plus old ones with connections left). */
  generations_alive: number;
}

/** One `tls.list` entry, with Kamailio's field names: the transport's connection row. */
export type TlsListEntry = ConnectionListEntry;

/** A module parameter value as the RPC shows it. */
export type ParamValue = number | string;

export interface RpcHost {
  info(): TlsInfo;
  list(): TlsListEntry[];
  /** Every module parameter, Kamailio's `tls.options` fields first and in its order. */
  options(): Record<string, ParamValue>;
  /**
   * Re-reads `config`, builds a complete new generation and swaps it in; on any error keeps
   * the old one and rejects with an `RpcFault` (500, first error as `file:line: message`).
   * Resolves with the reply text ("Ok. TLS configuration reloaded.").
   */
  reload(): Promise<string>;
  /** Closes connection `id`. @return false when there is no such connection. */
  kill(id: number): boolean;
  /**
   * A parameter by its cfg group and name (`tls connection_timeout`, `tcp max_tls_connections`)
   * or, in group `tls`, by its module name. @throws RpcFault 400 for an unknown name.
   */
  cfgGet(group: string, name: string): ParamValue;
  /**
   * Sets a runtime-changeable parameter, validated as at start.
   * @throws RpcFault 400 naming the parameter when unknown, not runtime-changeable or invalid.
   */
  cfgSet(group: string, name: string, value: ParamValue): void;
}
