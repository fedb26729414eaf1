/**
 * The CA key's password, as the guide's Quick Certificate Howto advises ("You should use a
 * password to protect your CA private key"). It comes from a file or an environment variable,
 * never from a prompt, so that scripts and CI can run every `sip-tls ca` command.
 */
import { createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import { CaError } from './openssl-run';

/** Where the password is read: `--password-file FILE` or `--password-env VAR`. */
export type PasswordSource = { file: string } | { env: string };

/** The command-line option a source came from, for messages. */
export function passwordOption(source: PasswordSource): string {
  return 'file' in source ? `--password-file ${source.file}` : `--password-env ${source.env}`;
}

/**
 * Reads the password. A file gives its first line without the line end, as openssl's
 * `-passin file:` does (openssl-passphrase-options(1)), so the key also opens with openssl alone.
 */
export function readPassword(source: PasswordSource): string {
  let password: string | undefined;
  if ('file' in source) {
    try {
      password = fs.readFileSync(source.file, 'utf8').split(/\r?\n/, 1)[0];
    } catch (err) {
      throw new CaError(`${passwordOption(source)}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else {
    password = process.env[source.env];
    if (password === undefined) throw new CaError(`${passwordOption(source)}: the variable ${source.env} is not set`);
  }
  if (!password) throw new CaError(`${passwordOption(source)}: the password is empty`);
  return password;
}

/** Whether a PEM key is encrypted: it does not open without a password (PKCS#8 or legacy PEM alike). */
function isEncryptedKey(keyPem: string): boolean {
  try {
    createPrivateKey({ key: keyPem, format: 'pem' });
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks that `source` opens the CA key at `keyFile` and returns the password (undefined for an
 * unencrypted key used without a password). This runs before openssl so that a missing password
 * never makes openssl ask on the terminal, and a wrong one gets a message naming the option.
 */
export function unlockCaKey(keyFile: string, source: PasswordSource | undefined): string | undefined {
  const pem = fs.readFileSync(keyFile, 'utf8');
  const encrypted = isEncryptedKey(pem);
  if (!source) {
    if (encrypted) {
      throw new CaError(`the CA key ${keyFile} is encrypted: give its password with --password-file FILE or --password-env VAR`);
    }
    return undefined;
  }
  if (!encrypted) {
    throw new CaError(`the CA key ${keyFile} is not encrypted: run without ${passwordOption(source)}`);
  }
  const password = readPassword(source);
  try {
    createPrivateKey({ key: pem, format: 'pem', passphrase: password });
  } catch {
    throw new CaError(`wrong password for the CA key ${keyFile} (from ${passwordOption(source)})`);
  }
  return password;
}
