/**
 * TlsModule: SIP over TLS the way Kamailio's tls module does it, on Node's loop. Listen sockets
 * and connections live in C++ (`Transport`); this class holds the policy: parameters, profile
 * choice per connection, generations and reload, connection-out, logging, and the facts the
 * RPC shows (tls.info, tls.list, tls.kill).
 *
 * ```ts
 * const tls = TlsModule.fromFile('sip-tls.ini');
 * tls.on('message', (msg, con, bodyOffset) => tls.send(con, reply(msg)));
 * await tls.listen();
 * ```
 */
import { EventEmitter } from 'node:events';
import * as dns from 'node:dns/promises';
import * as net from 'node:net';
import { LoadedConfig, loadConfigFromParams, loadTlsConfig, buildProfileSet } from './config';
import { ConfigError } from './config-error';
import { Generation } from './generation';
import { expectedIdentity } from './identity';
import { setBufferFreelistMax } from './native';
import { checkOpenSslVersion } from './secure-context';
import { applyHsmParams } from './hsm';
import { lowMemThresholdsKB, memoryBudgetKB } from './low-memory';
import { parseListen } from './main-config';
import { ConnectServerId, matchClient, matchServer, unservedServerProfiles } from './matching';
import { ParamName, ParamStore } from './params';
import { Endpoint, Profile, ProfileSet } from './profile';
import { LogLevel, StderrLogger, TlsLogger } from './tls-log';
import { TlsTransportError } from './transport-errors';
import {
  NativeConnectionState, NativeTlsFacts, NativeTransport, Transport, TransportEvent, TransportStats,
} from './transport-native';

export { TlsTransportError } from './transport-errors';

/** How a TlsModule is made: a sip-tls.ini, or module parameters by their Kamailio names. */
export interface TlsModuleOptions {
  /** Path of a sip-tls.ini (listen endpoints and `[tls]` parameters). */
  config?: string;
  /** Module parameters (used when `config` is not given), e.g. `{ certificate: 'cert.pem' }`. */
  params?: Record<string, unknown>;
  /** What relative paths in `params` resolve against; default the working directory. */
  baseDir?: string;
  /** `tls:IP:PORT` endpoints to listen on besides the ini's `listen` lines. */
  listen?: string[];
  /** Where log lines go; default stderr at INFO. */
  logger?: TlsLogger;
}

/** Where `connect()` goes and which client profile it uses. */
export interface ConnectOptions {
  /** IP address or host name. */
  host: string;
  port: number;
  /** SNI to send, and the name client profiles' `server_name` is matched against. */
  serverName?: string;
  /** Selects the client profile with this `server_id` (Kamailio's xavp `server_id`). */
  serverId?: string;
}

/** Why a connection closed. */
export interface CloseInfo {
  reason: string;
  /** `ERR_SSL_*` (OpenSSL) or `ERR_TLS_*` (ours); '' for an orderly close. */
  code: string;
  /** The peer caused it (EOF, reset, bad handshake, framing error). */
  byPeer: boolean;
}

/** What `event_route[tls:connection-out]` gets: the connection, and `drop()`. */
export interface ConnectionOutEvent {
  /** "tls:connection-out". */
  readonly name: string;
  readonly connection: TlsConnection;
  /** Stops the data: nothing queued is sent and the connection is closed. */
  drop(): void;
  readonly dropped: boolean;
}

/** A function named by the `event_callback` parameter. */
export type EventCallback = (eventName: string, event: ConnectionOutEvent) => void;

type ConnectionState = 'connecting' | 'handshake' | 'established' | 'closed';

/** One TLS connection as JS sees it; facts are cached at the connection event, not per message. */
export class TlsConnection {
  /** Local address (the `dst` of tls.list). */
  local: Endpoint = { ip: '', port: 0 };
  /** SNI received (inbound) or sent (outbound); '' when none. */
  sni = '';
  /** TLS facts once established (shared between connections alike: read only). */
  facts: Readonly<NativeTlsFacts> | undefined;
  state: ConnectionState;
  /** Set when closed. */
  closeInfo: CloseInfo | undefined;
  /** @internal */ held = false;
  /** @internal */ settle: { resolve(c: TlsConnection): void; reject(e: Error): void } | undefined;
  // Memory per idle connection counts at 10k+ connections: inbound connections get no promise
  // and no Date object unless asked.
  private readyPromise: Promise<TlsConnection> | undefined;
  private readonly createdMs = Date.now();

