/**
 * Every module parameter of the Kamailio TLS admin guide, plus the transport settings Kamailio
 * keeps in its core, in ONE table: name, type, default, range, runtime name, unit, meaning.
 * The names stay exactly Kamailio's; this is the only place they are mapped.
 */
import * as path from 'node:path';
import { resolveConfigPath } from './paths';
import { TLS_METHODS, VERIFY_CLIENT_MODES, TlsMethod, VerifyClient } from './profile';

export type ParamType = 'int' | 'bool' | 'string' | 'enum';
export type ParamValue = number | boolean | string;

/** The typed values of all parameters, by their Kamailio names. */
export interface ModuleParams {
  tls_method: TlsMethod;
  certificate: string;
  private_key: string;
  private_key_password: string;
  key_password_mode: number;
  certificate2: string;
  private_key2: string;
  private_key_password2: string;
  ca_list: string;
  ca_path: string;
  crl: string;
  verify_certificate: boolean;
  verify_depth: number;
  require_certificate: boolean;
  verify_client: VerifyClient;
  cipher_list: string;
  server_name: string;
  connection_timeout: number;
  tls_disable_compression: boolean;
  ssl_release_buffers: number;
  ssl_freelist_max_len: number;
  ssl_max_send_fragment: number;
  ssl_read_ahead: boolean;
  send_close_notify: boolean;
  con_ct_wq_max: number;
  ct_wq_max: number;
  ct_wq_blk_size: number;
  tls_log: number;
  tls_debug: number;
  low_mem_threshold1: number;
  low_mem_threshold2: number;
  tls_force_run: boolean;
  session_cache: boolean;
  session_id: string;
  renegotiation: boolean;
  config: string;
  xavp_cfg: string;
  event_callback: string;
  rand_engine: string;
  engine: string;
  engine_config: string;
  engine_algorithms: string;
  keylog_mode: number;
  keylog_file: string;
  keylog_peer: string;
  tls_max_connections: number;
  tcp_connect_timeout: number;
  tcp_send_timeout: number;
  max_message_size: number;
  memory_budget: number;
  tls_identity_check: boolean;
  tls13_record_layer: number;
}

export type ParamName = keyof ModuleParams;

/** Where a parameter comes from. */
export type ParamOrigin =
  | 'guide'     // the admin guide's parameter list
  | 'kamailio'  // Kamailio's newer code (key passwords, dual certificates, keylog)
  | 'core'      // a Kamailio core setting the transport needs
  | 'sip-tls';  // ours

export interface ParamSpec<N extends ParamName = ParamName> {
  name: N;
  type: ParamType;
  default: ModuleParams[N];
  /** Inclusive range of an int; `special` values are accepted outside it. */
  min?: number;
  max?: number;
  special?: readonly number[];
  /** Accepted values of an enum (matched case-insensitively, stored as written here). */
  values?: readonly string[];
  /** Longest accepted string, in bytes. */
  maxLength?: number;
  /** The cfg name it can be changed under at runtime (`cfg.set_now_int tls connection_timeout`). */
  runtime: string | null;
  /** A file or directory: resolved by the guide's path rules. */
  path: boolean;
  unit: string;
  origin: ParamOrigin;
  description: string;
}

/** Kamailio log levels L_ALERT (-5) .. L_DBG (3); the guide's examples also use 10. */
const LOG_RANGE = { min: -5, max: 100 };
const INT32_MAX = 2147483647;

