/**
 * The tls.cfg parser and serializer. Kamailio's grammar (core cfg_parser.c, see
 * kamailio-behaviour.md §1): `[TYPE:HOST]` headers, `key = value` lines, `#` comments,
 * case-insensitive names, booleans in every spelling, quoted values with `\\ \" \n \r \t` and
 * backslash-newline, unquoted "extended" values up to whitespace or `#`, ints unquoted only when
 * not negative. Errors read `file:line:col: message` with Kamailio's texts. The parser recovers
 * after an error (skips to the next line) so that a check lists every error of a file.
 *
 * The `ini` package cannot read this format (it splits `[server:10.0.0.1:5061]` on dots and does
 * not see `[server:[2001:db8::1]:5061]` as a section at all), hence our own parser.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ConfigError } from './config-error';
import { parseBoolWord, parseIntStrict, closestName } from './params';
import { ProfileAddress, ProfileSettings, Role, TLS_METHODS, VERIFY_CLIENT_MODES } from './profile';

type KeyType = 'string' | 'path' | 'bool' | 'int' | 'method' | 'verify_client';

interface KeySpec {
  /** The canonical tls.cfg key (the first spelling of the guide). */
  key: string;
  field: keyof ProfileSettings;
  type: KeyType;
}

const KEY_SPECS: ReadonlyArray<readonly [KeySpec, readonly string[]]> = [
  [{ key: 'method', field: 'method', type: 'method' }, ['tls_method']],
  [{ key: 'verify_certificate', field: 'verifyCertificate', type: 'bool' }, ['verify_cert']],
  [{ key: 'require_certificate', field: 'requireCertificate', type: 'bool' }, ['require_cert']],
  [{ key: 'verify_depth', field: 'verifyDepth', type: 'int' }, []],
  [{ key: 'verify_client', field: 'verifyClient', type: 'verify_client' }, []],
  [{ key: 'private_key', field: 'privateKey', type: 'path' }, ['pkey_file']],
  [{ key: 'private_key_password', field: 'privateKeyPassword', type: 'string' }, ['pkey_password']],
  [{ key: 'certificate', field: 'certificate', type: 'path' }, ['cert_file']],
  [{ key: 'ca_list', field: 'caList', type: 'path' }, ['calist_file']],
  [{ key: 'ca_path', field: 'caPath', type: 'path' }, []],
  [{ key: 'crl', field: 'crl', type: 'path' }, []],
  [{ key: 'cipher_list', field: 'cipherList', type: 'string' }, []],
  [{ key: 'server_name', field: 'serverName', type: 'string' }, []],
  [{ key: 'server_name_mode', field: 'serverNameMode', type: 'int' }, []],
  [{ key: 'server_id', field: 'serverId', type: 'string' }, []],
  [{ key: 'certificate2', field: 'certificate2', type: 'path' }, ['cert_file2']],
  [{ key: 'private_key2', field: 'privateKey2', type: 'path' }, ['pkey_file2']],
  [{ key: 'private_key_password2', field: 'privateKeyPassword2', type: 'string' }, ['pkey_password2']],
  [{ key: 'tls_identity_check', field: 'identityCheck', type: 'bool' }, ['identity_check']],
];

const KEYS = new Map<string, KeySpec>();
for (const [spec, aliases] of KEY_SPECS) {
  KEYS.set(spec.key, spec);
  for (const alias of aliases) KEYS.set(alias, spec);
}

/** The tls.cfg key of each profile field, as the serializer writes it. */
export const TLS_CFG_KEY_OF: Readonly<Partial<Record<keyof ProfileSettings, string>>> =
  Object.fromEntries(KEY_SPECS.map(([spec]) => [spec.field, spec.key]));

/** Module parameters that are not tls.cfg keys: a hint instead of a bare "Unsupported option". */
const MODULE_ONLY = new Set(['engine', 'engine_config', 'engine_algorithms', 'config', 'session_cache', 'session_id']);

const ROLE_WORDS: Readonly<Record<string, Role>> = {
  server: 'server', srv: 'server', s: 'server',
  client: 'client', cli: 'client', c: 'client',
};

