/**
 * HSM support policy: the `engine`, `engine_config`, `engine_algorithms` and `rand_engine` module
 * parameters (global only; tls.cfg rejects them). The native side loads the engine and the keys
 * (`native/engine_keys.*`, `native/provider_keys.*`, `native/key_ref.cc`) and sets the DRBG of the
 * module's own OpenSSL library context (`native/rand_engine.*`); this file decides what each
 * setting may do, so that Node's own crypto and tls stay unchanged in the same process.
 */
import * as native from './native';
import { ParamError } from './params';

/** The DRBG a `rand_engine` name selects in the module's own OpenSSL library context. */
export interface RandEngineMapping {
  /** The `rand_engine` value (Kamailio's name). */
  name: string;
  /** OpenSSL 3 DRBG: `CTR-DRBG`, `HASH-DRBG` or `HMAC-DRBG` (EVP_RAND-CTR-DRBG(7) etc.). */
  drbg: 'CTR-DRBG' | 'HASH-DRBG' | 'HMAC-DRBG';
  /** Cipher of a CTR-DRBG, else ''. */
  cipher: string;
  /** Digest of a HASH/HMAC-DRBG, else ''. */
  digest: string;
  /** What Kamailio used, and why this DRBG stands in for it. */
  why: string;
  /** Said once when the setting is applied (krand and fastrand ask for an insecure generator). */
  notice?: string;
}

/**
 * Kamailio's generators cannot be plugged into OpenSSL 3 (RAND_set_rand_method is process-wide and
 * would change Node's `crypto.randomBytes`); each name instead picks a NIST SP 800-90A DRBG for the
 * module's own library context, all of them cryptographically secure and seeded from the OS.
 */
export const RAND_ENGINES: Readonly<Record<string, RandEngineMapping>> = {
  krand: {
    name: 'krand', drbg: 'CTR-DRBG', cipher: 'AES-128-CTR', digest: '',
    why: 'kam_rand() is a fast non-cryptographic generator; AES-128 CTR-DRBG is the fastest secure DRBG (AES-NI)',
    notice: 'rand_engine=krand: Kamailio\'s kam_rand() is not cryptographically secure and is not used; '
      + 'the module\'s TLS randomness comes from CTR-DRBG (AES-128-CTR), which is',
  },
  fastrand: {
    name: 'fastrand', drbg: 'CTR-DRBG', cipher: 'AES-128-CTR', digest: '',
    why: 'ISAAC fastrand() is a fast non-cryptographic generator; AES-128 CTR-DRBG is the fastest secure DRBG (AES-NI)',
    notice: 'rand_engine=fastrand: Kamailio\'s ISAAC fastrand() is not cryptographically secure and is not used; '
      + 'the module\'s TLS randomness comes from CTR-DRBG (AES-128-CTR), which is',
  },
  cryptorand: {
    name: 'cryptorand', drbg: 'HASH-DRBG', cipher: '', digest: 'SHA512',
    why: 'Fortuna is a hash-based CSPRNG; HASH-DRBG with SHA-512 is the hash-based SP 800-90A DRBG at 256-bit strength',
  },
  kxlibssl: {
    name: 'kxlibssl', drbg: 'CTR-DRBG', cipher: 'AES-256-CTR', digest: '',
    why: 'libssl\'s own generator behind a lock; OpenSSL 3\'s own default (AES-256 CTR-DRBG), whose DRBGs are already locked per thread',
  },
};

/** The accepted `rand_engine` values, for errors. */
export const RAND_ENGINE_NAMES: readonly string[] = Object.keys(RAND_ENGINES);

/**
 * The DRBG for a `rand_engine` value; undefined for '' (not set: OpenSSL's default DRBG).
 * Names are case-insensitive, as in Kamailio. Throws ParamError naming the accepted values.
 */
export function randEngineMapping(value: string): RandEngineMapping | undefined {
  const name = value.trim().toLowerCase();
  if (name === '') return undefined;
  const mapping = RAND_ENGINES[name];
  if (!mapping) {
    throw new ParamError('rand_engine', `invalid value ${JSON.stringify(value)} for parameter 'rand_engine': `
      + `expected one of ${RAND_ENGINE_NAMES.join(', ')} (or empty for OpenSSL's default)`);
  }
  return mapping;
}

/** What each `engine_algorithms` class would take over in the whole process. */
const ALGORITHM_SCOPE: Readonly<Record<string, string>> = {
  ALL: 'every algorithm class below',
  RSA: 'RSA operations on every key that has no engine of its own',
  DSA: 'DSA operations on every key that has no engine of its own',
  DH: 'DH key exchange everywhere',
  EC: 'EC operations on every key that has no engine of its own',
  RAND: 'RAND_bytes everywhere, crypto.randomBytes included',
  CIPHERS: 'every cipher lookup, including libssl\'s record ciphers and Node\'s crypto.createCipheriv',
  DIGESTS: 'every digest lookup, including Node\'s crypto.createHash',
  PKEY: 'the EVP_PKEY methods of every key type',
  PKEY_CRYPTO: 'the EVP_PKEY operations of every key type',
  PKEY_ASN1: 'the key encoders and decoders of every key type',
};

/** The accepted `engine_algorithms` classes. */
export const ENGINE_ALGORITHM_CLASSES: readonly string[] = Object.keys(ALGORITHM_SCOPE);

