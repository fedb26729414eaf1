/**
 * A small local CA made with /usr/bin/openssl, the steps of the guide's Quick Certificate Howto:
 * create the CA, sign server/client certificates with `openssl ca`, revoke one, write the CRL
 * that the `crl` parameter loads. Leaf keys are unencrypted (the module loads them without a
 * prompt) and readable by the owner only; the CA key is encrypted when a password is given.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CaPaths, caPaths, ensureDatabase, indexStatus, revokedCount } from './ca-database';
import { PasswordSource, readPassword, unlockCaKey } from './ca-password';
import { CaError, PASSWORD_VAR, openssl } from './openssl-run';

const PASSIN = ['-passin', `env:${PASSWORD_VAR}`];

/** An opened CA: its paths and the password of its key (undefined: unencrypted). */
interface OpenCa {
  paths: CaPaths;
  password?: string;
}

/**
 * Makes a CA (`ca.pem`, `ca.key`) in `dir` unless one is there, and its database. The guide uses
 * a 2048-bit RSA root; P-256 is as strong and smaller. With `password` the key is encrypted
 * (openssl req's default, AES-256-CBC in PKCS#8); an existing CA's key must then open with it.
 */
function openOrCreateCa(dir: string, days: number, password?: PasswordSource): OpenCa {
  fs.mkdirSync(dir, { recursive: true });
  const paths = caPaths(dir);
  if (fs.existsSync(paths.cert) && fs.existsSync(paths.key)) {
    const secret = unlockCaKey(paths.key, password);
    return { paths: ensureDatabase(dir), password: secret };
  }
  const secret = password ? readPassword(password) : undefined;
  const protect = secret === undefined ? ['-nodes'] : ['-passout', `env:${PASSWORD_VAR}`];
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', ...protect,
    '-keyout', paths.key, '-out', paths.cert, '-days', String(days), '-subj', '/CN=sip-tls demo CA',
    '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir, secret);
  fs.chmodSync(paths.key, 0o600);
  return { paths: ensureDatabase(dir), password: secret };
}

/** An existing CA only (revoke and crl have nothing to do without one). */
function openCa(dir: string, password?: PasswordSource): OpenCa {
  const paths = caPaths(dir);
  if (!fs.existsSync(paths.cert) || !fs.existsSync(paths.key)) {
    throw new CaError(`no CA in ${dir} (ca.pem and ca.key): run sip-tls ca init --dir ${dir} first`);
  }
  const secret = unlockCaKey(paths.key, password);
  return { paths: ensureDatabase(dir), password: secret };
}

/** Runs `openssl ca -config …` on this CA, unlocking its key when it has a password. */
function opensslCa(ca: OpenCa, args: string[]): void {
  const passin = ca.password === undefined ? [] : PASSIN;
  openssl(['ca', '-config', ca.paths.config, ...args, ...passin], ca.paths.dir, ca.password);
}

/** {@link openOrCreateCa} for callers that need only the file names. */
export function ensureCa(dir: string, days = 825, password?: PasswordSource): { cert: string; key: string } {
  const { paths } = openOrCreateCa(dir, days, password);
  return { cert: paths.cert, key: paths.key };
}

/**
 * Issues `<name>.pem`/`<name>.key` signed by the CA in `dir` with `openssl ca`, which records the
 * certificate in the database so that it can be revoked, for the given DNS names and IP
 * addresses (subjectAltName). Existing files are kept.
 */
export function issueCertificate(dir: string, name: string, dns: string[], ips: string[], days = 825,
  password?: PasswordSource): { cert: string; key: string } {
  const ca = openOrCreateCa(dir, days, password);
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  if (fs.existsSync(cert) && fs.existsSync(key)) return { cert, key };
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
  fs.writeFileSync(ext, `basicConstraints=CA:false\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
    `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san}\n`);
  try {
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', csr, '-subj', `/CN=${dns[0] ?? name}`], dir);
    fs.chmodSync(key, 0o600);
    // -batch signs without asking; -notext writes the PEM only, as `openssl x509 -req` did.
    opensslCa(ca, ['-batch', '-notext', '-in', csr, '-out', cert, '-days', String(days), '-extfile', ext]);
  } catch (err) {
    fs.rmSync(cert, { force: true });
    fs.rmSync(key, { force: true });
    throw err;
  } finally {
    fs.rmSync(csr, { force: true });
    fs.rmSync(ext);
  }
  return { cert, key };
}

/**
 * Revokes `<name>.pem` in the CA's database (`openssl ca -revoke`). A certificate issued before
 * the database existed is added to it as revoked. Returns whether it was revoked already.
 */
export function revokeCertificate(dir: string, name: string, password?: PasswordSource): { cert: string; already: boolean } {
  const cert = path.join(dir, `${name}.pem`);
  if (!fs.existsSync(cert)) throw new CaError(`no certificate ${cert} to revoke`);
  const ca = openCa(dir, password);
  const leaf = new X509Certificate(fs.readFileSync(cert));
  const issuer = new X509Certificate(fs.readFileSync(ca.paths.cert));
  // openssl ca -revoke records any serial it is given; only this CA's certificates belong in its CRL.
  if (!leaf.checkIssued(issuer) || !leaf.verify(issuer.publicKey)) {
    throw new CaError(`${cert} was not issued by the CA ${ca.paths.cert}`);
  }
  if (indexStatus(ca.paths, leaf.serialNumber) === 'R') return { cert, already: true };
  opensslCa(ca, ['-revoke', cert]);
  return { cert, already: false };
}

/**
 * Writes `crl.pem`, the CA's certificate revocation list valid for `days` (`openssl ca -gencrl`).
 * The file is replaced by a rename, so a server reloading it never reads half a CRL. A CRL past
 * its nextUpdate fails every verification (X509_V_ERR_CRL_HAS_EXPIRED), so write it again in time.
 */
export function writeCrl(dir: string, days: number, password?: PasswordSource): { crl: string; revoked: number } {
  const ca = openCa(dir, password);
  const partial = `${ca.paths.crl}.new`;
  opensslCa(ca, ['-gencrl', '-crldays', String(days), '-out', partial]);
  fs.renameSync(partial, ca.paths.crl);
  return { crl: ca.paths.crl, revoked: revokedCount(ca.paths) };
}
