/**
 * Errors that cross from the addon as values, and the `ERR_TLS_*` codes of our own.
 * OpenSSL's codes are built the way Node builds them: `ERR_SSL_<REASON>` for libssl,
 * `ERR_OSSL_<LIB>_<REASON>` or `ERR_OSSL_<REASON>` for libcrypto (reason upper-cased, spaces to `_`).
 */

/** Our own codes (library `sip-tls`). */
export const TLS_ERROR_CODES = {
  /** A file named by a parameter cannot be opened (missing, no permission, not a directory). */
  ERR_TLS_FILE_UNREADABLE: 'ERR_TLS_FILE_UNREADABLE',
  /** `certificate`/`certificate2` holds no usable certificate chain. */
  ERR_TLS_CERTIFICATE_INVALID: 'ERR_TLS_CERTIFICATE_INVALID',
  /** The private key cannot be read (not PEM, damaged). */
  ERR_TLS_KEY_INVALID: 'ERR_TLS_KEY_INVALID',
  /** No `private_key` and no key in the certificate file. */
  ERR_TLS_KEY_MISSING: 'ERR_TLS_KEY_MISSING',
  /** `private_key` set without `certificate`. */
  ERR_TLS_KEY_WITHOUT_CERTIFICATE: 'ERR_TLS_KEY_WITHOUT_CERTIFICATE',
  /** The private key does not belong to the certificate. */
  ERR_TLS_KEY_MISMATCH: 'ERR_TLS_KEY_MISMATCH',
  /** The key is encrypted and `private_key_password` is not set (we never prompt). */
  ERR_TLS_KEY_PASSWORD_MISSING: 'ERR_TLS_KEY_PASSWORD_MISSING',
  /** `private_key_password` does not decrypt the key. */
  ERR_TLS_KEY_PASSWORD_WRONG: 'ERR_TLS_KEY_PASSWORD_WRONG',
  /** A `/engine:` or `/uri:` key reference without the HSM support built in. */
  ERR_TLS_ENGINE_KEY_UNSUPPORTED: 'ERR_TLS_ENGINE_KEY_UNSUPPORTED',
  /** A `/engine:` key while the `engine` parameter is NONE. */
  ERR_TLS_ENGINE_NOT_LOADED: 'ERR_TLS_ENGINE_NOT_LOADED',
  /** The HSM refused the PIN (wrong, missing, locked); sip-tls never retries a PIN. */
  ERR_TLS_HSM_PIN: 'ERR_TLS_HSM_PIN',
  /** No key with that label, id or token in the HSM, or nothing at the `/uri:` URI. */
  ERR_TLS_HSM_KEY_NOT_FOUND: 'ERR_TLS_HSM_KEY_NOT_FOUND',
  /** The HSM token or device is unreachable (removed, device error, session lost). */
  ERR_TLS_HSM_UNAVAILABLE: 'ERR_TLS_HSM_UNAVAILABLE',
  /** An HSM key could not be loaded for another reason (the OpenSSL errors say which). */
  ERR_TLS_HSM_KEY_LOAD: 'ERR_TLS_HSM_KEY_LOAD',
  /** `ca_list`/`ca_path` holds no usable CA. */
  ERR_TLS_CA_INVALID: 'ERR_TLS_CA_INVALID',
  /** `crl` holds no CRL. */
  ERR_TLS_CRL_INVALID: 'ERR_TLS_CRL_INVALID',
  /** `cipher_list` selects no cipher. */
  ERR_TLS_CIPHER_LIST_INVALID: 'ERR_TLS_CIPHER_LIST_INVALID',
  /** `tls_method` SSLv2 or SSLv3. */
  ERR_TLS_METHOD_UNSUPPORTED: 'ERR_TLS_METHOD_UNSUPPORTED',
  /** `tls_method` is not one of the guide's values. */
  ERR_TLS_INVALID_METHOD: 'ERR_TLS_INVALID_METHOD',
  /** `ssl_max_send_fragment` outside -1 or 512..16384. */
  ERR_TLS_INVALID_MAX_SEND_FRAGMENT: 'ERR_TLS_INVALID_MAX_SEND_FRAGMENT',
  /** `verify_depth` below 0. */
  ERR_TLS_INVALID_VERIFY_DEPTH: 'ERR_TLS_INVALID_VERIFY_DEPTH',
  /** A parameter of the wrong type or outside its values (checked in TS). */
  ERR_TLS_INVALID_PARAMETER: 'ERR_TLS_INVALID_PARAMETER',
  /** `ssl_release_buffers` outside -1, 0, 1. */
  ERR_TLS_INVALID_RELEASE_BUFFERS: 'ERR_TLS_INVALID_RELEASE_BUFFERS',
  /** OpenSSL could not make the SSL_CTX. */
  ERR_TLS_CONTEXT_FAILED: 'ERR_TLS_CONTEXT_FAILED',
  /** `setContext()` outside ClientHello / before the handshake, or across threads. */
  ERR_TLS_CONTEXT_SWITCH_STATE: 'ERR_TLS_CONTEXT_SWITCH_STATE',
  /** OpenSSL refused the new context's settings during a switch. */
  ERR_TLS_CONTEXT_SWITCH_FAILED: 'ERR_TLS_CONTEXT_SWITCH_FAILED',
  /** OpenSSL could not make the SSL of a session. */
  ERR_TLS_SESSION_FAILED: 'ERR_TLS_SESSION_FAILED',
  /** The session was closed. */
  ERR_TLS_SESSION_CLOSED: 'ERR_TLS_SESSION_CLOSED',
  /** The SNI to send is refused by OpenSSL. */
  ERR_TLS_INVALID_SERVER_NAME: 'ERR_TLS_INVALID_SERVER_NAME',
  /** The handshake failed without an OpenSSL reason. */
  ERR_TLS_HANDSHAKE_FAILED: 'ERR_TLS_HANDSHAKE_FAILED',
  /** The peer sent close_notify before the handshake ended. */
  ERR_TLS_HANDSHAKE_CLOSED: 'ERR_TLS_HANDSHAKE_CLOSED',
  /** `keylog_file` cannot be opened for appending (keylog_mode 8). */
  ERR_TLS_KEYLOG_FILE: 'ERR_TLS_KEYLOG_FILE',
  /** `keylog_peer` is not a usable udp:IP:PORT (keylog_mode 16). */
  ERR_TLS_KEYLOG_PEER: 'ERR_TLS_KEYLOG_PEER',
  /** The server certificate does not name the SIP identity expected (RFC 5922, `tls_identity_check`). */
  ERR_TLS_IDENTITY_MISMATCH: 'ERR_TLS_IDENTITY_MISMATCH',
  /** SSL_read / SSL_write / SSL_shutdown failed without an OpenSSL reason. */
  ERR_TLS_READ_FAILED: 'ERR_TLS_READ_FAILED',
  ERR_TLS_WRITE_FAILED: 'ERR_TLS_WRITE_FAILED',
  ERR_TLS_SHUTDOWN_FAILED: 'ERR_TLS_SHUTDOWN_FAILED',
  /** A write after our close_notify. */
  ERR_TLS_WRITE_AFTER_SHUTDOWN: 'ERR_TLS_WRITE_AFTER_SHUTDOWN',
  /** Renegotiation asked for while `renegotiation` is off on our side. */
  ERR_TLS_RENEGOTIATION_REFUSED: 'ERR_TLS_RENEGOTIATION_REFUSED',
  ERR_TLS_RENEGOTIATION_FAILED: 'ERR_TLS_RENEGOTIATION_FAILED',
  /** KeyUpdate on a connection below TLS 1.3, or refused by OpenSSL. */
  ERR_TLS_KEY_UPDATE_UNSUPPORTED: 'ERR_TLS_KEY_UPDATE_UNSUPPORTED',
  ERR_TLS_KEY_UPDATE_FAILED: 'ERR_TLS_KEY_UPDATE_FAILED',
  /** A buffer block could not be allocated. */
  ERR_TLS_OUT_OF_MEMORY: 'ERR_TLS_OUT_OF_MEMORY',
  /** The TLS 1.3 record layer run in sip-tls cannot derive its keys (tls13_record_layer). */
  ERR_TLS_RECORD_KEYS: 'ERR_TLS_RECORD_KEYS',
  /** OpenSSL refused to encrypt a TLS 1.3 record of the record layer run in sip-tls. */
  ERR_TLS_RECORD_ENCRYPT: 'ERR_TLS_RECORD_ENCRYPT',
  /** A connection's record sequence number would wrap (2^64 records): it is closed instead. */
  ERR_TLS_RECORD_SEQUENCE: 'ERR_TLS_RECORD_SEQUENCE',
  /** Built for one OpenSSL series, running on another, `tls_force_run` unset. */
  ERR_TLS_OPENSSL_VERSION_MISMATCH: 'ERR_TLS_OPENSSL_VERSION_MISMATCH',
  // The transport (TlsModule, native/tls_connection.cc):
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
export type TlsErrorCode = keyof typeof TLS_ERROR_CODES;

/** The plain error value the addon returns (see native/error_value.h). */
export interface TlsErrorInfo {
  /** `ERR_SSL_*`, `ERR_OSSL_*` (OpenSSL, as Node names them) or `ERR_TLS_*` (ours). */
  code: string;
  /** OpenSSL's library name ("SSL routines") or "sip-tls". */
  library: string;
  /** OpenSSL's reason text, or ours. */
  reason: string;
  /** One line: reason, parameter and file. */
  message: string;
  /** The file at fault, if any. */
  file?: string;
  /** The Kamailio parameter at fault (`private_key`, `ca_list`, …), if any. */
  parameter?: string;
  /** X509_V_* code when a peer certificate failed verification. */
  verifyResult?: number;
  /** Its text, e.g. "certificate has expired". */
  verifyError?: string;
}

/** An Error carrying the addon's error fields. */
export class TlsError extends Error implements TlsErrorInfo {
  readonly code: string;
  readonly library: string;
  readonly reason: string;
  readonly file?: string;
  readonly parameter?: string;
  readonly verifyResult?: number;
  readonly verifyError?: string;

  constructor(info: TlsErrorInfo) {
    super(info.message || info.reason || info.code);
    this.name = 'TlsError';
    this.code = info.code;
    this.library = info.library;
    this.reason = info.reason;
    if (info.file !== undefined) this.file = info.file;
    if (info.parameter !== undefined) this.parameter = info.parameter;
    if (info.verifyResult !== undefined) this.verifyResult = info.verifyResult;
    if (info.verifyError !== undefined) this.verifyError = info.verifyError;
  }
}

/** True for the addon's plain error values. */
export function isTlsErrorInfo(value: unknown): value is TlsErrorInfo {
  return typeof value === 'object' && value !== null && typeof (value as TlsErrorInfo).code === 'string' &&
    typeof (value as TlsErrorInfo).reason === 'string';
}
