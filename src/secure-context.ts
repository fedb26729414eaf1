/**
 * Building native contexts from profile options, and the load-time OpenSSL guard.
 */
import { TLS_METHODS, VERIFY_CLIENT_MODES, type ContextOptions } from './profile';
import { TlsError, isTlsErrorInfo } from './errors';
import * as native from './native';
import type { KeylogOptions } from './keylog';

export type { SecureContext } from './native';

/**
 * Builds one SSL_CTX from a profile's options (camelCase forms of the Kamailio parameters;
 * "" means none). Throws TlsError naming the parameter and file at fault (ERR_TLS_* or
 * OpenSSL's ERR_SSL_* / ERR_OSSL_*).
 */
export function createSecureContext(options: Partial<ContextOptions & KeylogOptions>): native.SecureContext {
  checkOptions(options);
  const result = native.createSecureContext(options);
  if (isTlsErrorInfo(result)) throw new TlsError(result);
  return result;
}

/**
 * The guide's `tls_force_run` check: throws TlsError ERR_TLS_OPENSSL_VERSION_MISMATCH when the
 * addon was built for another OpenSSL major.minor than the one running, unless `forceRun`; with
 * `forceRun` returns the mismatch message (for a warning), else null.
 */
export function checkOpenSslVersion(forceRun: boolean): string | null {
  const mismatch = native.checkOpenSslVersion(forceRun);
  if (mismatch === null) return null;
  if (mismatch.fatal) throw new TlsError(mismatch);
  return mismatch.message;
}

// The addon trusts its arguments' types (style.md); values are checked there, with file names.
function checkOptions(options: Partial<ContextOptions>): void {
  const fail = (parameter: string, reason: string): never => {
    throw new TlsError({ code: 'ERR_TLS_INVALID_PARAMETER', library: 'sip-tls', reason, parameter,
      message: `${reason} (parameter ${parameter})` });
  };
  if (options.method !== undefined && !(TLS_METHODS as readonly string[]).includes(options.method)) {
    fail('tls_method', `unknown tls_method '${String(options.method)}'`);
  }
  if (options.verifyClient !== undefined &&
      !(VERIFY_CLIENT_MODES as readonly string[]).includes(options.verifyClient)) {
    fail('verify_client', `verify_client must be one of ${VERIFY_CLIENT_MODES.join(', ')}`);
  }
  const integers = [['verifyDepth', 'verify_depth'], ['sslReleaseBuffers', 'ssl_release_buffers'],
    ['sslMaxSendFragment', 'ssl_max_send_fragment']] as const;
  for (const [key, parameter] of integers) {
    const value = options[key];
    if (value !== undefined && !Number.isInteger(value)) fail(parameter, `${parameter} must be an integer`);
  }
}