  /** @internal */
  constructor(
    private readonly module: TlsModule,
    /** Connection id (tls.list `id`, tls.kill). */
    readonly id: number,
    readonly outbound: boolean,
    /** The peer (the `src` of tls.list). */
    readonly remote: Endpoint,
    /** The generation (configuration) the connection started with. */
    readonly generation: Generation,
    /** The profile chosen at start (Kamailio's `dom`, e.g. `TLSs<default>`). */
    public profile: Profile,
  ) {
    this.state = outbound ? 'connecting' : 'handshake';
    if (outbound) this.makeReady();
  }

  private makeReady(): Promise<TlsConnection> {
    this.readyPromise = new Promise((resolve, reject) => { this.settle = { resolve, reject }; });
    this.readyPromise.catch(() => undefined);
    return this.readyPromise;
  }

  /** When the connection was made. */
  get createdAt(): Date {
    return new Date(this.createdMs);
  }

  /** Resolves when the handshake is done (and connection-out did not drop it); rejects on close before. */
  get ready(): Promise<TlsConnection> {
    if (this.readyPromise) return this.readyPromise;
    if (this.state === 'established') return (this.readyPromise = Promise.resolve(this));
    const promise = this.makeReady();
    if (this.state === 'closed') this.settle?.reject(new TlsTransportError(this.closeInfo?.code || 'ERR_TLS_CONNECTION_CLOSED', `connection ${this.id} is closed`));
    return promise;
  }

  /**
   * Kamailio's is_peer_verified(): the connection is open and its peer presented a certificate
   * that was verified.
   */
  isPeerVerified(): boolean {
    return this.state !== 'closed' && this.facts?.peerVerified === true && this.facts.peerCertificate;
  }

  /** Sends one SIP message (see TlsModule#send). */
  send(message: string | Buffer): void {
    this.module.send(this, message);
  }

  /** Closes the connection. */
  close(reason?: string): void {
    this.module.kill(this.id, reason);
  }
}

/** One row of `connections()`: Kamailio's tls.list fields, plus `generation`. */
export interface ConnectionListEntry {
  id: number;
  dom: string;
  sni: string;
  /** Creation, local time "YYYY-MM-DD HH:MM:SS". */
  timestamp: string;
  /** Seconds until the idle timeout (may be negative). */
  timeout: number;
  src_ip: string;
  src_port: number;
  dst_ip: string;
  dst_port: number;
  /** SSL_CIPHER_description(), "" before the handshake. */
  cipher: string;
  ct_wq_size: number;
  enc_rd_buf: number;
  flags: number;
  state: string;
  generation: number;
  /** Who runs the connection's records (sip-tls: tls13_record_layer, after a TLS 1.3 handshake). */
  records: 'sip-tls' | 'openssl';
}

/** `info()`: Kamailio's tls.info fields plus the transport's counters. */
export interface ModuleInfo extends TransportStats {
  max_connections: number;
  opened_connections: number;
  clear_text_write_queued_bytes: number;
  generation: number;
  generations: Array<{ number: number; connections: number; current: boolean }>;
}

interface ListenerEntry {
  id: number;
  endpoint: Endpoint;
}

const KAMAILIO_STATES: Record<NativeConnectionState['state'], [string, string]> = {
  connecting: ['pre-init', 'pre-init'],
  profile: ['pre-init', 'pre-init'],
  handshake: ['tls_accept', 'tls_connect'],
  sni: ['tls_accept', 'tls_connect'],
  established: ['established', 'established'],
  closing: ['unknown/error', 'unknown/error'],
};

/** `ssl_freelist_max_len = -1`: free pool blocks kept (17 KiB each). */
const DEFAULT_FREELIST_BLOCKS = 32;

/** Codes of failures that are our fault, logged at ERR; the rest is the peer's or the network's. */
const OUR_FAULTS = new Set(['ERR_TLS_LOW_MEMORY', 'ERR_TLS_OUT_OF_MEMORY', 'ERR_TLS_INVALID_STATE', 'ERR_TLS_ACCEPT']);

function localTimestamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/**
 * The value `map` holds for `key`, made by `make` the first time. The maps hold what thousands of
 * connections share (a handful of kinds); one that reaches 4096 entries is emptied, so odd
 * peers cannot grow it without bound.
 */
function cached<V>(map: Map<string, V>, key: string, make: () => V): V {
  const known = map.get(key);
  if (known !== undefined) return known;
  if (map.size >= 4096) map.clear();
  const value = make();
  map.set(key, value);
  return value;
}