/** The parameter table. Order: the guide's order, then Kamailio's later ones, then core/ours. */
export const PARAMS: readonly ParamSpec[] = [
  p({ name: 'tls_method', type: 'enum', default: 'TLSv1.2+', values: TLS_METHODS, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'TLS protocol versions accepted (guide default TLSv1; ours TLSv1.2+, see Compatibility decisions)' }),
  p({ name: 'certificate', type: 'string', default: 'cert.pem', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'certificate file (PEM, may hold the chain and the key); default cert.pem beside the main config' }),
  p({ name: 'private_key', type: 'string', default: 'cert.pem', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'private key file, or /engine:KEY or /uri:STORE-URI for HSM keys' }),
  p({ name: 'private_key_password', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'kamailio',
    description: 'password of an encrypted private key (see key_password_mode)' }),
  p({ name: 'key_password_mode', type: 'int', default: 0, min: 2, max: 3, special: [0], runtime: null, path: false, unit: '', origin: 'kamailio',
    description: 'how private_key_password is read: 0 the value itself, 2 an environment variable name, 3 a file (1, TTY prompt, is refused)' }),
  p({ name: 'certificate2', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'kamailio',
    description: 'second certificate (e.g. ECDSA beside RSA)' }),
  p({ name: 'private_key2', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'kamailio',
    description: 'private key of certificate2' }),
  p({ name: 'private_key_password2', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'kamailio',
    description: 'password of private_key2' }),
  p({ name: 'ca_list', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'trusted CA certificates (PEM); their names are sent in the certificate request' }),
  p({ name: 'ca_path', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'directory of hashed (c_rehash) trusted CA certificates, looked up when needed' }),
  p({ name: 'crl', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'certificate revocation list (PEM); every chain level then needs a CRL' }),
  p({ name: 'verify_certificate', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'verify the peer certificate (legacy; OR-combined with verify_client)' }),
  p({ name: 'verify_depth', type: 'int', default: 9, min: 0, max: 100, runtime: null, path: false, unit: 'certificates', origin: 'guide',
    description: 'how far up the chain verification searches for a trusted CA' }),
  p({ name: 'require_certificate', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'require a client certificate (legacy; OR-combined with verify_client)' }),
  p({ name: 'verify_client', type: 'enum', default: 'off', values: VERIFY_CLIENT_MODES, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'client certificate policy: off, on, optional, optional_no_ca' }),
  p({ name: 'cipher_list', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'OpenSSL cipher list (TLS 1.3 suites when tls_method is TLSv1.3 or TLSv1.3+); empty: OpenSSL default' }),
  p({ name: 'server_name', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'SNI value of the default profiles (sent by the client side when a connect gives none)' }),
  p({ name: 'connection_timeout', type: 'int', default: 600, min: 0, max: INT32_MAX, special: [-1], runtime: 'tls.connection_timeout', path: false, unit: 's', origin: 'guide',
    description: 'idle time after which a TLS connection is closed, all its life (Kamailio: until the first I/O, then tcp_connection_lifetime); -1 never' }),
  p({ name: 'tls_disable_compression', type: 'bool', default: true, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'disable TLS compression; 0 is refused (Node\'s OpenSSL has no compression)' }),
  p({ name: 'ssl_release_buffers', type: 'int', default: 1, min: -1, max: 1, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'SSL_MODE_RELEASE_BUFFERS: 1 set, 0 clear, -1 OpenSSL default' }),
  p({ name: 'ssl_freelist_max_len', type: 'int', default: 0, min: 0, max: 1048576, special: [-1], runtime: null, path: false, unit: 'buffers', origin: 'guide',
    description: 'cap of our own I/O buffer freelist (OpenSSL 3 has none); -1 our default (32)' }),
  p({ name: 'ssl_max_send_fragment', type: 'int', default: -1, min: 512, max: 16384, special: [-1], runtime: null, path: false, unit: 'bytes', origin: 'guide',
    description: 'largest clear-text fragment per TLS record, 512..16384; -1 OpenSSL default (16384)' }),
  p({ name: 'ssl_read_ahead', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'OpenSSL read ahead (-1 = OpenSSL default = off)' }),
  p({ name: 'send_close_notify', type: 'bool', default: false, runtime: 'tls.send_close_notify', path: false, unit: '', origin: 'guide',
    description: 'send a close_notify alert before closing a connection' }),
  p({ name: 'con_ct_wq_max', type: 'int', default: 65536, min: 0, max: 4194304, runtime: 'tls.con_ct_wq_max', path: false, unit: 'bytes', origin: 'guide',
    description: 'per-connection clear-text queue limit while a handshake is pending' }),
  p({ name: 'ct_wq_max', type: 'int', default: 10485760, min: 0, max: 1073741824, runtime: 'tls.ct_wq_max', path: false, unit: 'bytes', origin: 'guide',
    description: 'total clear-text queue limit over all connections' }),
  p({ name: 'ct_wq_blk_size', type: 'int', default: 4096, min: 1, max: 65536, runtime: 'tls.ct_wq_blk_size', path: false, unit: 'bytes', origin: 'guide',
    description: 'minimum block size of the clear-text queues' }),
  p({ name: 'tls_log', type: 'int', default: 3, ...LOG_RANGE, runtime: 'tls.log', path: false, unit: 'log level', origin: 'guide',
    description: 'log level of TLS messages (3 = debug)' }),
  p({ name: 'tls_debug', type: 'int', default: 3, ...LOG_RANGE, runtime: 'tls.debug', path: false, unit: 'log level', origin: 'guide',
    description: 'log level of TLS debug messages (3 = debug)' }),
  p({ name: 'low_mem_threshold1', type: 'int', default: -1, min: 0, max: INT32_MAX, special: [-1], runtime: 'tls.low_mem_threshold1', path: false, unit: 'KB', origin: 'guide',
    description: 'free memory (of memory_budget) below which new connections are refused; -1 default (1024 KB), 0 off' }),
  p({ name: 'low_mem_threshold2', type: 'int', default: -1, min: 0, max: INT32_MAX, special: [-1], runtime: 'tls.low_mem_threshold2', path: false, unit: 'KB', origin: 'guide',
    description: 'free memory (of memory_budget) below which reads and writes fail; -1 default (512 KB), 0 off' }),
  p({ name: 'tls_force_run', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'start even if the OpenSSL version check fails' }),
  p({ name: 'session_cache', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'server-side TLS session cache and session tickets (off: neither)' }),
  p({ name: 'session_id', type: 'string', default: 'kamailio-tls-5.x.y', maxLength: 32, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'session id context (at most 32 bytes)' }),
  p({ name: 'renegotiation', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'guide',
    description: 'allow TLS renegotiation (off: a renegotiation closes the connection)' }),
  p({ name: 'config', type: 'string', default: '', runtime: 'tls.config', path: true, unit: 'path', origin: 'guide',
    description: 'tls.cfg file or directory of profiles; when set the per-profile parameters above are ignored' }),
  p({ name: 'xavp_cfg', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'name of the XAVP carrying server_name/server_id per outbound connection; refused unless empty (connect() options serverName/serverId here)' }),
  p({ name: 'event_callback', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'function to run instead of the tls:connection-out event route' }),
  p({ name: 'rand_engine', type: 'enum', default: '', values: ['', 'krand', 'fastrand', 'cryptorand', 'kxlibssl'], runtime: null, path: false, unit: '', origin: 'guide',
    description: 'random engine of the module\'s own OpenSSL context (never Node\'s); empty: OpenSSL default' }),
  p({ name: 'engine', type: 'string', default: 'NONE', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'OpenSSL engine id for /engine: keys; NONE disables' }),
  p({ name: 'engine_config', type: 'string', default: 'NONE', runtime: null, path: true, unit: 'path', origin: 'guide',
    description: 'OpenSSL config file that initialises the engine (PIN etc.); NONE for none' }),
  p({ name: 'engine_algorithms', type: 'string', default: 'NONE', runtime: null, path: false, unit: '', origin: 'guide',
    description: 'comma list of ALL RSA DSA DH EC RAND CIPHERS DIGESTS PKEY PKEY_CRYPTO PKEY_ASN1 set default in the engine; NONE' }),
  p({ name: 'keylog_mode', type: 'int', default: 0, min: 0, max: 2047, runtime: null, path: false, unit: 'bit flags', origin: 'kamailio',
    description: 'TLS key logging, NSS key log lines (1 init, 2 active, 4 log at NOTICE, 8 append to keylog_file, 16 send to keylog_peer, 1024 only the lines needed to decrypt); a debugging aid' }),
  p({ name: 'keylog_file', type: 'string', default: '', runtime: null, path: true, unit: 'path', origin: 'kamailio',
    description: 'file the TLS keys are appended to (NSS key log format, created 0600) when keylog_mode has 1+2+8' }),
  p({ name: 'keylog_peer', type: 'string', default: '', runtime: null, path: false, unit: '', origin: 'kamailio',
    description: 'udp:IP:PORT each key log line is sent to as one datagram when keylog_mode has 1+2+16' }),
  p({ name: 'tls_max_connections', type: 'int', default: 2048, min: 0, max: INT32_MAX, runtime: 'tcp.max_tls_connections', path: false, unit: 'connections', origin: 'core',
    description: 'most TLS connections open at once; more are refused at accept' }),
  p({ name: 'tcp_connect_timeout', type: 'int', default: 10, min: 1, max: 86400, runtime: 'tcp.connect_timeout', path: false, unit: 's', origin: 'core',
    description: 'outbound connect plus TLS handshake time limit (replaces handshake_timeout)' }),
  p({ name: 'tcp_send_timeout', type: 'int', default: 10, min: 1, max: 86400, runtime: 'tcp.send_timeout', path: false, unit: 's', origin: 'core',
    description: 'time a send may wait for the socket before the connection is closed (replaces send_timeout)' }),
  p({ name: 'max_message_size', type: 'int', default: 65535, min: 1024, max: 16777216, runtime: null, path: false, unit: 'bytes', origin: 'core',
    description: 'largest SIP message accepted on a connection' }),
  p({ name: 'memory_budget', type: 'int', default: 0, min: 0, max: INT32_MAX, runtime: null, path: false, unit: 'KB', origin: 'sip-tls',
    description: 'memory the low-memory thresholds are measured against; 0: the cgroup memory limit, else total system memory' }),
  p({ name: 'tls_identity_check', type: 'bool', default: false, runtime: null, path: false, unit: '', origin: 'sip-tls',
    description: 'RFC 5922 identity check of the server certificate by the client, during the handshake (sip: URI SAN, else DNS SAN without wildcards, CN only without SAN); per profile with tls.cfg identity_check; mismatch: ERR_TLS_IDENTITY_MISMATCH' }),
  p({ name: 'tls13_record_layer', type: 'int', default: 1, min: 0, max: 1, runtime: null, path: false, unit: '', origin: 'sip-tls',
    description: 'who runs the records of a TLS 1.3 connection once its handshake is done: 1 sip-tls, which frees OpenSSL\'s connection object (about 13 KiB; AES-GCM and ChaCha20-Poly1305 suites, not with session_cache or ssl_read_ahead), 0 OpenSSL' }),
];

