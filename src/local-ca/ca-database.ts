/**
 * The database `openssl ca` keeps beside the CA (openssl-ca(1)): the index of issued and revoked
 * certificates, the next serial and CRL numbers, copies of issued certificates, and the config
 * that points openssl there. It lives in `DIR/ca-db/`, so that `openssl ca -config
 * DIR/ca-db/openssl.cnf …` works on the same CA by hand, as the guide's howto does with demoCA/.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Paths of a CA directory made by `sip-tls ca`. */
export interface CaPaths {
  dir: string;
  cert: string;
  key: string;
  crl: string;
  db: string;
  index: string;
  config: string;
}

export function caPaths(dir: string): CaPaths {
  const db = path.join(dir, 'ca-db');
  return {
    dir, cert: path.join(dir, 'ca.pem'), key: path.join(dir, 'ca.key'), crl: path.join(dir, 'crl.pem'),
    db, index: path.join(db, 'index.txt'), config: path.join(db, 'openssl.cnf'),
  };
}

/**
 * A random first serial: CAs made before the database existed signed with random serials
 * (`openssl x509 -CAcreateserial`), so counting from 01 could repeat one of them. 16 bytes with
 * the top bit clear stay a positive INTEGER of the same length (RFC 5280 4.1.2.2: at most 20 octets).
 */
function firstSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return bytes.toString('hex').toUpperCase();
}

/** A path as an openssl config value: `$` would expand a variable, `#` start a comment (config(5)). */
function confValue(file: string): string {
  return file.replace(/[\\$#"']/g, '\\$&');
}

function writeIfMissing(file: string, text: string): void {
  if (!fs.existsSync(file)) fs.writeFileSync(file, text);
}

/**
 * Creates what is missing of the database (a CA made by an older `sip-tls ca init` has none) and
 * (re)writes its openssl.cnf with this directory's absolute paths. Returns the paths.
 */
export function ensureDatabase(dir: string): CaPaths {
  const p = caPaths(dir);
  fs.mkdirSync(path.join(p.db, 'newcerts'), { recursive: true });
  writeIfMissing(p.index, '');
  writeIfMissing(path.join(p.db, 'serial'), `${firstSerial()}\n`);
  writeIfMissing(path.join(p.db, 'crlnumber'), '01\n');
  // unique_subject = no: a name can be issued again after its certificate was revoked.
  // policy: only the commonName is required, the subject is taken from the request as it is.
  fs.writeFileSync(p.config, `# Made by sip-tls ca; rewritten by every sip-tls ca command.
[ ca ]
default_ca = sip_tls_ca

[ sip_tls_ca ]
database = ${confValue(path.join(p.db, 'index.txt'))}
new_certs_dir = ${confValue(path.join(p.db, 'newcerts'))}
serial = ${confValue(path.join(p.db, 'serial'))}
crlnumber = ${confValue(path.join(p.db, 'crlnumber'))}
certificate = ${confValue(p.cert)}
private_key = ${confValue(p.key)}
default_md = sha256
default_crl_days = 30
policy = sip_tls_policy
unique_subject = no
email_in_dn = no

[ sip_tls_policy ]
commonName = supplied
`);
  return p;
}

/** The index's entries: status letter (V valid, R revoked, E expired) and serial (hex, no leading zeros). */
function indexEntries(p: CaPaths): Array<{ status: string; serial: string }> {
  if (!fs.existsSync(p.index)) return [];
  return fs.readFileSync(p.index, 'utf8').split('\n')
    .map((line) => line.split('\t'))
    .filter((fields) => fields.length >= 4)
    .map((fields) => ({ status: fields[0], serial: fields[3].replace(/^0+/, '').toUpperCase() }));
}

/** The status letter of `serialHex` in the index, or undefined. */
export function indexStatus(p: CaPaths, serialHex: string): string | undefined {
  const wanted = serialHex.replace(/^0+/, '').toUpperCase();
  return indexEntries(p).find((e) => e.serial === wanted)?.status;
}

/** How many certificates the index records as revoked. */
export function revokedCount(p: CaPaths): number {
  return indexEntries(p).filter((e) => e.status === 'R').length;
}