/** Kamailio's longest token. */
const MAX_TOKEN = 511;

/** Where a value was written. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One `[role:address]` section as written: only the keys it sets, paths not yet resolved. */
export interface TlsCfgSection {
  role: Role;
  address: ProfileAddress;
  /** The header as written without brackets and blanks, e.g. `server:any`, `s:[::1]:5061`. */
  section: string;
  file: string;
  line: number;
  col: number;
  values: Partial<ProfileSettings>;
  /** Where each key was set (the last time, as the last one wins). */
  keys: Partial<Record<keyof ProfileSettings, SourceLocation>>;
}

export interface TlsCfgParseResult {
  sections: TlsCfgSection[];
  errors: ConfigError[];
}

class LineError extends Error {
  constructor(readonly reason: string, readonly line: number, readonly col: number, readonly parameter = '') {
    super(reason);
  }
}

/**
 * Parses tls.cfg text. Several texts (the files of a config directory) can be fed in order to one
 * parser: a file without a header continues the last section of the previous one, as in Kamailio.
 */
export class TlsCfgParser {
  private readonly sections: TlsCfgSection[] = [];
  private readonly errors: ConfigError[] = [];
  /** The section options go to; a placeholder after a broken header so its keys are still checked. */
  private current: TlsCfgSection | null = null;

  private text = '';
  private file = '';
  private pos = 0;
  private line = 1;
  private col = 1;
  /** Set once a line's newline is consumed, so error recovery does not skip the next line. */
  private lineEnded = false;

  /** Parses one text; never throws for bad input (errors are collected). */
  feed(text: string, file: string): this {
    this.text = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    this.file = file;
    this.pos = 0;
    this.line = 1;
    this.col = 1;
    while (this.pos < this.text.length) {
      this.lineEnded = false;
      try {
        this.parseLine();
      } catch (err) {
        if (!(err instanceof LineError)) throw err;
        this.errors.push(new ConfigError(err.reason, { file, line: err.line, col: err.col, parameter: err.parameter }));
        if (!this.lineEnded) this.skipToEol();
      }
    }
    return this;
  }

  result(): TlsCfgParseResult {
    return { sections: this.sections.slice(), errors: this.errors.slice() };
  }