/** Parameters that no longer exist, with the one that replaced them. */
export const OBSOLETE_PARAMS: Readonly<Record<string, string>> = {
  send_timeout: 'tcp_send_timeout',
  handshake_timeout: 'tcp_connect_timeout',
};

/** Boolean spellings of the guide and Kamailio's cfg parser (case-insensitive). */
export const TRUE_WORDS = ['yes', 'true', 'enable', 'enabled', '1', 'on'] as const;
export const FALSE_WORDS = ['no', 'false', 'disable', 'disabled', '0', 'off'] as const;

const ENGINE_ALGORITHMS = ['ALL', 'RSA', 'DSA', 'DH', 'EC', 'RAND', 'CIPHERS', 'DIGESTS', 'PKEY', 'PKEY_CRYPTO', 'PKEY_ASN1'];

/** A parameter name or value was rejected; `parameter` names it. */
export class ParamError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

function p<N extends ParamName>(spec: ParamSpec<N>): ParamSpec {
  return spec as unknown as ParamSpec;
}

const BY_NAME = new Map<string, ParamSpec>(PARAMS.map((s) => [s.name, s]));
const BY_RUNTIME = new Map<string, ParamSpec>(
  PARAMS.filter((s) => s.runtime).map((s) => [s.runtime as string, s]),
);

