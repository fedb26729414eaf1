'use strict';
// Run by the HSM tests in a child process (an engine binds once per process and a DRBG type is
// set once per library context, so each case needs a fresh process). argv[2] is a JSON job; the
// last stdout line is the JSON result.
const fs = require('node:fs');
const path = require('node:path');
const hsm = require('../../lib/hsm');
const { createSecureContext } = require('../../lib/secure-context');
const { handshakeInMemory } = require('./hsm-pump');

const CA = path.join(__dirname, '..', 'fixtures', 'certs', 'ca.pem');
const job = JSON.parse(process.argv[2]);

function errorFields(err) {
  return { code: err.code, parameter: err.parameter, message: err.message };
}

/** A server context from `server` and one handshake with a verifying client; the TLS version. */
function handshake(server) {
  const client = createSecureContext({ caList: CA, verifyCertificate: true });
  const { server: s, client: c } = handshakeInMemory(createSecureContext(server), client, { serverName: 'hsm.test' });
  const version = c.facts().version;
  s.close();
  c.close();
  return version;
}

const actions = {
  // Apply HSM params, then build a context: { ok } or the error.
  key() {
    hsm.applyHsmParams(job.params, () => {});
    createSecureContext(job.context);
    return { ok: true };
  },
  // rand_engine: the DRBGs of the module and of Node, a handshake, Node's randomBytes.
  rand() {
    const notices = [];
    if (job.contextFirst) createSecureContext({ certificate: job.server.certificate, privateKey: job.server.privateKey });
    hsm.applyHsmParams({ engine: 'NONE', engine_config: 'NONE', engine_algorithms: 'NONE', rand_engine: job.randEngine },
      (m) => notices.push(m));
    const version = handshake(job.server);
    const random = require('node:crypto').randomBytes(16).toString('hex');
    return { module: hsm.describeDrbg('module'), node: hsm.describeDrbg('node'), version, notices, random };
  },
  // Loads a context, removes the token directory (the HSM goes away), then tries to load again.
  unreachable() {
    hsm.applyHsmParams(job.params, () => {});
    const before = handshake(job.context);
    fs.rmSync(job.tokenDir, { recursive: true, force: true });
    const results = [];
    for (const context of [job.context, job.otherContext]) {
      try {
        createSecureContext(context);
        results.push({ ok: true });
      } catch (err) {
        results.push(errorFields(err));
      }
    }
    return { before, results };
  },
};

let result;
try {
  result = actions[job.action]();
} catch (err) {
  result = errorFields(err);
}
process.stdout.write(`\n${JSON.stringify(result)}\n`);