/**
 * Checks `engine_algorithms` (comma-separated classes, or NONE; default NONE). OpenSSL 3 keeps
 * engine defaults process-wide (ENGINE_set_default_*(3) is not per library context), and Node's
 * crypto and tls run on the same OpenSSL, so no class can be confined to sip-tls: every class but
 * NONE is refused with the reason. `/engine:` keys use the engine without any default.
 * Throws ParamError.
 */
export function checkEngineAlgorithms(value: string): void {
  const classes = value.split(',').map((s) => s.trim().toUpperCase()).filter((s) => s !== '');
  if (classes.length === 0 || (classes.length === 1 && classes[0] === 'NONE')) return;
  const unknown = classes.filter((c) => !(c in ALGORITHM_SCOPE));
  if (unknown.length > 0) {
    throw new ParamError('engine_algorithms', `invalid value ${JSON.stringify(value)} for parameter 'engine_algorithms': `
      + `unknown ${unknown.join(', ')}; expected NONE or a comma list of ${ENGINE_ALGORITHM_CLASSES.join(', ')}`);
  }
  const scopes = classes.map((c) => `${c}: ${ALGORITHM_SCOPE[c]}`).join('; ');
  throw new ParamError('engine_algorithms', `engine_algorithms=${classes.join(',')} is refused: an engine default `
    + `cannot be confined to sip-tls. OpenSSL 3 keeps ENGINE_set_default_* process-wide, and Node's own crypto `
    + `and tls use the same OpenSSL, so the engine would take over (${scopes}) for the whole process. `
    + `Keys given as private_key=/engine:... use the engine without it; set engine_algorithms=NONE (the default).`);
}

/** True for the values that mean "no engine" / "no engine_config" (NONE, any case, or empty). */
export function isNone(value: string): boolean {
  const v = value.trim();
  return v === '' || v.toUpperCase() === 'NONE';
}

/** The native calls this policy drives (native/hsm_binding.cc, declared in native.ts). */
export interface HsmBinding {
  /**
   * Loads engine `id` for this environment as the engine_config file says ('' = none: the
   * shared object is looked up by id). Loading the same engine again is a no-op.
   */
  loadEngine(id: string, configPath: string): { error?: string };
  /** Sets the DRBG of the module's library context (before any TLS context exists). */
  setRandEngine(drbg: string, cipher: string, digest: string): { error?: string };
  /** Describes the primary DRBG of the module's context ('module') or Node's ('node'). */
  describeDrbg(which: 'module' | 'node'): DrbgDescription;
}

/** The DRBG of the module's library context ('module') or of Node's ('node'). */
export function describeDrbg(which: 'module' | 'node'): DrbgDescription {
  return native.describeDrbg(which);
}

/** A DRBG as OpenSSL reports it. */
export interface DrbgDescription {
  /** EVP_RAND name, e.g. `CTR-DRBG`. */
  type: string;
  /** Its cipher or digest as OpenSSL names it, e.g. `AES-256-CTR`, `SHA2-512`. */
  mechanism: string;
  /** Security strength in bits. */
  strength: number;
}

/** The HSM-related module parameters, by their Kamailio names. */
export interface HsmParams {
  /** Engine id, or NONE (default). Mirrors Kamailio's `engine`. */
  engine: string;
  /** OpenSSL config file naming the engine's settings (PIN, module path), or NONE. */
  engine_config: string;
  /** Comma list of engine default classes, or NONE (default); only NONE is accepted. */
  engine_algorithms: string;
  /** krand, fastrand, cryptorand, kxlibssl, or '' (default: OpenSSL's DRBG). */
  rand_engine: string;
}

/** An HSM setup failure an operator can act on; `parameter` names the module parameter. */
export class HsmError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(message);
    this.name = 'HsmError';
  }
}

/** What applyHsmParams did. */
export interface HsmSetup {
  /** The engine loaded for `/engine:` keys, or null. */
  engine: string | null;
  /** The DRBG rand_engine selected, or null for OpenSSL's default. */
  randEngine: RandEngineMapping | null;
}

/**
 * Applies the global HSM parameters to the module's own OpenSSL context: checks
 * engine_algorithms, sets the DRBG for rand_engine, loads the engine. Run once per environment,
 * before the first TLS context is built. Throws ParamError for invalid values and HsmError for
 * load failures (engine not found, bad engine_config); `notice` receives the rand_engine notices
 * (default: a process warning). `binding` is the addon (tests pass a stand-in).
 */
export function applyHsmParams(params: HsmParams,
  notice: (message: string) => void = (m) => process.emitWarning(m, 'SipTlsNotice'),
  binding: HsmBinding = native): HsmSetup {
  checkEngineAlgorithms(params.engine_algorithms);
  const randEngine = randEngineMapping(params.rand_engine) ?? null;
  if (isNone(params.engine) && !isNone(params.engine_config)) {
    throw new ParamError('engine_config', `engine_config is set (${params.engine_config}) but engine is NONE: `
      + 'name the engine whose section engine_config holds');
  }
  if (randEngine) {
    const result = binding.setRandEngine(randEngine.drbg, randEngine.cipher, randEngine.digest);
    if (result.error) throw new HsmError('rand_engine', result.error);
    if (randEngine.notice) notice(randEngine.notice);
  }
  let engine: string | null = null;
  if (!isNone(params.engine)) {
    engine = params.engine.trim();
    const result = binding.loadEngine(engine, isNone(params.engine_config) ? '' : params.engine_config);
    if (result.error) throw new HsmError(isNone(params.engine_config) ? 'engine' : 'engine_config', result.error);
  }
  return { engine, randEngine };
}
