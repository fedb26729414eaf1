/**
 * A demo CA, a server certificate and a sample `tls.cfg` + `sip-tls.ini`, made with
 * `/usr/bin/openssl` so that `sip-tls serve` works on a fresh clone without any setup.
 * Nothing here is for production: the keys are unencrypted and the CA is local.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The openssl binary used; the system one, not Node's. */
export const OPENSSL_BIN = '/usr/bin/openssl';

/** Where the files of a demo setup are. */
export interface DemoFiles {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  tlsCfg: string;
  ini: string;
}

/** Options of {@link ensureDemoSetup}. */
export interface DemoOptions {
  /** The listen address written into `sip-tls.ini`; default `127.0.0.1:5061`. */
  listen?: string;
  /** Days the certificates are valid; default 825. */
  days?: number;
}

function openssl(args: string[], cwd: string): void {
  // OPENSSL_CONF=/dev/null keeps a site openssl.cnf from changing what gets made.
  execFileSync(OPENSSL_BIN, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OPENSSL_CONF: '/dev/null' } });
}

/**
 * Makes a CA (`ca.pem`, `ca.key`) in `dir` unless one is there. The guide's Quick Certificate
 * Howto does the same with `openssl ca`; a self-signed root with a 4096-bit key is not needed
 * for a demo, so this uses P-256.
 */
export function ensureCa(dir: string, days = 825): { cert: string; key: string } {
  fs.mkdirSync(dir, { recursive: true });
  const cert = path.join(dir, 'ca.pem');
  const key = path.join(dir, 'ca.key');
  if (!fs.existsSync(cert) || !fs.existsSync(key)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', String(days), '-subj', '/CN=sip-tls demo CA',
      '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    fs.chmodSync(key, 0o600);
  }
  return { cert, key };
}

/**
 * Issues `<name>.pem`/`<name>.key` signed by the CA in `dir`, for the given DNS names and IP
 * addresses (subjectAltName). Existing files are kept.
 */
export function issueCertificate(dir: string, name: string, dns: string[], ips: string[], days = 825): { cert: string; key: string } {
  const ca = ensureCa(dir, days);
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  if (fs.existsSync(cert) && fs.existsSync(key)) return { cert, key };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
  fs.writeFileSync(ext, `basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
    `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${dns[0] ?? name}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
    '-out', cert, '-days', String(days), '-extfile', ext], dir);
  fs.chmodSync(key, 0o600);
  fs.rmSync(csr);
  fs.rmSync(ext);
  return { cert, key };
}

/**
 * Creates (once) the demo setup in `dir`: CA, server certificate for localhost/127.0.0.1/::1,
 * `tls.cfg` and `sip-tls.ini`. Files already there are left alone, so a second run reuses them.
 */
export function ensureDemoSetup(dir: string, options: DemoOptions = {}): DemoFiles {
  const days = options.days ?? 825;
  const listen = options.listen ?? '127.0.0.1:5061';
  const ca = ensureCa(dir, days);
  const server = issueCertificate(dir, 'server', ['localhost'], ['127.0.0.1', '::1'], days);
  const tlsCfg = path.join(dir, 'tls.cfg');
  if (!fs.existsSync(tlsCfg)) {
    fs.writeFileSync(tlsCfg, `# Demo tls.cfg made by sip-tls serve (Kamailio tls.cfg syntax).
[server:default]
method = TLSv1.2+
certificate = server.pem
private_key = server.key
ca_list = ca.pem
verify_client = optional_no_ca

[client:default]
method = TLSv1.2+
verify_certificate = yes
ca_list = ca.pem
`);
  }
  const ini = path.join(dir, 'sip-tls.ini');
  if (!fs.existsSync(ini)) {
    fs.writeFileSync(ini, `; Demo sip-tls.ini made by sip-tls serve.
listen = tls:${listen}

[tls]
config = tls.cfg
connection_timeout = 600
`);
  }
  return { dir, caCert: ca.cert, caKey: ca.key, serverCert: server.cert, serverKey: server.key, tlsCfg, ini };
}
