/**
 * The configuration as a whole: from a `sip-tls.ini` (or a params object) to listen and RPC
 * endpoints, the parameter store and the profile set; and from a profile to the options a native
 * context is built with.
 *
 * Without `config`, the module parameters form `[server:default]` and `[client:default]` (both the
 * same settings, so the client side presents the server's certificate, as in Kamailio; unlike
 * Kamailio, `ca_path`, `server_name` and `private_key_password` take effect). With `config`, the
 * per-profile module parameters are ignored and tls.cfg defines the profiles.
 */
import * as fs from 'node:fs';
import { ConfigError } from './config-error';
import { keylogErrors } from './keylog';
import { MainConfig, RpcEndpoint, readMainConfig } from './main-config';
import { ParamError, ParamStore } from './params';
import { resolveConfigPath } from './paths';
import { ContextOptions, Endpoint, Profile, ProfileSet, ProfileSettings } from './profile';
import { resolveSections, unwrittenDefaultProfile } from './profiles';
import { readTlsCfg } from './tls-cfg';

export { ConfigError } from './config-error';
export type { RpcEndpoint } from './main-config';

/** Everything a server needs from its configuration: the main config (`file` is '' when built
 * from a params object) with its profiles resolved. */
export interface LoadedConfig extends MainConfig {
  profiles: ProfileSet;
}

/**
 * Reads a sip-tls.ini and everything it names (tls.cfg file or directory).
 * @throws ConfigError (`file:line:col: message`) for the first error; all of them in `errors`.
 */
export function loadTlsConfig(file: string): LoadedConfig {
  const main: MainConfig = readMainConfig(file);
  const profiles = buildProfileSet(main.params);
  return { file, baseDir: main.baseDir, listen: main.listen, rpc: main.rpc, rpcAllowRemote: main.rpcAllowRemote, params: main.params, profiles };
}

/**
 * The same from module parameters given as an object (library use).
 * @param baseDir what relative paths resolve against (the guide's "main config file directory").
 */
export function loadConfigFromParams(values: Readonly<Record<string, unknown>>, baseDir = process.cwd()): LoadedConfig {
  const params = storeFrom(values, baseDir);
  return { file: '', baseDir: params.baseDir, listen: [], rpc: [], rpcAllowRemote: false, params, profiles: buildProfileSet(params) };
}

/** A ParamStore from an object; bad parameters become ConfigErrors naming them. */
function storeFrom(values: Readonly<Record<string, unknown>>, baseDir: string | undefined): ParamStore {
  try {
    return new ParamStore(values, { baseDir });
  } catch (err) {
    if (!(err instanceof ParamError)) throw err;
    const errors = ((err as ParamError & { errors?: ParamError[] }).errors ?? [err])
      .map((e) => new ConfigError(e.message, { parameter: e.parameter }));
    ConfigError.throwIfAny(errors);
    throw err;
  }
}

/**
 * The profiles the parameters describe: tls.cfg (the current `config`, so calling this again is
 * a reload) or, without it, the two defaults made from the module parameters.
 * @param params a ParamStore, or module parameters as an object.
 * @param baseDir the main config's directory; default: the store's.
 * @throws ConfigError for the first error; all of them in `errors`.
 */
export function buildProfileSet(params: ParamStore | Readonly<Record<string, unknown>>, baseDir?: string): ProfileSet {
  const { set, errors } = collectProfileSet(params, baseDir);
  ConfigError.throwIfAny(errors);
  return set as ProfileSet;
}

/** As buildProfileSet, but returns every error instead of throwing (for `cfg check`). */
export function collectProfileSet(
  params: ParamStore | Readonly<Record<string, unknown>>, baseDir?: string,
): { set: ProfileSet | undefined; errors: ConfigError[] } {
  const store = params instanceof ParamStore ? params : storeFrom(params, baseDir);
  const dir = baseDir ?? store.baseDir;
  const config = store.get('config');
  if (!config) {
    const set = profileSetFromParams(store);
    const errors = keylogErrors(store);
    return { set: errors.length === 0 ? set : undefined, errors };
  }
  const parsed = readTlsCfg(resolveConfigPath(config, dir));
  const { set, errors } = resolveSections(parsed.sections, { baseDir: dir, identityCheck: store.get('tls_identity_check') });
  const all = [...parsed.errors, ...errors, ...keylogErrors(store)];
  return { set: all.length === 0 ? set : undefined, errors: all };
}

/** Mode A: `[server:default]` and `[client:default]` from the module parameters. */
export function profileSetFromParams(params: ParamStore): ProfileSet {
  const settings: ProfileSettings = {
    method: params.get('tls_method'),
    certificate: params.get('certificate'),
    privateKey: params.get('private_key'),
    privateKeyPassword: params.get('private_key_password'),
    certificate2: params.get('certificate2'),
    privateKey2: params.get('private_key2'),
    privateKeyPassword2: params.get('private_key_password2'),
    caList: params.get('ca_list'),
    caPath: params.get('ca_path'),
    crl: params.get('crl'),
    verifyCertificate: params.get('verify_certificate'),
    requireCertificate: params.get('require_certificate'),
    verifyClient: params.get('verify_client'),
    verifyDepth: params.get('verify_depth'),
    cipherList: params.get('cipher_list'),
    serverName: params.get('server_name'),
    serverNameMode: 0,
    serverId: '',
    identityCheck: params.get('tls_identity_check'),
  };
  return {
    server: [],
    client: [],
    serverDefault: unwrittenDefaultProfile('server', { ...settings }),
    clientDefault: unwrittenDefaultProfile('client', { ...settings }),
  };
}

/**
 * The options the native layer builds a context from: the profile's settings plus the
 * module-wide ones. The key passwords are read per `key_password_mode` (0 the value itself,
 * 2 the environment variable it names, 3 the file it names, first line).
 * @throws ConfigError naming the profile when a password cannot be read.
 */
export function contextOptionsFor(profile: Profile, params: ParamStore): ContextOptions {
  const mode = params.get('key_password_mode');
  const at = { file: profile.file, line: profile.line, col: 1 };
  const password = (value: string, parameter: string): string => {
    if (value === '' || mode === 0) return value;
    if (mode === 2) {
      const env = process.env[value];
      if (env === undefined) {
        throw new ConfigError(`[${profile.section}]: ${parameter} names environment variable '${value}' (key_password_mode 2), which is not set`, { ...at, parameter });
      }
      return env;
    }
    const file = resolveConfigPath(value, params.baseDir);
    try {
      return fs.readFileSync(file, 'utf8').split(/\r?\n/)[0];
    } catch (err) {
      throw new ConfigError(`[${profile.section}]: ${parameter} file (key_password_mode 3): ${(err as Error).message}`, { ...at, parameter });
    }
  };
  return {
    ...profile.settings,
    privateKeyPassword: password(profile.settings.privateKeyPassword, 'private_key_password'),
    privateKeyPassword2: password(profile.settings.privateKeyPassword2, 'private_key_password2'),
    sessionCache: params.get('session_cache'),
    sessionId: params.get('session_id'),
    sslReleaseBuffers: params.get('ssl_release_buffers'),
    sslMaxSendFragment: params.get('ssl_max_send_fragment'),
    sslReadAhead: params.get('ssl_read_ahead'),
    renegotiation: params.get('renegotiation'),
  };
}
