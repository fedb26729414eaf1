#!/usr/bin/env node
'use strict';
// Handshakes per second with a private key in an HSM (SoftHSM2 through the pkcs11 engine) versus
// the same key type in a PEM file: sip-tls server and client sessions back to back in memory, one
// thread, no session resumption, so every handshake makes one server signature.
//
//   node scripts/bench-hsm.js [--duration MS] [--json]      (after npm run build)
//
// The benchmark harness can call measureHsmHandshakes() instead; it creates a temporary SoftHSM2
// token and loads the engine into the calling process, so call it in a process of its own (an
// engine binds once per process).
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { createToken } = require('./softhsm-token');

const ROOT = path.join(__dirname, '..');
const CERTS = path.join(ROOT, 'test', 'fixtures', 'certs');

/** One back-to-back handshake between fresh sessions; throws if it fails. */
function handshakeOnce(lib, serverContext, clientContext) {
  const { Session, SessionStatus } = lib;
  const server = new Session(serverContext, { isServer: true });
  const client = new Session(clientContext, { isServer: false });
  try {
    let toClient = null;
    for (let round = 0; round < 10; round++) {
      const c = client.feed(toClient);
      const s = server.feed(client.takeCiphertext());
      if ((c | s) & SessionStatus.ERROR) throw (client.takeError() || server.takeError());
      toClient = server.takeCiphertext();
      if ((s & SessionStatus.HANDSHAKE_DONE) && (c & SessionStatus.HANDSHAKE_DONE)) return;
    }
    throw new Error('handshake did not finish');
  } finally {
    server.close();
    client.close();
  }
}

/** Handshakes of one server context for `durationMs`: { handshakes, seconds, perSecond }. */
function measure(lib, serverContext, clientContext, durationMs) {
  for (let i = 0; i < 20; i++) handshakeOnce(lib, serverContext, clientContext);
  const start = process.hrtime.bigint();
  const end = start + BigInt(durationMs) * 1000000n;
  let handshakes = 0;
  let now = start;
  while (now < end) {
    handshakeOnce(lib, serverContext, clientContext);
    handshakes++;
    if ((handshakes & 15) === 0) now = process.hrtime.bigint();
  }
  now = process.hrtime.bigint();
  const seconds = Number(now - start) / 1e9;
  return { handshakes, seconds, perSecond: handshakes / seconds };
}

/**
 * Measures in-memory handshakes per second for EC P-256 and RSA-2048 keys, each from a PEM file
 * and from SoftHSM2, for each TLS version in `methods`. Returns one row per case:
 * { key: 'file-ec'|'hsm-ec'|'file-rsa'|'hsm-rsa', method, handshakes, seconds, perSecond }.
 */
function measureHsmHandshakes({ durationMs = 2000, methods = ['TLSv1.3', 'TLSv1.2'] } = {}) {
  if (!fs.existsSync(path.join(CERTS, 'ca.pem'))) execFileSync('bash', [path.join(__dirname, 'gen-test-certs.sh')]);
  const lib = {
    ...require(path.join(ROOT, 'lib', 'session')),
    ...require(path.join(ROOT, 'lib', 'secure-context')),
    ...require(path.join(ROOT, 'lib', 'hsm')),
  };
  const token = createToken();
  try {
    process.env.SOFTHSM2_CONF = token.softhsmConf;
    lib.applyHsmParams({ engine: 'pkcs11', engine_config: token.engineConfig, engine_algorithms: 'NONE', rand_engine: '' }, () => {});
    const keys = {
      'file-ec': { certificate: path.join(CERTS, 'server-ecdsa.pem'), privateKey: path.join(CERTS, 'server-ecdsa.key') },
      'hsm-ec': { certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey },
      'file-rsa': { certificate: path.join(CERTS, 'server-rsa.pem'), privateKey: path.join(CERTS, 'server-rsa.key') },
      'hsm-rsa': { certificate: token.keys.rsa.certificate, privateKey: token.keys.rsa.privateKey },
    };
    const rows = [];
    for (const method of methods) {
      const clientContext = lib.createSecureContext({ method });
      for (const [key, files] of Object.entries(keys)) {
        const serverContext = lib.createSecureContext({ method, ...files });
        rows.push({ key, method, ...measure(lib, serverContext, clientContext, durationMs) });
      }
    }
    return rows;
  } finally {
    token.remove();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const durationIndex = args.indexOf('--duration');
  const durationMs = durationIndex >= 0 ? Number(args[durationIndex + 1]) : 2000;
  if (!Number.isInteger(durationMs) || durationMs < 100) {
    console.error('usage: node scripts/bench-hsm.js [--duration MS (>= 100)] [--json]');
    process.exit(2);
  }
  const rows = measureHsmHandshakes({ durationMs });
  if (args.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, openssl: process.versions.openssl, rows }, null, 2));
  } else {
    console.log(`in-memory handshakes/s, one thread, Node ${process.version}, OpenSSL ${process.versions.openssl}`);
    for (const r of rows) {
      console.log(`${r.method.padEnd(8)} ${r.key.padEnd(9)} ${r.perSecond.toFixed(0).padStart(7)} /s  (${r.handshakes} in ${r.seconds.toFixed(2)} s)`);
    }
  }
}

module.exports = { measureHsmHandshakes };