/** The spec of a parameter by its Kamailio name, or undefined. */
export function findParam(name: string): ParamSpec | undefined {
  return BY_NAME.get(name);
}

/**
 * The spec of a runtime parameter by its runtime name (`tls.log`), group and name given apart
 * (`tls`, `log`), or, without a group, its module name (`tls_log`); the spec may be a start-only
 * parameter only when found by module name.
 */
export function findRuntimeParam(name: string, group?: string): ParamSpec | undefined {
  const full = group ? `${group}.${name}` : name;
  return BY_RUNTIME.get(full) ?? BY_RUNTIME.get(`tls.${full}`) ?? (group ? undefined : BY_NAME.get(name));
}

/**
 * The spec of a parameter by any of the names an operator may use: the module name (`tls_log`),
 * the runtime name (`tls.log`), group and name given apart (`tls`, `log`, as
 * `cfg.set_now_int tls log 10` and `cfg.get tls log` do) or its `tls.options` field name
 * (`tls`, `method`). Undefined when none fits.
 */
export function findCfgParam(name: string, group?: string): ParamSpec | undefined {
  const full = group ? `${group}.${name}` : name;
  const runtime = BY_RUNTIME.get(full) ?? (group ? undefined : BY_RUNTIME.get(`tls.${name}`));
  if (runtime) return runtime;
  if (group && group !== 'tls') return undefined;
  return BY_OPTIONS_FIELD.get(name) ?? BY_NAME.get(name);
}

