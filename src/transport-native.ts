/**
 * The transport's part of the addon: `Transport` (listen sockets and connections on Node's
 * libuv loop, C++) and `SipFramer` (the SIP stream framer on its own). TS checks arguments;
 * the native side trusts them (style.md).
 */
import * as native from './native';
import type { SecureContext } from './native';

/** A connection event of one loop turn (see native/event_batch.h). */
export type TransportEvent =
  | { type: 'open'; id: number; outbound: boolean; listener: number; generation: number;
      localIp: string; localPort: number; remoteIp: string; remotePort: number;
      /** Accepted on a wildcard address: nothing is read until resume() gives the profile's context. */
      awaitProfile: boolean }
  | { type: 'sni'; id: number; serverName: string }
  /**
   * `factsId` > 0: facts without a peer certificate, the same for every connection with this id;
   * `facts` comes with the first event of an id (and always when `factsId` is 0).
   */
  | { type: 'secure'; id: number; factsId: number; facts?: NativeTlsFacts }
  | { type: 'close'; id: number; reason: string; code: string; byPeer: boolean };

/** Distinguished name fields of a certificate (the guide's `@tls.peer.subject.*`). */
export interface NameFacts {
  line: string; cn: string; l: string; c: string; st: string; o: string; ou: string; uid: string;
}

/** The peer certificate of an established connection. */
export interface PeerCertificateFacts {
  subject: NameFacts;
  issuer: NameFacts;
  sanEmail: string[];
  sanDns: string[];
  sanUri: string[];
  sanIp: string[];
  /** Decimal. */
  serial: string;
  notBefore: string;
  notAfter: string;
  version: number;
  pem: string;
}

/** TLS facts delivered once per connection, when its handshake completes. */
export interface NativeTlsFacts {
  version: string;
  cipher: string;
  cipherBits: number;
  /** `SSL_CIPHER_description()`, as tls.list shows it (ends in "\n"). */
  description: string;
  /** SNI received (server side) or sent (client side); '' if none. */
  serverName: string;
  verifyResult: number;
  verifyError: string;
  peerCertificate: boolean;
  peerVerified: boolean;
  peerRevoked: boolean;
  peerExpired: boolean;
  peerSelfSigned: boolean;
  peer: PeerCertificateFacts | null;
}

/** Limits of the native transport; any subset may be given (see native/io_limits.h). */
export interface TransportLimits {
  /** `tls_max_connections`; below 0 unlimited. */
  maxConnections?: number;
  /** `connection_timeout` in ms; below 0 never. */
  idleTimeoutMs?: number;
  /** `tcp_connect_timeout` in ms: TCP connect plus TLS handshake. */
  connectTimeoutMs?: number;
  /** `tcp_send_timeout` in ms. */
  sendTimeoutMs?: number;
  /** `con_ct_wq_max`, bytes. */
  conCtWqMax?: number;
  /** `ct_wq_max`, bytes. */
  ctWqMax?: number;
  /** `ct_wq_blk_size`, bytes. */
  ctWqBlkSize?: number;
  /** Established connection's write queue (clear + cipher text), bytes. */
  conWqMax?: number;
  /** `max_message_size`, bytes. */
  maxMessageSize?: number;
  sendCloseNotify?: boolean;
  /** `tls13_record_layer` 1: TLS 1.3 records run in sip-tls after the handshake (SessionOptions.ownRecords). */
  ownRecords?: boolean;
  /** Bytes; 0 no budget (no low-memory checks). */
  memoryBudget?: number;
  /** Bytes; 0 off. */
  lowMemThreshold1?: number;
  /** Bytes; 0 off. */
  lowMemThreshold2?: number;
}

/** Live per-connection facts (`Transport#list()`). */
export interface NativeConnectionState {
  id: number;
  state: 'connecting' | 'profile' | 'handshake' | 'sni' | 'established' | 'closing';
  outbound: boolean;
  generation: number;
  ageMs: number;
  idleMs: number;
  ctWqSize: number;
  cipherQueued: number;
  /** Kamailio tls.list flags: 1 WR_WANTS_RD, 2 HANDSHAKED. */
  flags: number;
  /** Who runs the records: sip-tls after a TLS 1.3 handshake (tls13_record_layer), else OpenSSL. */
  records: 'sip-tls' | 'openssl';
}

