/**
 * Throwaway server certificates for the benchmark (ECDSA P-256 and RSA-2048, CN localhost),
 * made with the openssl command in a temporary directory that the harness removes at the end.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export type KeyKind = 'ecdsa' | 'rsa';

export interface BenchCertificates {
  dir: string;
  files: Record<KeyKind, { cert: string; key: string }>;
  remove(): void;
}

const KEY_OPTIONS: Record<KeyKind, string[]> = {
  ecdsa: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  rsa: ['-newkey', 'rsa:2048'],
};

export function makeCertificates(): BenchCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-bench-'));
  const files = {} as BenchCertificates['files'];
  for (const kind of Object.keys(KEY_OPTIONS) as KeyKind[]) {
    const cert = path.join(dir, `${kind}.pem`);
    const key = path.join(dir, `${kind}.key`);
    try {
      execFileSync('openssl', ['req', '-x509', ...KEY_OPTIONS[kind], '-nodes', '-keyout', key, '-out', cert,
        '-subj', '/CN=localhost', '-days', '2', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'], {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, OPENSSL_CONF: '/dev/null' },
      });
    } catch (err) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`cannot make the ${kind} benchmark certificate with openssl: ${(err as Error).message}`);
    }
    files[kind] = { cert, key };
  }
  return { dir, files, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
