/**
 * The seam between the RPC methods and the TLS module they operate: `TlsModule` (or an adapter
 * around it) implements `RpcHost`, and the methods in `methods.ts` only ever talk to this.
 */

/** `tls.info`: Kamailio's three counters first, then ours. */
export interface TlsInfo {
  /** Core `tls_max_connections`. */
  max_connections: number;
  opened_connections: number;
  /** Clear text waiting in all connections' queues, bytes. */
  clear_text_write_queued_bytes: number;
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

/** One `tls.list` entry, with Kamailio's field names. */
export interface TlsListEntry {
  id: number;
  /** Initial profile name, e.g. `TLSs<default>`, or "N/A". */
  dom: string;
  /** SNI received, or "N/A". */
  sni: string;
  /** Creation, local time "YYYY-MM-DD HH:MM:SS". */
  timestamp: string;
  /** Seconds until the idle timeout closes the connection; may be negative. */
  timeout: number;
  /** The peer (client for inbound, remote server for outbound). */
  src_ip: string;
  src_port: number;
  /** The local side. */
  dst_ip: string;
  dst_port: number;
  /** `SSL_CIPHER_description` text ending in "\n"; "" before the handshake. */
  cipher: string;
  /** Queued clear text, bytes. */
  ct_wq_size: number;
  /** Saved undecrypted input, bytes. */
  enc_rd_buf: number;
  /** 1 WR_WANTS_RD, 2 HANDSHAKED, 4 RENEGOTIATION. */
  flags: number;
  /** `none/init`, `tls_accept`, `tls_connect`, `established`, `unknown/error` or `pre-init`. */
  state: string;
  /** The configuration generation this connection was set up with. */
  generation: number;
}

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