function showEndpoint(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

export interface TlsModule {
  on(event: 'connection', listener: (connection: TlsConnection) => void): this;
  on(event: 'connection-out', listener: (event: ConnectionOutEvent) => void): this;
  /**
   * One whole SIP message, framed by its Content-Length (RFC 3261 section 18.3). `bodyOffset`:
   * where its body starts (the start line and headers, through the blank line, come before it).
   */
  on(event: 'message', listener: (message: Buffer, connection: TlsConnection, bodyOffset: number) => void): this;
  on(event: 'close', listener: (connection: TlsConnection, info: CloseInfo) => void): this;
  on(event: 'error', listener: (error: Error, connection?: TlsConnection) => void): this;
  on(event: string, listener: (...args: never[]) => void): this;
}

export class TlsModule extends EventEmitter {
  /** The module parameters; runtime changes (`setRuntime`) apply at once. */
  readonly params: ParamStore;
  /** Listen endpoints from the ini and the options. */
  readonly listenEndpoints: Endpoint[];
  /** The loaded configuration (ini file, base directory, RPC endpoints). */
  readonly loaded: LoadedConfig;
  logger: TlsLogger;
  private readonly transport: Transport;
  private current: Generation;
  private readonly generationsAlive = new Map<number, Generation>();
  private readonly conns = new Map<number, TlsConnection>();
  private readonly listeners_ = new Map<number, ListenerEntry>();
  private readonly callbacks = new Map<string, EventCallback>();
  private readonly strings = new Map<string, string>();
  /** keylog_mode bit 4: a key log line at NOTICE (queued by the addon, after the SSL call). */
  private readonly keylogNotice = (line: string): void => this.log(LogLevel.NOTICE, `keylog: ${line}`);
  private readonly sharedFacts = new Map<string, Readonly<NativeTlsFacts>>();
  private readonly factsById = new Map<number, Readonly<NativeTlsFacts>>();
  private readonly localEndpoints = new Map<string, Endpoint>();
  private readonly connectServerId = new ConnectServerId();
  private configuredListening = false;
  private closed = false;

  /** A module from a sip-tls.ini. @throws ConfigError naming file:line. */
  static fromFile(file: string, options: Omit<TlsModuleOptions, 'config'> = {}): TlsModule {
    return new TlsModule({ ...options, config: file });
  }

  /** @throws ConfigError for bad parameters, tls.cfg errors or a profile that cannot be built. */
  constructor(options: TlsModuleOptions = {}) {
    super();
    this.logger = options.logger ?? new StderrLogger();
    this.loaded = options.config ? loadTlsConfig(options.config) : loadConfigFromParams(options.params ?? {}, options.baseDir);
    this.params = this.loaded.params;
    this.listenEndpoints = [...this.loaded.listen, ...(options.listen ?? []).map(parseListen)];
    // tls_force_run: a different OpenSSL series than the addon was built for stops here.
    const mismatch = checkOpenSslVersion(this.params.get('tls_force_run'));
    if (mismatch) this.log(LogLevel.WARN, mismatch);
    // ssl_freelist_max_len caps the addon's buffer freelist (OpenSSL 3 has none of its own).
    const freelist = this.params.get('ssl_freelist_max_len');
    setBufferFreelistMax(freelist < 0 ? DEFAULT_FREELIST_BLOCKS : freelist);
    // rand_engine and the engine act on the module's own OpenSSL context and must be in place
    // before its first SSL_CTX (/engine: keys load with the first generation).
    applyHsmParams({
      engine: this.params.get('engine'), engine_config: this.params.get('engine_config'),
      engine_algorithms: this.params.get('engine_algorithms'), rand_engine: this.params.get('rand_engine'),
    }, (message) => this.log(LogLevel.WARN, message));
    this.current = Generation.build(1, this.loaded.profiles, this.params, this.keylogNotice);
    this.generationsAlive.set(1, this.current);
    this.transport = new NativeTransport((events, bytes, index) => this.onEvents(events, bytes, index));
    this.applyLimits();
    this.params.onChange((name) => this.onParamChange(name));
  }

  /** The generation new connections use. */
  get generation(): Generation {
    return this.current;
  }

  private onParamChange(name: ParamName): void {
    if (this.closed) return;
    this.applyLimits();
    this.log(LogLevel.INFO, `parameter ${name} changed to ${String(this.params.get(name))}`);
  }

  /** Pushes the parameters the C++ side enforces; called again on every runtime change. */
  private applyLimits(): void {
    const p = this.params;
    const seconds = (s: number): number => (s < 0 ? -1 : s * 1000);
    const { threshold1, threshold2 } = lowMemThresholdsKB(p);
    this.transport.setLimits({
      maxConnections: p.get('tls_max_connections'),
      idleTimeoutMs: seconds(p.get('connection_timeout')),
      connectTimeoutMs: seconds(p.get('tcp_connect_timeout')),
      sendTimeoutMs: seconds(p.get('tcp_send_timeout')),
      conCtWqMax: p.get('con_ct_wq_max'),
      ctWqMax: p.get('ct_wq_max'),
      ctWqBlkSize: p.get('ct_wq_blk_size'),
      maxMessageSize: p.get('max_message_size'),
      sendCloseNotify: p.get('send_close_notify'),
      ownRecords: p.get('tls13_record_layer') === 1,
      memoryBudget: memoryBudgetKB(p) * 1024,
      lowMemThreshold1: threshold1 * 1024,
      lowMemThreshold2: threshold2 * 1024,
    });
  }

  /**
   * Logs a line; a function is called only when the logger wants the level, so the lines of
   * every connection's open, handshake and close cost nothing when they are not written.
   */
  private log(level: number, message: string | (() => string)): void {
    if (typeof message === 'string') this.logger.log(level, message);
    else if (this.logger.wants?.(level) ?? true) this.logger.log(level, message());
  }

  /**
   * Listens on `extra` (`tls:IP:PORT` strings or endpoints) and, on the first call, on the
   * configured endpoints (the ini's `listen` lines and the `listen` option).
   * @returns the endpoints bound by this call (the real port when 0 was asked for).
   * @throws TlsTransportError (EADDRINUSE, EACCES…) naming the endpoint; endpoints already bound stay.
   */
  async listen(extra: Array<string | Endpoint> = []): Promise<Endpoint[]> {
    this.assertOpen();
    const configured = this.configuredListening ? [] : this.listenEndpoints;
    this.configuredListening = true;
    const wanted = [...configured, ...extra.map((e) => (typeof e === 'string' ? parseListen(e) : e))];
    const bound: Endpoint[] = [];
    for (const endpoint of wanted) {
      const gen = this.current;
      const profile = matchServer(gen.profiles, endpoint).profile;
      const result = this.transport.listen(endpoint.ip, endpoint.port, gen.context(profile), gen.number, gen.sniMatters);
      if ('error' in result) throw new TlsTransportError(result.error.code, `tls:${showEndpoint(endpoint)}: ${result.error.message}`);
      const actual = { ip: result.ip, port: result.port };
      this.listeners_.set(result.id, { id: result.id, endpoint: actual });
      this.log(LogLevel.INFO, `listening on tls:${showEndpoint(actual)} (profile ${profile.name})`);
      bound.push(actual);
    }
    return bound;
  }

  /** The endpoints listened on now. */
  listening(): Endpoint[] {
    return [...this.listeners_.values()].map((l) => l.endpoint);
  }

  /**
   * Kamailio's `tls_set_connect_server_id()`: the server_id of the next `open()`/`connect()` call
   * only (taken and cleared when that call is made); '' clears it.
   */
  setConnectServerId(serverId: string): void {
    this.connectServerId.setConnectServerId(serverId);
  }

  /** Registers a function `event_callback` can name (KEMI's function by name). */
  registerCallback(name: string, callback: EventCallback): void {
    this.callbacks.set(name, callback);
  }

  /**
   * Opens an outbound connection and resolves once it exists (TCP connect started); its
   * `ready` promise settles with the handshake. Messages sent before then wait in the
   * clear-text queue (con_ct_wq_max).
   */
  async open(options: ConnectOptions): Promise<TlsConnection> {
    this.assertOpen();
    // Taken before the name lookup: the id belongs to this call, not to whichever connect
    // finishes its lookup first.
    const serverId = this.connectServerId.take(options.serverId);
    const ip = net.isIP(options.host) ? options.host : (await dns.lookup(options.host)).address;
    this.assertOpen();
    const remote = { ip, port: options.port };
    const gen = this.current;
    const match = matchClient(gen.profiles, remote, { serverName: options.serverName, serverId });
    const hold = this.listenerCount('connection-out') > 0 || this.params.get('event_callback') !== '';
    const identity = expectedIdentity(match.profile, options);
    // The profile's server_name is the SNI when the call gives none (the guide's client server_name).
    const sni = options.serverName || match.profile.settings.serverName;
    const result = this.transport.connect(ip, options.port, gen.context(match.profile), gen.number, sni, hold, identity);
    if ('error' in result) throw new TlsTransportError(result.error.code, `connect to ${showEndpoint(remote)}: ${result.error.message}`);
    const connection = new TlsConnection(this, result.id, true, remote, gen, match.profile);
    connection.held = hold;
    connection.sni = sni;
    this.adopt(connection);
    this.log(this.params.get('tls_debug'), () => `connecting to ${showEndpoint(remote)}: ${match.reason}`);
    return connection;
  }

  /** Opens an outbound connection and resolves when its handshake is done. */
  async connect(options: ConnectOptions): Promise<TlsConnection> {
    const connection = await this.open(options);
    return connection.ready;
  }

  /**
   * Sends one SIP message. It is encrypted and written at the end of this loop turn, packed
   * with the turn's other messages to the same connection.
   * @throws TlsTransportError `ERR_TLS_CT_WQ_FULL` (the handshake is pending and con_ct_wq_max
   *   or ct_wq_max would be exceeded), `ERR_TLS_WRITE_QUEUE_FULL`, `ERR_TLS_LOW_MEMORY`
   *   (below low_mem_threshold2), `ERR_TLS_CONNECTION_CLOSED`. Nothing already accepted is lost.
   */
  send(connection: TlsConnection | number, message: string | Buffer): void {
    const id = typeof connection === 'number' ? connection : connection.id;
    if (this.closed) throw new TlsTransportError('ERR_TLS_CONNECTION_CLOSED', `connection ${id}: the module is closed`);
    // A string is encoded (UTF-8) by the native side, straight into the connection's queue.
    const code = this.transport.send(id, message);
    if (code !== undefined) {
      const bytes = typeof message === 'string' ? Buffer.byteLength(message) : message.length;
      throw new TlsTransportError(code, `connection ${id}: send of ${bytes} bytes failed: ${SEND_ERRORS[code] ?? code}`);
    }
  }

  /** Closes connection `id` (the RPC tls.kill). @returns false if there is no such connection. */
  kill(id: number, reason = 'closed locally'): boolean {
    return !this.closed && this.transport.close(id, reason);
  }

  /** The connection with this id, if open. */
  connection(id: number): TlsConnection | undefined {
    return this.conns.get(id);
  }

  /** tls.info. */
  info(): ModuleInfo {
    const s = this.closed ? CLOSED_STATS : this.transport.stats();
    return {
      ...s,
      max_connections: this.params.get('tls_max_connections'),
      opened_connections: s.opened,
      clear_text_write_queued_bytes: s.ctWqBytes,
      generation: this.current.number,
      generations: [...this.generationsAlive.values()].map((g) => ({ number: g.number, connections: g.connections, current: g === this.current })),
    };
  }

  /** tls.list: one entry per open connection, with Kamailio's field names. */
  connections(): ConnectionListEntry[] {
    if (this.closed) return [];
    const timeoutS = this.params.get('connection_timeout');
    return this.transport.list().map((n) => {
      const c = this.conns.get(n.id);
      const remote = c?.remote ?? { ip: '', port: 0 };
      const local = c?.local ?? { ip: '', port: 0 };
      return {
        id: n.id,
        dom: c?.profile.name ?? 'N/A',
        sni: c?.sni || 'N/A',
        timestamp: localTimestamp(new Date(Date.now() - n.ageMs)),
        timeout: timeoutS < 0 ? 2147483647 : Math.round(timeoutS - n.idleMs / 1000),
        src_ip: remote.ip,
        src_port: remote.port,
        dst_ip: local.ip,
        dst_port: local.port,
        cipher: c?.facts?.description ?? '',
        ct_wq_size: n.ctWqSize,
        enc_rd_buf: 0,
        flags: n.flags,
        state: KAMAILIO_STATES[n.state][n.outbound ? 1 : 0],
        generation: n.generation,
        records: n.records,
      };
    });
  }

  /**
   * Builds a new generation from the current parameters (re-reading `config`), without using it.
   * @throws ConfigError with the first error (file:line); the current generation stays.
   */
  buildGeneration(): Generation {
    const profiles = buildProfileSet(this.params);
    let next = 0;
    for (const n of this.generationsAlive.keys()) next = Math.max(next, n);
    return Generation.build(Math.max(next, this.current.number) + 1, profiles, this.params, this.keylogNotice);
  }

  /**
   * Makes `next` current: listeners accept with its contexts from now on; open connections keep
   * theirs. Generations no longer current are released when their last connection closes.
   */
  swapGeneration(next: Generation): void {
    this.assertOpen();
    const previous = this.current;
    this.current = next;
    this.generationsAlive.set(next.number, next);
    for (const l of this.listeners_.values()) {
      const profile = matchServer(next.profiles, l.endpoint).profile;
      this.transport.setListenerContext(l.id, next.context(profile), next.number, next.sniMatters);
    }
    this.releaseIfUnused(previous);
    this.log(LogLevel.INFO, `TLS configuration generation ${next.number} in use (was ${previous.number})`);
  }

  /**
   * tls.reload: build, check that every `[server:IP:PORT]` profile has a listening socket (when
   * the module listens at all), then swap.
   * @returns the new generation. @throws ConfigError, nothing changed.
   */
  reload(): Generation {
    const next = this.buildGeneration();
    if (this.listeners_.size > 0) this.checkListening(next.profiles);
    this.swapGeneration(next);
    return next;
  }

  /**
   * Kamailio's socket check: every `[server:IP:PORT]` profile of `profiles` (the current ones by
   * default) must be served by a listening endpoint; `sip-tls serve` runs it once listening.
   * @throws ConfigError naming the first such profile and its place, with the others in `errors`.
   */
  checkListening(profiles: ProfileSet = this.current.profiles): void {
    const unserved = unservedServerProfiles(profiles, this.listening());
    if (unserved.length === 0) return;
    const errors = unserved.map((p) => new ConfigError(
      `[${p.section}]: no listening socket serves this profile (No server listening socket found for one of TLS domains)`,
      { file: p.file, line: p.line }));
    errors[0].errors = errors;
    throw errors[0];
  }

  /** Generations still held (the current one, and older ones with connections). */
  generations(): Generation[] {
    return [...this.generationsAlive.values()];
  }

  /** Stops listening and closes every connection (no events after this). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transport.shutdown();
    for (const c of this.conns.values()) {
      c.state = 'closed';
      c.settle?.reject(new TlsTransportError('ERR_TLS_CONNECTION_CLOSED', `connection ${c.id}: the module was closed`));
    }
    this.conns.clear();
    this.listeners_.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new TlsTransportError('ERR_TLS_MODULE_CLOSED', 'the TLS module is closed');
  }

  private adopt(connection: TlsConnection): void {
    this.conns.set(connection.id, connection);
    connection.generation.connections++;
  }

  private releaseIfUnused(gen: Generation): void {
    if (gen !== this.current && gen.connections <= 0) this.generationsAlive.delete(gen.number);
  }

  /**
   * Thousands of connections share a handful of versions, ciphers and descriptions, and those
   * without a peer certificate share all of their facts: one frozen object per kind, so an idle
   * connection holds a reference, not a copy.
   */
  private shareFacts(facts: NativeTlsFacts): Readonly<NativeTlsFacts> {
    facts.version = this.intern(facts.version);
    facts.cipher = this.intern(facts.cipher);
    facts.description = this.intern(facts.description);
    facts.verifyError = this.intern(facts.verifyError);
    facts.serverName = this.intern(facts.serverName);
    if (facts.peer) return facts;
    const key = [facts.version, facts.cipher, facts.cipherBits, facts.description, facts.serverName, facts.verifyResult,
      facts.verifyError, facts.peerCertificate, facts.peerVerified, facts.peerRevoked, facts.peerExpired,
      facts.peerSelfSigned].join('\n');
    return cached(this.sharedFacts, key, () => Object.freeze(facts));
  }

  /** The facts of a 'secure' event: sent once per `factsId`, then named by it. */
  private factsOf(event: Extract<TransportEvent, { type: 'secure' }>): Readonly<NativeTlsFacts> {
    if (!event.facts) {
      const known = this.factsById.get(event.factsId);
      if (!known) throw new Error(`transport: facts ${event.factsId} of connection ${event.id} were never sent`);
      return known;
    }
    const facts = this.shareFacts(event.facts);
    if (event.factsId > 0) this.factsById.set(event.factsId, facts);
    return facts;
  }

  /** One object per local address: every inbound connection of a listener has the same. */
  private localEndpoint(ip: string, port: number): Endpoint {
    return cached(this.localEndpoints, `${ip}\n${port}`, () => Object.freeze({ ip, port }));
  }

  private intern(text: string): string {
    return cached(this.strings, text, () => text);
  }

  private describe(c: TlsConnection): string {
    const dir = c.outbound ? 'to' : 'from';
    const sni = c.sni ? `, sni ${c.sni}` : '';
    return `connection ${c.id} ${dir} ${showEndpoint(c.remote)} (profile ${c.profile.name}${sni})`;
  }

  /** One loop turn's events: opens, SNI and handshakes first, then messages, then closes. */
  private onEvents(events: TransportEvent[], bytes: Buffer | undefined, index: Uint32Array | undefined): void {
    // A throwing application handler must not cost the rest of the turn (an SNI pause left
    // waiting, a close never recorded): every event runs, then the first exception goes on to
    // the caller (Node's uncaughtException, as for any callback from the loop).
    let thrown: { error: unknown } | undefined;
    const guarded = (run: () => void): void => {
      try {
        run();
      } catch (error) {
        thrown ??= { error };
      }
    };
    for (const event of events) {
      if (event.type === 'open') guarded(() => this.onOpen(event));
      else if (event.type === 'sni') guarded(() => this.onSni(event.id, event.serverName));
      else if (event.type === 'secure') guarded(() => this.onSecure(event.id, this.factsOf(event)));
    }
    // The hot loop: no closure per message, one try block around the whole run (re-entered
    // after a throwing handler at the next message).
    for (let i = 0; bytes !== undefined && index !== undefined && i < index.length;) {
      try {
        for (; i < index.length; i += 4) {
          const connection = this.conns.get(index[i]);
          if (connection) this.emit('message', bytes.subarray(index[i + 1], index[i + 1] + index[i + 2]), connection, index[i + 3]);
        }
      } catch (error) {
        thrown ??= { error };
        i += 4;
      }
    }
    for (const event of events) {
      if (event.type === 'close') guarded(() => this.onClose(event.id, { reason: event.reason, code: event.code, byPeer: event.byPeer }));
    }
    if (thrown) throw thrown.error;
  }

  private onOpen(event: Extract<TransportEvent, { type: 'open' }>): void {
    const local = this.localEndpoint(event.localIp, event.localPort);
    if (event.outbound) {
      const c = this.conns.get(event.id);
      if (c) {
        c.local = local;
        c.state = 'handshake';
      }
      return;
    }
    const gen = this.generationsAlive.get(event.generation) ?? this.current;
    const match = matchServer(gen.profiles, local);
    const c = new TlsConnection(this, event.id, false, { ip: this.intern(event.remoteIp), port: event.remotePort }, gen, match.profile);
    c.local = local;
    this.adopt(c);
    this.log(this.params.get('tls_debug'), () => `new connection ${event.id} from ${showEndpoint(c.remote)} on ${showEndpoint(local)}: ${match.reason}`);
    if (event.awaitProfile) {
      // A wildcard listener's context was chosen for 0.0.0.0 / ::; the real local address decides.
      const listener = this.listeners_.get(event.listener);
      const listenerProfile = listener ? matchServer(gen.profiles, listener.endpoint).profile : undefined;
      const result = this.transport.resume(event.id, match.profile === listenerProfile ? null : gen.context(match.profile));
      if (result && 'error' in result) this.log(LogLevel.ERR, `${this.describe(c)}: cannot use ${match.profile.name}: ${result.error.message}`);
    }
  }

  private onSni(id: number, serverName: string): void {
    const c = this.conns.get(id);
    if (!c) {
      this.transport.resume(id, null);
      return;
    }
    c.sni = serverName;
    const match = matchServer(c.generation.profiles, c.local, serverName);
    // The dom shown by tls.list stays the initial profile, as in Kamailio.
    const context = match.profile === c.profile ? null : c.generation.context(match.profile);
    this.log(this.params.get('tls_debug'), () => `${this.describe(c)}: ${match.reason}`);
    const result = this.transport.resume(id, context);
    if (result && 'error' in result) {
      this.log(LogLevel.ERR, `${this.describe(c)}: cannot switch to ${match.profile.name}: ${result.error.message}`);
    }
  }

  private onSecure(id: number, facts: Readonly<NativeTlsFacts>): void {
    const c = this.conns.get(id);
    if (!c) return;
    c.facts = facts;
    c.state = 'established';
    if (!c.outbound) c.settle?.resolve(c);
    if (!c.outbound) c.sni = facts.serverName;
    const level = this.params.get('tls_log');
    const verb = c.outbound ? 'tls_connect: new connection to' : 'tls_accept: new connection from';
    this.log(level, () => `${verb} ${showEndpoint(c.remote)} using ${facts.version} ${facts.cipher} ${facts.cipherBits} (local ${showEndpoint(c.local)}, profile ${c.profile.name}${c.sni ? `, sni ${c.sni}` : ''})`);
    const peer = facts.peer;
    if (peer) {
      this.log(level, () => `${c.outbound ? 'server' : 'client'} certificate subject: ${peer.subject.line}, issuer: ${peer.issuer.line}, verified: ${facts.peerVerified ? 'yes' : `no (${facts.verifyError})`}`);
    } else if (!c.outbound) {
      this.log(level, () => `${this.describe(c)}: client did not present a certificate`);
    }
    if (!c.outbound) {
      this.emit('connection', c);
      return;
    }
    this.connectionOut(c);
  }

  /** event_route[tls:connection-out], or the event_callback function, then release or drop. */
  private connectionOut(c: TlsConnection): void {
    let dropped = false;
    const event: ConnectionOutEvent = {
      name: 'tls:connection-out',
      connection: c,
      drop: () => { dropped = true; },
      get dropped() { return dropped; },
    };
    const callbackName = this.params.get('event_callback');
    try {
      if (callbackName) {
        const callback = this.callbacks.get(callbackName);
        if (callback) callback('tls:connection-out', event);
        else this.log(LogLevel.ERR, `event_callback '${callbackName}' is not registered (registerCallback); connection-out not run`);
      } else {
        this.emit('connection-out', event);
      }
    } catch (err) {
      this.log(LogLevel.ERR, `${this.describe(c)}: connection-out handler threw: ${(err as Error).message}; dropping`);
      dropped = true;
    }
    if (dropped) {
      this.transport.drop(c.id);
      return;
    }
    if (c.held) this.transport.release(c.id);
    c.settle?.resolve(c);
  }

  private onClose(id: number, info: CloseInfo): void {
    const c = this.conns.get(id);
    if (!c) return;
    this.conns.delete(id);
    const wasEstablished = c.state === 'established';
    c.state = 'closed';
    c.closeInfo = info;
    c.generation.connections--;
    this.releaseIfUnused(c.generation);
    const what = wasEstablished ? 'closed' : (c.outbound ? 'connect/handshake failed' : 'handshake failed');
    const level = OUR_FAULTS.has(info.code) ? LogLevel.ERR
      : (!wasEstablished || (info.code && !info.byPeer)) ? LogLevel.INFO : this.params.get('tls_debug');
    this.log(level, () => `${this.describe(c)} ${what}: ${info.reason}${info.code ? ` [${info.code}]` : ''}`);
    // 'error' only reaches listeners that asked for it: a failed handshake is routine on a
    // public port and must not take the process down as an unhandled 'error' event would.
    const errorListened = !wasEstablished && this.listenerCount('error') > 0;
    // An Error (and its stack) is made only when someone will see it.
    const error = c.settle || errorListened
      ? new TlsTransportError(info.code || 'ERR_TLS_CONNECTION_CLOSED', `${this.describe(c)} ${what}: ${info.reason}`)
      : undefined;
    if (error) c.settle?.reject(error);
    try {
      if (error && errorListened) this.emit('error', error, c);
    } finally {
      this.emit('close', c, info);
    }
  }
}

const CLOSED_STATS: TransportStats = {
  opened: 0, accepted: 0, connected: 0, refusedMaxConnections: 0, refusedLowMem1: 0, failedLowMem2: 0, ctWqBytes: 0,
  pingsAnswered: 0, socketReads: 0, socketWrites: 0, socketBatches: 0, socketIo: 'none', framingErrors: 0, handshakesDone: 0, handshakeFailures: 0, idleTimeouts: 0, handshakeTimeouts: 0, sendTimeouts: 0,
  memoryInUse: 0, memoryAvailable: -1,
};

const SEND_ERRORS: Record<string, string> = {
  ERR_TLS_CT_WQ_FULL: 'clear-text write queue full (con_ct_wq_max / ct_wq_max) while the handshake is pending',
  ERR_TLS_WRITE_QUEUE_FULL: 'write queue full (the peer does not read)',
  ERR_TLS_LOW_MEMORY: 'not enough memory (low_mem_threshold2)',
  ERR_TLS_CONNECTION_CLOSED: 'no such open connection',
  ERR_TLS_OUT_OF_MEMORY: 'out of memory',
};
