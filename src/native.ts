/* Declare all native C++ classes and methods in this file. */
/**
 * The typed seam over the C++ addon (`build/Release/sip_tls.node`); the rest of the TypeScript
 * builds on these declarations. Arguments are checked by the TS wrappers (`secure-context.ts`,
 * `session.ts`); the addon throws a TypeError only for misuse.
 */
import type { ContextOptions } from './profile';
import type { TlsErrorInfo } from './errors';
import type { KeylogOptions } from './keylog';

/** Distinguished-name facts (the guide's `@tls.peer.subject.*`, `$tls_peer_subject_cn`, …). */
export interface NameFacts {
  /** One-line DN as Kamailio prints it: `/C=DE/O=Example/CN=sip.example.com`. */
  line: string;
  cn: string;
  l: string;
  c: string;
  st: string;
  o: string;
  ou: string;
  uid: string;
}

/** One certificate's facts (`$tls_peer_*` / `$tls_my_*`). */
export interface CertificateFacts {
  subject: NameFacts;
  issuer: NameFacts;
  /** subjectAltName entries by type (`$tls_peer_san_email[i]`, `…_hostname`, `…_uri`, `…_ip`). */
  san: { email: string[]; dns: string[]; uri: string[]; ip: string[] };
  /** Serial number, decimal (`$tls_peer_serial`). */
  serial: string;
  /** `ASN1_TIME_print` form, e.g. "Nov 23 08:37:40 2026 GMT". */
  notBefore: string;
  notAfter: string;
  /** `X509_get_version()`: 2 for X.509 v3, as Kamailio shows it. */
  version: number;
  /** The certificate, PEM (`$tls_peer_raw_cert`). */
  pem: string;
}

/** Negotiated facts of a session (`$tls_version`, `$tls_cipher_info`, `@tls.peer.verified`, …). */
export interface SessionFacts {
  /** "TLSv1.3", "" before the handshake. */
  version: string;
  /** "TLS_AES_256_GCM_SHA384". */
  cipher: string;
  cipherBits: number;
  /** `SSL_CIPHER_description()`, ending in "\n" (`$tls_description`, `tls.list` cipher). */
  description: string;
  /** SNI sent (client) or received (server) (`$tls_peer_server_name`). */
  serverName: string;
  /** `SSL_get_verify_result()` (X509_V_OK = 0), -1 before the handshake. */
  verifyResult: number;
  verifyError: string;
  peerCertificate: boolean;
  /** A peer certificate was presented and verified (`is_peer_verified()`). */
  verified: boolean;
  revoked: boolean;
  expired: boolean;
  selfSigned: boolean;
}

/** Options of one session. */
export interface SessionOptions {
  /** Server (accepts) or client (connects). */
  isServer: boolean;
  /** Client: the SNI to send; IP literals are never sent. */
  serverName?: string;
  /** Server: pause at a ClientHello with SNI (status NEED_CONTEXT) so a profile can be chosen. */
  pauseOnSni?: boolean;
  /**
   * Client: the SIP domain (or IP literal) the server certificate must name, checked during the
   * handshake as RFC 5922 section 7 says (sip:/sips: URI SAN, else DNS SAN without wildcards, CN
   * only without any SAN). A mismatch fails the handshake with `ERR_TLS_IDENTITY_MISMATCH`.
   * Absent or '': no check (tls.cfg `identity_check`, module parameter `tls_identity_check`).
   */
  identity?: string;
  /**
   * Once a TLS 1.3 handshake with an AES-GCM or ChaCha20-Poly1305 suite is done, run the record
   * layer in sip-tls and free OpenSSL's SSL (about 13 KiB): what the transport does with
   * `tls13_record_layer` 1. Not when a server sent session tickets (`session_cache` on) or
   * OpenSSL read ahead (`ssl_read_ahead`); `ownsRecords()` says whether it happened. Afterwards
   * `facts()` and `peerCertificate()` give what the handshake ended with and `ownCertificate()`
   * gives null. Default false.
   */
  ownRecords?: boolean;
}

/** Counters of the environment's buffer pool. */
export interface BufferPoolStats {
  /** Bytes per block. */
  blockSize: number;
  inUse: number;
  free: number;
  /** The freelist cap (`ssl_freelist_max_len`). */
  maxFree: number;
  allocated: number;
  released: number;
}

/** What `checkOpenSslVersion` reports when the series differ. */
export interface OpenSslVersionMismatch extends TlsErrorInfo {
  /** True unless `tls_force_run` was given. */
  fatal: boolean;
  builtVersion: string;
  runningVersion: string;
}

/** One SSL_CTX (one profile of one generation). Made by `createSecureContext` only. */
export declare class SecureContext {
  private constructor();
  /** Facts of the loaded certificates (`certificate`, then `certificate2`). */
  certificates(): CertificateFacts[];
}

/**
 * One TLS connection's SSL over a memory BIO. Every driving call returns status bits
 * (`SessionStatus`); byte counts of the call are in `lengths`.
 */