  // ---- scanning ----

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? '';
  }

  private advance(): string {
    const c = this.text[this.pos++];
    if (c === '\n') { this.line++; this.col = 1; } else { this.col++; }
    return c;
  }

  private eof(): boolean {
    return this.pos >= this.text.length;
  }

  private skipBlanks(): void {
    while (!this.eof()) {
      const c = this.peek();
      if (c !== ' ' && c !== '\t' && c !== '\r') break;
      this.advance();
    }
  }

  /** At the end of the logical line: EOF, newline or a comment. */
  private atEol(): boolean {
    const c = this.peek();
    return c === '' || c === '\n' || c === '#';
  }

  /** Consumes a comment up to (not including) its newline; `\` escapes the next char, so `\`+newline continues it. */
  private skipComment(): void {
    while (!this.eof() && this.peek() !== '\n') {
      if (this.advance() === '\\' && !this.eof()) this.advance();
    }
  }

  /** Ends a line: optional blanks and comment, then newline or EOF; else "End of line expected". */
  private expectEol(): void {
    this.skipBlanks();
    if (this.peek() === '#') this.skipComment();
    if (this.eof()) return;
    if (this.peek() !== '\n') throw new LineError('End of line expected', this.line, this.col);
    this.advance();
    this.lineEnded = true;
  }

  private skipToEol(): void {
    while (!this.eof() && this.peek() !== '\n') this.advance();
    if (!this.eof()) this.advance();
  }

  private error(reason: string, parameter = ''): never {
    throw new LineError(reason, this.line, this.col, parameter);
  }

  /** A plain token: `[A-Za-z0-9_]+` (may be empty). */
  private plainToken(): string {
    const start = this.pos;
    while (!this.eof() && /[A-Za-z0-9_]/.test(this.peek())) this.advance();
    const token = this.text.slice(start, this.pos);
    if (token.length > MAX_TOKEN) throw new LineError('Token too long', this.line, this.col - token.length);
    return token;
  }

  /** A quoted string starting at `"`; returns its value with escapes applied. */
  private quoted(): string {
    this.advance();
    let value = '';
    for (;;) {
      if (this.eof()) this.error('Premature end of file, closing \'"\' missing');
      const c = this.peek();
      if (c === '\n') this.error('Closing \'"\' missing before the end of line');
      this.advance();
      if (c === '"') break;
      if (c !== '\\') { value += c; continue; }
      if (this.eof()) this.error('Premature end of file, closing \'"\' missing');
      const e = this.peek();
      const mapped = e === '\\' ? '\\' : e === '"' ? '"' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '\n' ? '' : undefined;
      if (mapped === undefined) this.error(`Unsupported escape character '${e}'`);
      this.advance();
      value += mapped;
    }
    if (value.length > MAX_TOKEN) this.error('Token too long');
    return value;
  }

  /** An extended-mode value: quoted, or everything up to whitespace, `#` or end of line. */
  private extendedValue(): string {
    if (this.peek() === '"') return this.quoted();
    const start = this.pos;
    while (!this.eof()) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '#') break;
      this.advance();
    }
    const token = this.text.slice(start, this.pos);
    if (token.length > MAX_TOKEN) throw new LineError('Token too long', this.line, this.col - token.length);
    return token;
  }

  /** A non-extended int value: a quoted string, a plain token, or else the one delimiter char. */
  private intValue(): string {
    if (this.peek() === '"') return this.quoted();
    const token = this.plainToken();
    return token !== '' ? token : this.advance();
  }

  // ---- grammar ----

  private parseLine(): void {
    this.skipBlanks();
    if (this.eof()) return;
    const c = this.peek();
    if (c === '\n') { this.advance(); return; }
    if (c === '#') { this.skipComment(); return; }
    if (c === '[') { this.parseHeader(); return; }
    this.parseOption();
  }

  private parseHeader(): void {
    const line = this.line;
    const col = this.col;
    const open = this.pos;
    this.advance();
    this.skipBlanks();
    // Options up to the next good header go to a placeholder, so their errors are still found
    // without "option before the first header" noise.
    this.current = null;
    const placeholder = (): void => {
      this.current = { role: 'server', address: { kind: 'default' }, section: '', file: this.file, line, col, values: {}, keys: {} };
    };
    try {
      if (this.atEol() || this.peek() === ']') this.error('TLS domain type missing');
      const typeCol = this.col;
      const typeWord = this.plainToken();
      const role = ROLE_WORDS[typeWord.toLowerCase()];
      if (!role) throw new LineError('Invalid TLS domain type', this.line, typeCol);
      this.skipBlanks();
      if (this.peek() !== ':') this.error('Syntax error, \':\' expected');
      this.advance();
      this.skipBlanks();
      const address = this.parseHost();
      this.skipBlanks();
      if (this.atEol()) this.error('Closing \']\' missing');
      if (this.peek() !== ']') this.error('Syntax error, \']\' expected');
      const close = this.pos;
      this.advance();
      this.expectEol();
      const section = this.text.slice(open + 1, close).replace(/[ \t\r]/g, '');
      this.current = { role, address, section, file: this.file, line, col, values: {}, keys: {} };
      this.sections.push(this.current);
    } catch (err) {
      placeholder();
      throw err;
    }
  }

  private parseHost(): ProfileAddress {
    if (this.atEol() || this.peek() === ']') this.error('Missing IP address');
    if (this.peek() === '[') return this.parseIpv6();
    const startCol = this.col;
    const word = this.plainToken();
    if (word === '') this.error('Syntax error, IP address expected');
    const lower = word.toLowerCase();
    if (lower === 'default' || lower === 'def') return { kind: 'default' };
    if (lower === 'any' || lower === 'all') return { kind: 'any' };
    const octets = [word];
    for (let i = 0; i < 3; i++) {
      this.skipBlanks();
      if (this.peek() !== '.') throw new LineError('Invalid IPv4 address', this.line, startCol);
      this.advance();
      this.skipBlanks();
      octets.push(this.plainToken());
    }
    if (!octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) {
      throw new LineError('Invalid IPv4 address', this.line, startCol);
    }
    const ip = octets.map((o) => String(Number(o))).join('.');
    return { kind: 'ip', ip, port: this.parsePort() };
  }

  private parseIpv6(): ProfileAddress {
    const startCol = this.col;
    this.advance();
    const start = this.pos;
    while (!this.eof() && /[0-9A-Za-z:.]/.test(this.peek())) this.advance();
    const text = this.text.slice(start, this.pos);
    if (this.peek() !== ']' || !net.isIPv6(text)) throw new LineError('Invalid IPv6 address', this.line, startCol);
    this.advance();
    return { kind: 'ip', ip: canonicalIp(text), port: this.parsePort() };
  }

  private parsePort(): number {
    this.skipBlanks();
    if (this.peek() !== ':') this.error('Syntax error, \':\' expected');
    this.advance();
    this.skipBlanks();
    if (this.eof()) this.error('Premature end of file, port number missing');
    const col = this.col;
    const token = this.plainToken() || (this.atEol() ? '' : this.peek());
    if (!/^\d{1,5}$/.test(token) || Number(token) > 65535) {
      throw new LineError(`Invalid port number '${token}'`, this.line, col);
    }
    return Number(token);
  }

  private parseOption(): void {
    const line = this.line;
    const col = this.col;
    const name = this.plainToken();
    if (name === '') this.error('Syntax error');
    const lower = name.toLowerCase();
    const spec = KEYS.get(lower);
    if (!spec) throw new LineError(unsupportedOption(name), line, col, lower);
    this.skipBlanks();
    if (this.atEol()) this.error('Delimiter \'=\' missing', spec.key);
    if (this.peek() !== '=') this.error('Syntax error, \'=\' expected', spec.key);
    this.advance();
    this.skipBlanks();
    if (this.atEol()) this.error('Option value missing', spec.key);
    const valueLine = this.line;
    const valueCol = this.col;
    const raw = spec.type === 'int' ? this.intValue() : this.extendedValue();
    const value = convertValue(spec, raw);
    if (isConversionError(value)) throw new LineError(value.error, valueLine, valueCol, spec.key);
    this.expectEol();
    if (!this.current) {
      throw new LineError(`Unsupported option '${name}' (no [server:…] or [client:…] header before it)`, line, col, spec.key);
    }
    const values = this.current.values as Record<string, unknown>;
    if (value === undefined) delete values[spec.field]; else values[spec.field] = value;
    this.current.keys[spec.field] = { file: this.file, line, col };
  }
}