/** The closest known parameter name, for "did you mean" hints. */
export function closestParamName(name: string): string | undefined {
  return closestName(name, PARAMS.map((s) => s.name));
}

/** The candidate with the smallest edit distance, if it is close enough to be a likely typo. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) { best = candidate; bestDistance = d; }
  }
  const limit = Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Throws a ParamError naming the parameter if `name` is unknown or obsolete. */
export function requireParam(name: string): ParamSpec {
  const spec = BY_NAME.get(name);
  if (spec) return spec;
  const replacement = OBSOLETE_PARAMS[name];
  if (replacement) {
    throw new ParamError(name, `parameter '${name}' is obsolete: use '${replacement}' (common to all TCP connections)`);
  }
  const hint = closestParamName(name);
  throw new ParamError(name, `unknown parameter '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
}

/** "0..100", "-1 or 512..16384", "one of a, b". */
export function describeAccepted(spec: ParamSpec): string {
  switch (spec.type) {
    case 'bool': return `a boolean (${TRUE_WORDS.join('/')} or ${FALSE_WORDS.join('/')})`;
    case 'enum': return `one of ${(spec.values ?? []).map((v) => (v === '' ? '""' : v)).join(', ')}`;
    case 'string': return spec.maxLength ? `a string of at most ${spec.maxLength} bytes` : 'a string';
    case 'int': {
      const range = `${spec.min}..${spec.max}`;
      const special = spec.special?.length ? `${spec.special.join(', ')} or ` : '';
      return `an integer ${special}${range}${spec.unit && spec.unit !== 'bit flags' ? ` (${spec.unit})` : ''}`;
    }
  }
}

/** Parses a boolean spelling; undefined if it is none. */
export function parseBoolWord(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if ((TRUE_WORDS as readonly string[]).includes(word)) return true;
  if ((FALSE_WORDS as readonly string[]).includes(word)) return false;
  return undefined;
}

/**
 * Validates and converts one value for a parameter, the way a module parameter is given:
 * strings (from sip-tls.ini or RPC), numbers and booleans (from a params object).
 * Booleans also take integers, as Kamailio's int-typed modparams do (the guide's own example sets
 * `tls_force_run` to 11): > 0 is true, 0 and -1 (the guide's "OpenSSL default") are false.
 * Throws ParamError naming the parameter and what it accepts.
 */
export function parseParamValue<N extends ParamName>(name: N, raw: unknown): ModuleParams[N];
export function parseParamValue(name: string, raw: unknown): ParamValue;
export function parseParamValue(name: string, raw: unknown): ParamValue {
  const spec = requireParam(name);
  const bad = (): never => {
    throw new ParamError(name, `invalid value ${JSON.stringify(raw)} for parameter '${name}': expected ${describeAccepted(spec)}`);
  };
  if (raw === null || raw === undefined || (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean')) {
    return bad();
  }
  switch (spec.type) {
    case 'bool': {
      const value = parseBoolValue(raw);
      return value === undefined ? bad() : refuseCompression(name, value);
    }
    case 'int': {
      const n = typeof raw === 'number' ? (Number.isInteger(raw) ? raw : undefined)
        : typeof raw === 'string' ? parseIntStrict(raw) : undefined;
      if (n === undefined) return bad();
      if (spec.special?.includes(n)) return n;
      if (name === 'key_password_mode' && n === 1) {
        throw new ParamError(name, `key_password_mode 1 (prompt on the TTY) is not supported: sip-tls never prompts; use 0 (the value), 2 (environment variable) or 3 (file)`);
      }
      if (n < (spec.min as number) || n > (spec.max as number)) return bad();
      return n;
    }
    case 'enum': {
      if (typeof raw !== 'string') return bad();
      const found = (spec.values ?? []).find((v) => v.toLowerCase() === raw.trim().toLowerCase());
      return found === undefined ? bad() : found;
    }
    case 'string': {
      if (typeof raw !== 'string') return bad();
      if (spec.maxLength !== undefined && Buffer.byteLength(raw) > spec.maxLength) return bad();
      if (name === 'engine_algorithms') return parseEngineAlgorithms(raw) ?? bad();
      if (name === 'xavp_cfg' && raw !== '') {
        throw new ParamError(name, `xavp_cfg is not supported: there are no XAVPs here; give serverName and serverId to connect() or open() instead`);
      }
      return raw;
    }
  }
}

/** A boolean, a word (yes/no, on/off, …) or an integer (> 0 is true); undefined otherwise. */
function parseBoolValue(raw: string | number | boolean): boolean | undefined {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw > 0 : undefined;
  const word = parseBoolWord(raw);
  if (word !== undefined) return word;
  const n = parseIntStrict(raw);
  return n === undefined ? undefined : n > 0;
}

/** Node's OpenSSL is built without compression (OPENSSL_NO_COMP): asking for it is refused. */
function refuseCompression(name: string, value: boolean): boolean {
  if (name === 'tls_disable_compression' && !value) {
    throw new ParamError(name, `tls_disable_compression 0 is not supported: Node's OpenSSL is built without TLS compression (OPENSSL_NO_COMP)`);
  }
  return value;
}

