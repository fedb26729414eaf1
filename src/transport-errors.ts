/**
 * The transport's own `ERR_TLS_*` codes (library `sip-tls`), in addition to those of
 * `errors.ts`, and the error a failed send or connect throws.
 */
import { TlsError } from './errors';

export const TRANSPORT_ERROR_CODES = {
  /** A send while the handshake is pending would pass `con_ct_wq_max` or `ct_wq_max`. */
  ERR_TLS_CT_WQ_FULL: 'ERR_TLS_CT_WQ_FULL',
  /** A send on an established connection would pass its write queue (the peer does not read). */
  ERR_TLS_WRITE_QUEUE_FULL: 'ERR_TLS_WRITE_QUEUE_FULL',
  /** Below `low_mem_threshold1` (connect refused) or `low_mem_threshold2` (send/read failed). */
  ERR_TLS_LOW_MEMORY: 'ERR_TLS_LOW_MEMORY',
  /** No open connection with that id. */
  ERR_TLS_CONNECTION_CLOSED: 'ERR_TLS_CONNECTION_CLOSED',
  /** The module was closed. */
  ERR_TLS_MODULE_CLOSED: 'ERR_TLS_MODULE_CLOSED',
  /** The peer sent bytes that are not SIP, a message without Content-Length, or one over max_message_size. */
  ERR_TLS_SIP_FRAMING: 'ERR_TLS_SIP_FRAMING',
  /** The peer closed TCP without close_notify. */
  ERR_TLS_PEER_EOF: 'ERR_TLS_PEER_EOF',
  /** Idle longer than `connection_timeout`. */
  ERR_TLS_IDLE_TIMEOUT: 'ERR_TLS_IDLE_TIMEOUT',
  /** TCP connect or TLS handshake longer than `tcp_connect_timeout`. */
  ERR_TLS_CONNECT_TIMEOUT: 'ERR_TLS_CONNECT_TIMEOUT',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'ERR_TLS_HANDSHAKE_TIMEOUT',
  /** Queued data not taken by the peer within `tcp_send_timeout`. */
  ERR_TLS_SEND_TIMEOUT: 'ERR_TLS_SEND_TIMEOUT',
  /** connection-out called drop(). */
  ERR_TLS_DROPPED: 'ERR_TLS_DROPPED',
  /** A listen or connect address that is not an IP literal. */
  ERR_TLS_INVALID_ADDRESS: 'ERR_TLS_INVALID_ADDRESS',
  /** The connection was not in the state the call needs (e.g. resume without an SNI pause). */
  ERR_TLS_INVALID_STATE: 'ERR_TLS_INVALID_STATE',
  /** accept() failed on a listen socket. */
  ERR_TLS_ACCEPT: 'ERR_TLS_ACCEPT',
} as const;
export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

/** An error of the transport: `code` is one of the above, libuv's (`ECONNREFUSED`) or OpenSSL's. */
export class TlsTransportError extends TlsError {
  constructor(code: string, message: string) {
    super({ code, library: 'sip-tls', reason: message, message });
    this.name = 'TlsTransportError';
  }
}