function unsupportedOption(name: string): string {
  const lower = name.toLowerCase();
  if (MODULE_ONLY.has(lower)) return `Unsupported option '${name}' (a module parameter, not a tls.cfg key)`;
  const hint = closestName(lower, [...KEYS.keys()]);
  return `Unsupported option '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}`;
}

interface ConversionError {
  error: string;
}

function isConversionError(value: unknown): value is ConversionError {
  return typeof value === 'object' && value !== null && 'error' in value;
}

/** The typed value of a key, undefined for "unset" (-1 for an int), or an error text. */
function convertValue(spec: KeySpec, raw: string): string | number | boolean | undefined | ConversionError {
  switch (spec.type) {
    case 'string':
    case 'path':
      return raw;
    case 'bool': {
      const b = parseBoolWord(raw);
      return b === undefined ? { error: `Invalid option value '${raw}', boolean expected` } : b;
    }
    case 'method': {
      const m = TLS_METHODS.find((v) => v.toLowerCase() === raw.toLowerCase());
      return m ?? { error: `Unsupported enum value '${raw}' (expected one of ${TLS_METHODS.join(', ')})` };
    }
    case 'verify_client': {
      const m = VERIFY_CLIENT_MODES.find((v) => v.toLowerCase() === raw.toLowerCase());
      return m ?? { error: `Unsupported enum value '${raw}' (expected one of ${VERIFY_CLIENT_MODES.join(', ')})` };
    }
    case 'int': {
      const n = parseIntStrict(raw);
      if (n === undefined || /^\s|\s$/.test(raw)) return { error: `Invalid integer value '${raw}'` };
      if (n === -1) return undefined;
      if (spec.field === 'serverNameMode') return n === 1 || n === 2 ? n : 0;
      if (n < 0 || n > 100) return { error: `Invalid integer value '${raw}' (verify_depth is 0..100, or -1 to inherit)` };
      return n;
    }
  }
}