function parseEngineAlgorithms(raw: string): string | undefined {
  if (raw.trim().toUpperCase() === 'NONE') return 'NONE';
  const items = raw.split(',').map((s) => s.trim().toUpperCase());
  return items.length > 0 && items.every((s) => ENGINE_ALGORITHMS.includes(s)) ? items.join(',') : undefined;
}

/** A decimal integer, optionally signed, and nothing else. */
export function parseIntStrict(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^[+-]?\d{1,15}$/.test(text)) return undefined;
  return Number(text);
}

/** The defaults of every parameter. */
export function defaultParams(): ModuleParams {
  const values: Record<string, ParamValue> = {};
  for (const spec of PARAMS) values[spec.name] = spec.default;
  return values as unknown as ModuleParams;
}

/** Field of `tls.options`, in Kamailio's order (kamailio-behaviour.md §8). */
export type TlsOptions = Record<string, number | string>;

/** The `tls.options` fields with the parameter each one shows. */
const TLS_OPTIONS_FIELDS: ReadonlyArray<readonly [string, ParamName]> = [
  ['force_run', 'tls_force_run'],
  ['method', 'tls_method'],
  ['verify_certificate', 'verify_certificate'],
  ['verify_depth', 'verify_depth'],
  ['require_certificate', 'require_certificate'],
  ['verify_client', 'verify_client'],
  ['private_key', 'private_key'],
  ['ca_list', 'ca_list'],
  ['certificate', 'certificate'],
  ['cipher_list', 'cipher_list'],
  ['session_cache', 'session_cache'],
  ['session_id', 'session_id'],
  ['config', 'config'],
  ['log', 'tls_log'],
  ['debug', 'tls_debug'],
  ['connection_timeout', 'connection_timeout'],
  ['disable_compression', 'tls_disable_compression'],
  ['ssl_release_buffers', 'ssl_release_buffers'],
  ['ssl_freelist_max', 'ssl_freelist_max_len'],
  ['ssl_max_send_fragment', 'ssl_max_send_fragment'],
  ['ssl_read_ahead', 'ssl_read_ahead'],
  ['send_close_notify', 'send_close_notify'],
  ['low_mem_threshold1', 'low_mem_threshold1'],
  ['low_mem_threshold2', 'low_mem_threshold2'],
  ['ct_wq_max', 'ct_wq_max'],
  ['con_ct_wq_max', 'con_ct_wq_max'],
  ['ct_wq_blk_size', 'ct_wq_blk_size'],
];

const BY_OPTIONS_FIELD = new Map<string, ParamSpec>(
  TLS_OPTIONS_FIELDS.map(([field, name]) => [field, BY_NAME.get(name) as ParamSpec]),
);

/** Called after a parameter changed: its name, the new and the old value. */
export type ParamChangeListener = <N extends ParamName>(name: N, value: ModuleParams[N], previous: ModuleParams[N]) => void;

/** One row of `ParamStore.list()`: a parameter's spec and its current value. */
export interface ParamEntry {
  spec: ParamSpec;
  value: ParamValue;
}

/**
 * The current values of all parameters. Start-time values come in through the constructor (every
 * value validated; every bad one reported); later changes only through `setRuntime`, which refuses
 * parameters the guide does not let change at runtime. Listeners hear of every change.
 */
export class ParamStore {
  /** The main config file's directory: relative file parameters resolve against it. */
  readonly baseDir: string;
  private readonly values: ModuleParams;
  private readonly listeners = new Set<ParamChangeListener>();

