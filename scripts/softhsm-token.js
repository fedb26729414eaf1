'use strict';
// A SoftHSM2 token for one test or benchmark run: its own token directory and SOFTHSM2_CONF in a temp dir, an
// EC P-256 and an RSA-2048 key generated inside the token, certificates for them signed by the
// test CA (the CSRs are signed by the HSM through the pkcs11 engine), and an engine_config in the
// guide's format. Every command is bounded; remove() deletes everything.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const ENGINE_OBJECT = '/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so';
const CERTS = path.join(__dirname, '..', 'test', 'fixtures', 'certs');
const COMMAND_TIMEOUT_MS = 30000;

const TOKEN_LABEL = 'sip-tls-test';
const PIN = '246810';
const SO_PIN = '13579135';

function run(file, args, env) {
  return execFileSync(file, args, { env, timeout: COMMAND_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

/** engine_config text in the guide's format, for `pin` (and `appName`, `kamailio` or `sip_tls`). */
function engineConfigText(pin, appName = 'kamailio') {
  return [
    '# the key kamailio (or sip_tls) is mandatory',
    `${appName} = openssl_init`,
    '[ openssl_init ]',
    'engines = engine_section',
    '[ engine_section ]',
    'pkcs11 = pkcs11_section',
    '[ pkcs11_section ]',
    `dynamic_path = ${ENGINE_OBJECT}`,
    `MODULE_PATH = ${SOFTHSM_MODULE}`,
    `PIN = ${pin}`,
    '# libp11 writes every failed lookup to stderr unless told to be quiet (a command without input)',
    'QUIET = EMPTY',
    '',
  ].join('\n');
}

/**
 * Creates the token. SoftHSM finds it through SOFTHSM2_CONF (`softhsmConf`), which it reads when
 * the engine first opens the module: set it in the environment before any engine is loaded.
 * The test CA (`scripts/gen-test-certs.sh`) signs the certificates.
 */
function createToken() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-hsm-'));
  const tokens = path.join(dir, 'tokens');
  fs.mkdirSync(tokens);
  const softhsmConf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(softhsmConf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const env = { ...process.env, SOFTHSM2_CONF: softhsmConf, OPENSSL_CONF: '/dev/null' };

  run('softhsm2-util', ['--init-token', '--free', '--label', TOKEN_LABEL, '--pin', PIN, '--so-pin', SO_PIN], env);
  const keys = {
    ec: { label: 'ec-key', id: '01', type: 'EC:prime256v1' },
    rsa: { label: 'rsa-key', id: '02', type: 'rsa:2048' },
  };
  for (const key of Object.values(keys)) {
    run('pkcs11-tool', ['--module', SOFTHSM_MODULE, '--token-label', TOKEN_LABEL, '--login', '--pin', PIN,
      '--keypairgen', '--key-type', key.type, '--label', key.label, '--id', key.id], env);
  }

  const engineConfig = path.join(dir, 'engine.cnf');
  fs.writeFileSync(engineConfig, engineConfigText(PIN));
  // The openssl command line reads its engines from `openssl_conf`; same sections.
  const opensslConf = path.join(dir, 'openssl-cli.cnf');
  fs.writeFileSync(opensslConf, `openssl_conf = openssl_init\n${engineConfigText(PIN)}`);
  const ext = path.join(dir, 'leaf.ext');
  fs.writeFileSync(ext, 'basicConstraints = CA:false\nkeyUsage = critical, digitalSignature, keyEncipherment\n'
    + 'extendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = DNS:hsm.test, DNS:localhost, IP:127.0.0.1\n');

  const result = { dir, softhsmConf, engineConfig, opensslConf, tokenLabel: TOKEN_LABEL, pin: PIN, keys: {} };
  for (const [name, key] of Object.entries(keys)) {
    const uri = `pkcs11:token=${TOKEN_LABEL};object=${key.label};type=private`;
    const csr = path.join(dir, `${name}.csr`);
    const cert = path.join(dir, `${name}.pem`);
    run('openssl', ['req', '-new', '-engine', 'pkcs11', '-keyform', 'engine', '-key', uri,
      '-subj', `/CN=hsm-${name}.test`, '-out', csr], { ...env, OPENSSL_CONF: opensslConf });
    run('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(CERTS, 'ca.pem'), '-CAkey', path.join(CERTS, 'ca.key'),
      '-set_serial', String(Date.now() + (name === 'ec' ? 1 : 2)), '-days', '2', '-sha256', '-extfile', ext, '-out', cert], env);
    result.keys[name] = { uri, label: key.label, certificate: cert, privateKey: `/engine:${uri}` };
  }
  result.remove = () => fs.rmSync(dir, { recursive: true, force: true });
  return result;
}

module.exports = { createToken, engineConfigText, SOFTHSM_MODULE, ENGINE_OBJECT, CERTS, PIN, TOKEN_LABEL };
