/**
 * Runs /usr/bin/openssl for the local CA, with the CA key's password (if any) handed over in
 * the child's environment, so that it never shows on a command line (`ps`).
 */
import { execFileSync } from 'node:child_process';

/** The openssl binary used; the system one, not Node's. */
export const OPENSSL_BIN = '/usr/bin/openssl';

/**
 * The environment variable the CA key's password is passed in; openssl reads it with
 * `-passin env:…` / `-passout env:…` (openssl-passphrase-options(1)).
 */
export const PASSWORD_VAR = 'SIP_TLS_CA_PASSWORD';

/** A local CA command that cannot be done; the message says what to change. */
export class CaError extends Error {
  override name = 'CaError';
}

/**
 * Runs `openssl args…` in `cwd`. `password` is put into {@link PASSWORD_VAR} for the child.
 * A failure becomes a {@link CaError} carrying openssl's own error lines.
 */
export function openssl(args: string[], cwd: string, password?: string): void {
  // OPENSSL_CONF=/dev/null keeps a site openssl.cnf from changing what gets made.
  const env: NodeJS.ProcessEnv = { ...process.env, OPENSSL_CONF: '/dev/null' };
  delete env[PASSWORD_VAR];
  if (password !== undefined) env[PASSWORD_VAR] = password;
  try {
    // stdin is closed: openssl never waits for an answer ("Sign the certificate?" is skipped by -batch).
    execFileSync(OPENSSL_BIN, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    const lines = stderr.split('\n').filter((l) => l && !l.startsWith('Using configuration from'));
    throw new CaError(`openssl ${args[0]} failed: ${lines.join('\n') || (err as Error).message}`);
  }
}
