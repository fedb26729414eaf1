'use strict';
// Certificates for the RFC 5922 identity tests, made with /usr/bin/openssl in a temp dir:
// one test CA and leaf certificates it signs, each with the subject and subjectAltName given.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ENV = { ...process.env, OPENSSL_CONF: '/dev/null' };
const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * Makes `dir/ca.pem` and, for each entry of `leaves` ({ name: { cn, san } }, san in openssl's
 * subjectAltName syntax or absent for no extension), `dir/NAME.pem` + `dir/NAME.key`.
 * Returns { dir, ca, leaf(name) -> { certificate, privateKey }, remove() }.
 */
function makeIdentityCerts(leaves) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-identity-'));
  const ecKey = (name) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  ecKey('ca');
  fs.writeFileSync(path.join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n');
  openssl(['req', '-new', '-key', 'ca.key', '-subj', '/O=sip-tls tests/CN=identity test CA', '-out', 'ca.csr'], dir);
  openssl(['x509', '-req', '-in', 'ca.csr', '-signkey', 'ca.key', '-days', '2', '-extfile', 'ca.ext', '-out', 'ca.pem'], dir);
  let serial = 1;
  for (const [name, { cn, san }] of Object.entries(leaves)) {
    ecKey(name);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', `/O=sip-tls tests/CN=${cn}`, '-out', `${name}.csr`], dir);
    const ext = [];
    if (san) {
      fs.writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
      ext.push('-extfile', `${name}.ext`);
    }
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-set_serial', String(serial++),
      '-days', '2', ...ext, '-out', `${name}.pem`], dir);
  }
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    leaf: (name) => ({ certificate: path.join(dir, `${name}.pem`), privateKey: path.join(dir, `${name}.key`) }),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

module.exports = { makeIdentityCerts };