  /**
   * @param initial parameters by their Kamailio names; values as strings, numbers or booleans.
   * @param options.baseDir the main config file's directory (default: the working directory); file
   *   parameters (`certificate`, `config`, …, defaults included) are stored resolved against it.
   * @throws ParamError for the first bad name or value (all of them in `errors` of the thrown error
   *   when there are several: use `ParamStore.validate` to get the list without throwing).
   */
  constructor(initial: Readonly<Record<string, unknown>> = {}, options: { baseDir?: string } = {}) {
    this.baseDir = path.resolve(options.baseDir ?? process.cwd());
    this.values = defaultParams();
    const { values, errors } = ParamStore.validate(initial);
    if (errors.length > 0) {
      const first = errors[0] as ParamError & { errors?: ParamError[] };
      first.errors = errors;
      throw first;
    }
    Object.assign(this.values, values);
    for (const spec of PARAMS) {
      if (spec.path) this.setValue(spec.name, this.resolvePath(spec.name, this.values[spec.name] as string));
    }
  }

  /** Validates a set of parameters, returning the converted values and every error. */
  static validate(initial: Readonly<Record<string, unknown>>): { values: Partial<ModuleParams>; errors: ParamError[] } {
    const values: Record<string, ParamValue> = {};
    const errors: ParamError[] = [];
    for (const [name, raw] of Object.entries(initial)) {
      try {
        values[name] = parseParamValue(name, raw);
      } catch (err) {
        if (err instanceof ParamError) errors.push(err); else throw err;
      }
    }
    return { values: values as Partial<ModuleParams>, errors };
  }

  private resolvePath(name: ParamName, value: string): string {
    if (name === 'engine_config' && value.toUpperCase() === 'NONE') return value;
    return resolveConfigPath(value, this.baseDir);
  }

  private setValue(name: ParamName, value: ParamValue): void {
    (this.values as unknown as Record<string, ParamValue>)[name] = value;
  }

  /** The current value of a parameter. */
  get<N extends ParamName>(name: N): ModuleParams[N] {
    requireParam(name);
    return this.values[name];
  }

  /** A copy of all current values. */
  snapshot(): ModuleParams {
    return { ...this.values };
  }

  /** Every parameter with its spec and current value, in table order (for `cfg.get`/listing). */
  list(): ParamEntry[] {
    return PARAMS.map((spec) => ({ spec, value: this.values[spec.name] }));
  }

  /**
   * A parameter and its current value by any name `findCfgParam` knows (for `cfg.get`);
   * undefined when none fits.
   */
  lookup(name: string, group?: string): ParamEntry | undefined {
    const spec = findCfgParam(name, group);
    return spec ? { spec, value: this.values[spec.name] } : undefined;
  }

  /**
   * Changes a runtime parameter, validated as at start. `name` is the module name
   * (`connection_timeout`), the runtime name (`tls.connection_timeout`) or, with `group`, the
   * cfg name as `cfg.set_now_int tls connection_timeout 180` gives it.
   * @returns the name of the parameter changed.
   * @throws ParamError for unknown or non-runtime parameters and bad values.
   */
  setRuntime(name: string, value: unknown, group?: string): ParamName {
    const spec = findCfgParam(name, group);
    const shown = group ? `${group}.${name}` : name;
    if (!spec) {
      requireParam(name);
      throw new ParamError(name, `unknown parameter '${shown}'`);
    }
    if (!spec.runtime) {
      const runtimeNames = PARAMS.filter((s) => s.runtime).map((s) => s.runtime).join(', ');
      throw new ParamError(spec.name, `parameter '${spec.name}' cannot be changed at runtime (runtime parameters: ${runtimeNames})`);
    }
    let parsed = parseParamValue(spec.name, value);
    if (spec.path) parsed = this.resolvePath(spec.name, parsed as string);
    const previous = this.values[spec.name];
    this.setValue(spec.name, parsed);
    if (previous !== parsed) {
      for (const listener of this.listeners) listener(spec.name, parsed as never, previous as never);
    }
    return spec.name;
  }

  /** Registers a change listener; returns the function that removes it. */
  onChange(listener: ParamChangeListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  /**
   * The `tls.options` RPC result: Kamailio's field names and order; booleans as 0/1.
   * low_mem_threshold1/2 are in KB (Kamailio shows bytes; we keep KB everywhere).
   */
  options(): TlsOptions {
    const result: TlsOptions = {};
    for (const [field, name] of TLS_OPTIONS_FIELDS) {
      const value = this.values[name];
      result[field] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    }
    return result;
  }
}