/** Recent canonicalIp results: connections come from a limited set of local and peer addresses. */
const canonicalCache = new Map<string, string>();
const CANONICAL_CACHE_SIZE = 4096;

/** Canonical text of an IP address: IPv6 compressed lower-case, IPv4-mapped IPv6 as IPv4. */
export function canonicalIp(ip: string): string {
  let canonical = canonicalCache.get(ip);
  if (canonical === undefined) {
    canonical = computeCanonicalIp(ip);
    if (canonicalCache.size >= CANONICAL_CACHE_SIZE) canonicalCache.clear();
    canonicalCache.set(ip, canonical);
  }
  return canonical;
}

function computeCanonicalIp(ip: string): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return ip.split('.').map((o) => String(Number(o))).join('.');
  if (!net.isIPv6(ip)) return ip;
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return host;
}

/** Parses one tls.cfg text. */
export function parseTlsCfg(text: string, file: string): TlsCfgParseResult {
  return new TlsCfgParser().feed(text, file).result();
}

/**
 * Reads a tls.cfg file or a directory of them. A directory's regular files (symlinks followed,
 * dot-files included, as Kamailio does) are read in SORTED name order, so the order is the same on
 * every file system (Kamailio uses raw readdir order). Errors name the file they are in.
 */
export function readTlsCfg(file: string): TlsCfgParseResult {
  const parser = new TlsCfgParser();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    return { sections: [], errors: [new ConfigError(`cannot read TLS config: ${(err as Error).message}`, { file, parameter: 'config' })] };
  }
  const files = stat.isDirectory()
    ? fs.readdirSync(file).sort().map((name) => path.join(file, name)).filter((f) => isRegularFile(f))
    : [file];
  const readErrors: ConfigError[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = fs.readFileSync(f, 'utf8');
    } catch (err) {
      readErrors.push(new ConfigError(`cannot read TLS config: ${(err as Error).message}`, { file: f, parameter: 'config' }));
      continue;
    }
    parser.feed(text, f);
  }
  const result = parser.result();
  return { sections: result.sections, errors: [...readErrors, ...result.errors] };
}

function isRegularFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `[server:default]`, `[client:any]`, `[server:1.2.3.4:5061]`, `[server:[::1]:5061]`. */
export function headerText(role: Role, address: ProfileAddress): string {
  return `${role}:${addressText(address)}`;
}

/** `default`, `any`, `1.2.3.4:5061`, `[::1]:5061`. */
export function addressText(address: ProfileAddress): string {
  if (address.kind !== 'ip') return address.kind;
  return net.isIPv6(address.ip) ? `[${address.ip}]:${address.port}` : `${address.ip}:${address.port}`;
}

/** A section to serialize: where it applies and the keys it sets. */
export interface TlsCfgSectionInput {
  role: Role;
  address: ProfileAddress;
  values: Partial<ProfileSettings>;
}

/** Writes sections as tls.cfg text that `parseTlsCfg` reads back to the same sections. */
export function serializeTlsCfg(sections: readonly TlsCfgSectionInput[]): string {
  const out: string[] = [];
  for (const s of sections) {
    if (out.length > 0) out.push('');
    out.push(`[${headerText(s.role, s.address)}]`);
    for (const [spec] of KEY_SPECS) {
      const value = s.values[spec.field];
      if (value === undefined) continue;
      out.push(`${spec.key} = ${serializeValue(value)}`);
    }
  }
  return out.join('\n') + '\n';
}

function serializeValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value < 0 ? `"${value}"` : String(value);
  if (value !== '' && !/[\s"#\\]/.test(value)) return value;
  return `"${value.replace(/[\\"\n\r\t]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string)}"`;
}