/** Counters of the native transport (`Transport#stats()`). */
export interface TransportStats {
  opened: number;
  accepted: number;
  connected: number;
  refusedMaxConnections: number;
  refusedLowMem1: number;
  failedLowMem2: number;
  ctWqBytes: number;
  pingsAnswered: number;
  /** Socket receives: one per readable connection per read batch. */
  socketReads: number;
  /** Socket sends: one per connection per write batch (the sends of one turn share it). */
  socketWrites: number;
  /** Read and write batches run: with io_uring, one system call each for all their ops. */
  socketBatches: number;
  /**
   * How the batches reach the kernel: 'io_uring' (one io_uring_enter per batch), or 'syscalls'
   * (one recv/sendmsg per op: no io_uring in this kernel, a seccomp filter refuses it, or
   * SIP_TLS_IO_URING=0); 'none' once the module is closed.
   */
  socketIo: 'io_uring' | 'syscalls' | 'none';
  framingErrors: number;
  /** Handshakes completed, inbound and outbound (tls.info `handshakes_done`). */
  handshakesDone: number;
  handshakeFailures: number;
  idleTimeouts: number;
  handshakeTimeouts: number;
  sendTimeouts: number;
  /** Bytes. */
  memoryInUse: number;
  /** Bytes; -1 without a budget. */
  memoryAvailable: number;
}

export interface NativeError {
  code: string;
  message: string;
}

/** One IoLoop: listeners and connections on Node's libuv loop. */
export declare class Transport {
  /**
   * @param onEvents called at most once per loop turn with the turn's connection events and
   *   SIP messages: `bytes` holds them back to back, `index` has an [id, offset, length, body
   *   offset] quadruple per message (the body offset counts from the message's start: its
   *   header block, blank line included, is before it). `bytes` is a fresh Buffer each turn;
   *   both are undefined in a turn without messages.
   */
  constructor(onEvents: (events: TransportEvent[], bytes: Buffer | undefined, index: Uint32Array | undefined) => void);
  setLimits(limits: TransportLimits): void;
  listen(ip: string, port: number, context: SecureContext, generation: number, pauseOnSni: boolean,
    backlog?: number): { id: number; ip: string; port: number } | { error: NativeError };
  setListenerContext(id: number, context: SecureContext, generation: number, pauseOnSni: boolean): boolean;
  closeListener(id: number): boolean;
  /**
   * `hold`: send nothing after the handshake until release() (connection-out). `identity`: the
   * SIP domain the server certificate must name (RFC 5922; '' or absent: no check), see
   * `SessionOptions.identity`.
   */
  connect(ip: string, port: number, context: SecureContext, generation: number, serverName: string,
    hold: boolean, identity?: string): { id: number } | { error: NativeError };
  /**
   * After an 'sni' event, or an 'open' event with `awaitProfile`: switch to `context` (null keeps
   * the current one) and go on.
   */
  resume(id: number, context: SecureContext | null): undefined | { error: NativeError };
  /** Queues a message (a string as UTF-8); undefined on success, else an ERR_TLS_* code. */
  send(id: number, data: Buffer | string): string | undefined;
  release(id: number): boolean;
  drop(id: number): boolean;
  close(id: number, reason?: string): boolean;
  list(): NativeConnectionState[];
  stats(): TransportStats;
  /** Closes every listener and connection; no event is delivered afterwards. */
  shutdown(): void;
}

/** The SIP framer alone, over a stream the caller carries. */
export declare class SipFramer {
  /** @param maxMessageSize bytes (default 65536). */
  constructor(maxMessageSize?: number);
  feed(chunk: Buffer): { messages: Buffer[]; pings: number; error: string | null };
  readonly pending: { bytes: number; storage: number };
}

// native.ts is the one importer of the addon; it exports everything the addon has.
const bound = native as unknown as { Transport: typeof Transport; SipFramer: typeof SipFramer };
export const NativeTransport: typeof Transport = bound.Transport;
export const NativeSipFramer: typeof SipFramer = bound.SipFramer;