export declare class TlsSession {
  constructor(context: SecureContext, options: SessionOptions);
  /**
   * Shared counters, updated by every driving call: [0] clear-text bytes written to `out` by the
   * last feed()/read(), [1] ciphertext bytes waiting, [2] clear-text bytes waiting for the handshake.
   */
  readonly lengths: Uint32Array;
  /** Queues ciphertext (null: none), drives the handshake, decrypts into `out`. */
  feed(ciphertext: Uint8Array | null, out: Uint8Array): number;
  /** Decrypts more (after MORE_PLAINTEXT). */
  read(out: Uint8Array): number;
  /** Encrypts; before the handshake ends the bytes wait (WANT_WRITE). */
  write(data: Uint8Array): number;
  /** Encrypts several buffers packed into records of up to 16 KiB. */
  writev(parts: Uint8Array[]): number;
  /** Queues close_notify. */
  shutdown(): number;
  /** All waiting ciphertext in one new Buffer, or null. */
  takeCiphertext(): Buffer | null;
  /** Copies waiting ciphertext into `out`; returns the byte count. */
  takeCiphertextInto(out: Uint8Array): number;
  /** Switches context at NEED_CONTEXT (or before the handshake): null, or why not. */
  setContext(context: SecureContext): TlsErrorInfo | null;
  status(): number;
  /** The error behind ERROR (cleared by taking it), or null. */
  takeError(): TlsErrorInfo | null;
  serverName(): string;
  facts(): SessionFacts;
  peerCertificate(): CertificateFacts | null;
  ownCertificate(): CertificateFacts | null;
  /** TLS <= 1.2: starts a renegotiation; TLS 1.3: KeyUpdate (update_requested). */
  renegotiate(): number;
  /** TLS 1.3 KeyUpdate (update_requested). */
  keyUpdate(): number;
  /** Frees the SSL now; every later call throws. */
  close(): void;
  isClosed(): boolean;
  /** Whether the record layer runs in sip-tls (`ownRecords`, after the handshake). */
  ownsRecords(): boolean;
}

/** Status bits of the driving calls (native/tls_session_core.h). */
export declare const SessionStatus: Readonly<{
  /** The handshake is complete (stays set). */
  HANDSHAKE_DONE: number;
  /** This call wrote clear text into `out` (`lengths[0]` bytes). */
  HAS_PLAINTEXT: number;
  /** Ciphertext waits: take it and send it. */
  HAS_CIPHERTEXT: number;
  /** The peer sent close_notify. */
  PEER_CLOSED: number;
  /** Fatal: `takeError()` says why; only close() is left. */
  ERROR: number;
  /** More ciphertext from the peer is needed. */
  WANT_READ: number;
  /** Clear text written before the handshake ended waits in the session (`lengths[2]`). */
  WANT_WRITE: number;
  /** `out` filled up: call read() again. */
  MORE_PLAINTEXT: number;
  /** Server paused at ClientHello with SNI (`serverName()`): setContext() or not, then feed(null). */
  NEED_CONTEXT: number;
  /** Our close_notify is queued. */
  SHUTDOWN_SENT: number;
  /** close() was called. */
  CLOSED: number;
}>;

/**
 * Builds a context from a profile's options: the context, or an error value naming parameter and
 * file; besides the profile's options, the module-wide key log ones
 * (`keylogMode`, `keylogFile`, `keylogPeerIp`/`keylogPeerPort`, `keylogNotice`; see keylog.ts).
 */
export declare function createSecureContext(options: Partial<ContextOptions & KeylogOptions>): SecureContext | TlsErrorInfo;
/**
 * The load-time guard (`tls_force_run`): null when the OpenSSL the addon was built for and the
 * running one are the same major.minor; else the mismatch (`fatal` unless `forceRun`). The version
 * numbers default to the real ones; tests inject others.
 */
export declare function checkOpenSslVersion(forceRun: boolean, builtNumber?: number,
  runningNumber?: number): OpenSslVersionMismatch | null;
/** OpenSSL version the addon was compiled for, e.g. "3.0.19". */
export declare const opensslHeaderVersion: string;
/** OpenSSL version running (Node's), e.g. "3.0.19"; equals `process.versions.openssl`. */
export declare const opensslRuntimeVersion: string;
export declare const opensslHeaderVersionNumber: number;
export declare const opensslRuntimeVersionNumber: number;
/** Counters of this thread's buffer pool. */
export declare function bufferPoolStats(): BufferPoolStats;
/**
 * Bytes the C allocator has handed out and not taken back (glibc `mallinfo2`), or -1 where that
 * is not available. Diagnostics for memory tests: free memory kept by malloc is not counted.
 */
export declare function mallocInUse(): number;
/** Caps the buffer freelist (`ssl_freelist_max_len`; 0 frees blocks at once). */
export declare function setBufferFreelistMax(blocks: number): void;

/**
 * Loads engine `id` for this environment's `/engine:` keys (`engine`, `engine_config` module
 * parameters; configPath '' = none). Returns `{ error }` naming the path, file or section at fault.
 */
export declare function loadEngine(id: string, configPath: string): { error?: string };
/**
 * `rand_engine`: sets the DRBG of the module's own library context ("CTR-DRBG" with a cipher,
 * "HASH-DRBG"/"HMAC-DRBG" with a digest). Only before the first SecureContext; Node's is untouched.
 */
export declare function setRandEngine(drbg: string, cipher: string, digest: string): { error?: string };
/** The primary DRBG of the module's library context ('module') or of Node's ('node'). */
export declare function describeDrbg(which: 'module' | 'node'): { type: string; mechanism: string; strength: number };

/**
 * A unix-domain datagram socket on Node's loop (native/unix_dgram.cc), for the RPC's unix
 * endpoint as Kamailio's jsonrpcs serves it. `bind` and `send` return 0 or a negative errno;
 * `onMessage` gets each datagram and the sender's bound path ("" if unbound), the socket as `this`.
 * A bound socket stays alive until `close()`.
 */
export declare class UnixDgramSocket {
  constructor(onMessage: (this: UnixDgramSocket, data: Buffer, from: string) => void);
  bind(path: string): number;
  send(data: Buffer, path: string): number;
  close(): void;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
Object.assign(module.exports, require('bindings')('sip_tls'));
