'use strict';
// HSM keys in this process: a per-run SoftHSM2 token, the Debian pkcs11 engine loaded into Node's
// own OpenSSL from a guide-format engine_config, sip-tls contexts whose private keys stay in the
// token, served to openssl s_client and to sip-tls client sessions over TLS 1.3 and 1.2.
const assert = require('node:assert');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');
const { Worker } = require('node:worker_threads');
const { createToken, engineConfigText, CERTS } = require('../../scripts/softhsm-token');
const hsm = require('../../lib/hsm');
const { createSecureContext } = require('../../lib/secure-context');
const { loadConfigFromParams, contextOptionsFor } = require('../../lib/config');
const { matchServer } = require('../../lib/matching');
const { TlsModule } = require('../../lib/tls-module');
const { mallocInUse } = require('../../lib/native');
const { handshakeInMemory, serveTcp, sClient } = require('./hsm-pump');

const CA = path.join(CERTS, 'ca.pem');
const SIP = 'OPTIONS sip:hsm.test SIP/2.0\r\nContent-Length: 0\r\n\r\n';

describe('HSM keys through the pkcs11 engine (SoftHSM2)', function () {
  this.timeout(60000);
  let token;
  const clientContext = () => createSecureContext({ method: 'TLSv1.2+', caList: CA, verifyCertificate: true });

  before(() => {
    token = createToken();
    // SoftHSM reads its configuration when the engine first opens the module.
    process.env.SOFTHSM2_CONF = token.softhsmConf;
    const setup = hsm.applyHsmParams({ engine: 'pkcs11', engine_config: token.engineConfig,
      engine_algorithms: 'NONE', rand_engine: '' });
    assert.strictEqual(setup.engine, 'pkcs11');
  });

  after(() => {
    if (token) token.remove();
  });

  for (const keyName of ['ec', 'rsa']) {
    for (const [method, sClientVersion] of [['TLSv1.3', 'tls1_3'], ['TLSv1.2', 'tls1_2']]) {
      describe(`${keyName === 'ec' ? 'EC P-256' : 'RSA-2048'} key, ${method}`, () => {
        let serverContext;
        before(() => {
          serverContext = createSecureContext({ method, certificate: token.keys[keyName].certificate,
            privateKey: token.keys[keyName].privateKey });
        });

        it('handshakes with a sip-tls client session and carries a SIP message', () => {
          const { server, client, received } = handshakeInMemory(serverContext, clientContext(),
            { serverName: 'hsm.test', message: SIP });
          const facts = client.facts();
          assert.strictEqual(facts.version, method);
          assert.strictEqual(facts.verified, true);
          assert.strictEqual(client.peerCertificate().subject.cn, `hsm-${keyName}.test`);
          assert.strictEqual(received, SIP);
          server.close();
          client.close();
        });

        it('serves openssl s_client, which verifies the certificate', async () => {
          const srv = await serveTcp(() => serverContext);
          try {
            const result = await sClient(srv.port, { caFile: CA, version: sClientVersion, serverName: 'hsm.test' });
            assert.strictEqual(result.code, 0, result.stderr);
            assert.match(result.stderr, new RegExp(`Protocol version: ${method.replace('.', '\\.')}`));
            assert.match(result.stderr, keyName === 'ec' ? /Signature type: ECDSA/ : /Signature type: RSA-PSS/);
            assert.match(result.stderr, /Verification: OK/);
          } finally {
            await srv.close();
          }
        });
      });
    }
  }

  describe('per-profile HSM keys in tls.cfg, chosen by SNI', () => {
    let profiles;
    let params;
    const contexts = new Map();
    const pick = (sni) => {
      const { profile } = matchServer(profiles, { ip: '127.0.0.1', port: 5061 }, sni || undefined);
      if (!contexts.has(profile)) contexts.set(profile, createSecureContext(contextOptionsFor(profile, params)));
      return contexts.get(profile);
    };

    before(() => {
      const cfg = path.join(token.dir, 'tls.cfg');
      fs.writeFileSync(cfg, [
        '[server:default]',
        'method = TLSv1.2+',
        `certificate = ${token.keys.ec.certificate}`,
        `private_key = ${token.keys.ec.privateKey}`,
        '',
        '[server:any]',
        'server_name = rsa.hsm.test',
        'method = TLSv1.2+',
        `certificate = ${token.keys.rsa.certificate}`,
        `private_key = ${token.keys.rsa.privateKey}`,
        '',
      ].join('\n'));
      const loaded = loadConfigFromParams({ config: cfg, engine: 'pkcs11', engine_config: token.engineConfig }, token.dir);
      profiles = loaded.profiles;
      params = loaded.params;
    });

    it('selects the RSA HSM key for its server_name and the EC one otherwise (sip-tls client)', () => {
      const rsa = handshakeInMemory(pick(''), clientContext(), { serverName: 'rsa.hsm.test', chooseContext: pick });
      assert.strictEqual(rsa.client.peerCertificate().subject.cn, 'hsm-rsa.test');
      const ec = handshakeInMemory(pick(''), clientContext(), { serverName: 'other.test', chooseContext: pick });
      assert.strictEqual(ec.client.peerCertificate().subject.cn, 'hsm-ec.test');
      for (const s of [rsa.server, rsa.client, ec.server, ec.client]) s.close();
    });

    it('selects by SNI for openssl s_client too', async () => {
      const srv = await serveTcp(pick);
      try {
        const rsa = await sClient(srv.port, { caFile: CA, version: 'tls1_3', serverName: 'rsa.hsm.test' });
        assert.strictEqual(rsa.code, 0, rsa.stderr);
        assert.match(rsa.stderr, /Peer certificate: CN = hsm-rsa\.test/);
        const ec = await sClient(srv.port, { caFile: CA, version: 'tls1_2', serverName: 'hsm.test' });
        assert.strictEqual(ec.code, 0, ec.stderr);
        assert.match(ec.stderr, /Peer certificate: CN = hsm-ec\.test/);
      } finally {
        await srv.close();
      }
    });
  });

  describe('TlsModule with HSM keys per tls.cfg profile', () => {
    let mod;
    let port;
    let cfg;
    const logger = { lines: [], log(level, message) { this.lines.push({ level, message }); } };
    const writeCfg = (rsaKey) => fs.writeFileSync(cfg, [
      '[server:default]',
      `certificate = ${token.keys.ec.certificate}`,
      `private_key = ${token.keys.ec.privateKey}`,
      '[server:any]',
      'server_name = rsa.hsm.test',
      `certificate = ${token.keys.rsa.certificate}`,
      `private_key = ${rsaKey}`,
      '',
    ].join('\n'));

    before(async () => {
      cfg = path.join(token.dir, 'module-tls.cfg');
      writeCfg(token.keys.rsa.privateKey);
      mod = new TlsModule({ params: { engine: 'pkcs11', engine_config: token.engineConfig, config: cfg,
        tls_method: 'TLSv1.2+' }, logger });
      [{ port }] = await mod.listen(['tls:127.0.0.1:0']);
    });

    after(async () => {
      if (mod) await mod.close();
    });

    it('serves each profile\'s HSM key by SNI to openssl s_client', async () => {
      const rsa = await sClient(port, { caFile: CA, version: 'tls1_3', serverName: 'rsa.hsm.test' });
      assert.strictEqual(rsa.code, 0, rsa.stderr);
      assert.match(rsa.stderr, /Peer certificate: CN = hsm-rsa\.test/);
      const ec = await sClient(port, { caFile: CA, version: 'tls1_2', serverName: 'sip.example.test' });
      assert.strictEqual(ec.code, 0, ec.stderr);
      assert.match(ec.stderr, /Peer certificate: CN = hsm-ec\.test/);
    });

    it('a reload whose HSM key is missing fails with the key named and keeps the current generation', async () => {
      const current = mod.generation.number;
      writeCfg(`/engine:pkcs11:token=${token.tokenLabel};object=not-there;type=private`);
      assert.throws(() => mod.reload(), /not-there/);
      assert.strictEqual(mod.generation.number, current);
      const rsa = await sClient(port, { caFile: CA, version: 'tls1_3', serverName: 'rsa.hsm.test' });
      assert.strictEqual(rsa.code, 0, rsa.stderr);
      writeCfg(token.keys.rsa.privateKey);
      assert.ok(mod.reload().number > current);
    });
  });

  describe('errors', () => {
    const expectTlsError = (options, code, pattern) => {
      assert.throws(() => createSecureContext(options), (err) => {
        assert.strictEqual(err.code, code, err.message);
        assert.strictEqual(err.parameter, 'private_key');
        assert.match(err.message, pattern);
        return true;
      });
    };

    it('a missing key label is ERR_TLS_HSM_KEY_NOT_FOUND naming the key', () => {
      expectTlsError({ certificate: token.keys.ec.certificate,
        privateKey: `/engine:pkcs11:token=${token.tokenLabel};object=no-such-key;type=private` },
      'ERR_TLS_HSM_KEY_NOT_FOUND', /object=no-such-key.*object not found/);
    });

    it('an HSM key that is not the certificate\'s is ERR_TLS_KEY_MISMATCH', () => {
      expectTlsError({ certificate: token.keys.rsa.certificate, privateKey: token.keys.ec.privateKey },
        'ERR_TLS_KEY_MISMATCH', /does not match the certificate/);
    });

    it('a pkcs11: URI without a PKCS#11 provider says to use the engine', () => {
      expectTlsError({ certificate: token.keys.ec.certificate, privateKey: `/uri:${token.keys.ec.uri}` },
        'ERR_TLS_HSM_KEY_LOAD', /no provider .* handles "pkcs11:" URIs.*private_key = \/engine:pkcs11:/);
    });

    it('an engine that does not exist names every path tried', () => {
      assert.throws(() => hsm.applyHsmParams({ engine: 'nosuchengine', engine_config: 'NONE',
        engine_algorithms: 'NONE', rand_engine: '' }), (err) => {
        assert.strictEqual(err.parameter, 'engine');
        assert.match(err.message, /engine "nosuchengine" not found \(tried .*\/usr\/lib\/x86_64-linux-gnu\/engines-3\/nosuchengine\.so/);
        return true;
      });
    });

    it('a dynamic_path that does not exist names it and the engine_config', () => {
      const file = path.join(token.dir, 'missing-so.cnf');
      fs.writeFileSync(file, engineConfigText(token.pin).replace(/dynamic_path = .*/, 'dynamic_path = /nonexistent/pkcs11.so'));
      assert.throws(() => hsm.applyHsmParams({ engine: 'pkcs11', engine_config: file, engine_algorithms: 'NONE', rand_engine: '' }),
        new RegExp(`dynamic_path /nonexistent/pkcs11.so \\(engine_config ${file}\\) is not a readable file`));
    });

    it('an engine_config without the kamailio line, or with a syntax error, names the file and line', () => {
      const noApp = path.join(token.dir, 'no-app.cnf');
      fs.writeFileSync(noApp, engineConfigText(token.pin).replace(/^kamailio = .*$/m, ''));
      assert.throws(() => hsm.applyHsmParams({ engine: 'pkcs11', engine_config: noApp, engine_algorithms: 'NONE', rand_engine: '' }),
        /no `kamailio = <section>` \(or `sip_tls = <section>`\) line/);
      const broken = path.join(token.dir, 'broken.cnf');
      fs.writeFileSync(broken, 'kamailio = openssl_init\n[ openssl_init\nengines = x\n');
      assert.throws(() => hsm.applyHsmParams({ engine: 'pkcs11', engine_config: broken, engine_algorithms: 'NONE', rand_engine: '' }),
        new RegExp(`${broken}:2: syntax error in engine_config \\(missing close square bracket\\)`));
      const noSection = path.join(token.dir, 'no-engine-section.cnf');
      fs.writeFileSync(noSection, engineConfigText(token.pin).replace('pkcs11 = pkcs11_section', 'gem = gem_section'));
      assert.throws(() => hsm.applyHsmParams({ engine: 'pkcs11', engine_config: noSection, engine_algorithms: 'NONE', rand_engine: '' }),
        /section \[engine_section\] has no `pkcs11 = <section>`/);
    });

    it('the same engine settings under the sip_tls app name load again; other settings are refused', () => {
      const same = path.join(token.dir, 'sip-tls-app.cnf');
      fs.writeFileSync(same, engineConfigText(token.pin, 'sip_tls'));
      assert.deepStrictEqual(hsm.applyHsmParams({ engine: 'pkcs11', engine_config: same, engine_algorithms: 'NONE', rand_engine: '' }),
        { engine: 'pkcs11', randEngine: null });
      const other = path.join(token.dir, 'other-pin.cnf');
      fs.writeFileSync(other, engineConfigText('999999'));
      assert.throws(() => hsm.applyHsmParams({ engine: 'pkcs11', engine_config: other, engine_algorithms: 'NONE', rand_engine: '' }),
        /already loaded in this process with other settings/);
      // The environment's engine is still the working one.
      assert.ok(createSecureContext({ certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey }));
    });

    it('a key that cannot be loaded at reload fails cleanly: the old context keeps serving, nothing leaks', () => {
      const old = createSecureContext({ certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey });
      const missing = { certificate: token.keys.ec.certificate,
        privateKey: `/engine:pkcs11:token=${token.tokenLabel};object=rotated-away;type=private` };
      const attempt = () => assert.throws(() => createSecureContext(missing), { code: 'ERR_TLS_HSM_KEY_NOT_FOUND' });
      for (let i = 0; i < 50; i++) attempt();
      // malloc's own count, not RSS: RSS moves by megabytes with what earlier tests left to
      // the collector and with the free memory malloc keeps, and a leak of this size is lost in it.
      global.gc();
      const before = mallocInUse();
      for (let i = 0; i < 500; i++) attempt();
      global.gc();
      const perLoad = (mallocInUse() - before) / 500;
      console.log(`      malloc growth per failed HSM key load: ${perLoad.toFixed(0)} bytes`);
      assert.ok(perLoad < 256, `malloc grew ${perLoad.toFixed(0)} bytes per failed load`);
      const { server, client } = handshakeInMemory(old, clientContext(), { serverName: 'hsm.test', message: SIP });
      assert.strictEqual(client.facts().verified, true);
      server.close();
      client.close();
    });
  });

  describe('worker threads', () => {
    it('a worker shares the process\'s engine, serves an HSM key and has its own rand_engine', async () => {
      const root = path.join(__dirname, '..', '..');
      const worker = new Worker(`
        const { workerData, parentPort } = require('node:worker_threads');
        const path = require('node:path');
        const hsm = require(path.join(workerData.root, 'lib', 'hsm'));
        const { createSecureContext } = require(path.join(workerData.root, 'lib', 'secure-context'));
        const { handshakeInMemory } = require(path.join(workerData.root, 'test', 'integration', 'hsm-pump'));
        hsm.applyHsmParams({ engine: 'pkcs11', engine_config: workerData.engineConfig, engine_algorithms: 'NONE',
          rand_engine: 'cryptorand' }, () => {});
        const server = createSecureContext({ certificate: workerData.certificate, privateKey: workerData.privateKey });
        const client = createSecureContext({ caList: workerData.ca, verifyCertificate: true });
        const r = handshakeInMemory(server, client, { serverName: 'hsm.test' });
        parentPort.postMessage({ cn: r.client.peerCertificate().subject.cn, verified: r.client.facts().verified,
          drbg: hsm.describeDrbg('module') });
        r.server.close();
        r.client.close();
      `, { eval: true, workerData: { root, engineConfig: token.engineConfig, ca: CA,
        certificate: token.keys.rsa.certificate, privateKey: token.keys.rsa.privateKey } });
      const reply = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before answering`)));
      });
      await new Promise((resolve) => worker.once('exit', resolve));
      assert.deepStrictEqual(reply, { cn: 'hsm-rsa.test', verified: true,
        drbg: { type: 'HASH-DRBG', mechanism: 'SHA2-512', strength: 256 } });
      assert.deepStrictEqual(hsm.describeDrbg('module'), { type: 'CTR-DRBG', mechanism: 'AES-256-CTR', strength: 256 });
      assert.ok(createSecureContext({ certificate: token.keys.ec.certificate, privateKey: token.keys.ec.privateKey }));
    });
  });

  describe('Node\'s own crypto and tls in the same process', () => {
    it('crypto.randomBytes, hashes, ciphers and signatures still work, on Node\'s own DRBG', () => {
      const a = crypto.randomBytes(32);
      const b = crypto.randomBytes(32);
      assert.strictEqual(a.length, 32);
      assert.notDeepStrictEqual(a, b);
      assert.strictEqual(crypto.createHash('sha256').update('abc').digest('hex'),
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      const key = crypto.randomBytes(32);
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const sealed = Buffer.concat([cipher.update('sip'), cipher.final()]);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv).setAuthTag(cipher.getAuthTag());
      assert.strictEqual(Buffer.concat([decipher.update(sealed), decipher.final()]).toString(), 'sip');
      for (const type of ['ec', 'rsa']) {
        const pair = crypto.generateKeyPairSync(type, type === 'ec' ? { namedCurve: 'P-256' } : { modulusLength: 2048 });
        const sig = crypto.sign('sha256', Buffer.from('sip'), pair.privateKey);
        assert.ok(crypto.verify('sha256', Buffer.from('sip'), pair.publicKey, sig));
      }
      assert.deepStrictEqual(hsm.describeDrbg('node'), { type: 'CTR-DRBG', mechanism: 'AES-256-CTR', strength: 256 });
    });

    it('a node:tls handshake with file keys still works', async () => {
      const server = tls.createServer({
        key: fs.readFileSync(path.join(CERTS, 'server-ecdsa.key')),
        cert: fs.readFileSync(path.join(CERTS, 'server-ecdsa.pem')),
      }, (socket) => socket.end('SIP/2.0 200 OK\r\n\r\n'));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const reply = await new Promise((resolve, reject) => {
          const socket = tls.connect({ host: '127.0.0.1', port: server.address().port, ca: fs.readFileSync(CA),
            servername: 'localhost' }, () => { assert.ok(socket.authorized); });
          let data = '';
          socket.on('data', (d) => { data += d; });
          socket.on('end', () => resolve(data));
          socket.on('error', reject);
          socket.setTimeout(10000, () => reject(new Error('node:tls timed out')));
        });
        assert.strictEqual(reply, 'SIP/2.0 200 OK\r\n\r\n');
      } finally {
        server.close();
      }
    });
  });
});
