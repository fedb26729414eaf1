'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const fc = require('fast-check');
const {
  loadTlsConfig, loadConfigFromParams, buildProfileSet, contextOptionsFor, ConfigError,
} = require('../../lib/config');
const { readMainConfig, parseListen, parseRpc } = require('../../lib/main-config');
const { ParamStore } = require('../../lib/params');
const { lowMemThresholdsKB, memoryBudgetKB, cgroupMemoryLimit } = require('../../lib/low-memory');

let dir;
const write = (name, text) => {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
};

before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-config-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sip-tls.ini', () => {
  it('reads listen and rpc, given once or repeated, IPv6 in brackets', () => {
    const file = write('a/sip-tls.ini', [
      'listen = tls:127.0.0.1:5061',
      'rpc[] = http:127.0.0.1:8080',
      'rpc[] = udp:[::1]:8081',
      'rpc[] = unix:run/sip-tls.sock',
      '[tls]',
      'certificate = certs/server.pem',
      'verify_certificate = true',
      'tls_log = 2',
    ].join('\n'));
    const cfg = loadTlsConfig(file);
    assert.deepStrictEqual(cfg.listen, [{ ip: '127.0.0.1', port: 5061 }]);
    assert.deepStrictEqual(cfg.rpc, [
      { kind: 'http', ip: '127.0.0.1', port: 8080 },
      { kind: 'udp', ip: '::1', port: 8081 },
      { kind: 'unix', path: path.join(dir, 'a/run/sip-tls.sock') },
    ]);
    assert.strictEqual(cfg.params.get('certificate'), path.join(dir, 'a/certs/server.pem'));
    assert.strictEqual(cfg.params.get('verify_certificate'), true);
    assert.strictEqual(cfg.params.get('tls_log'), 2);
    assert.strictEqual(cfg.baseDir, path.join(dir, 'a'));
  });

  it('reads repeated listen[] entries', () => {
    const file = write('b/sip-tls.ini', 'listen[] = tls:127.0.0.1:5061\nlisten[] = tls:[::1]:5061\n');
    assert.deepStrictEqual(readMainConfig(file).listen, [{ ip: '127.0.0.1', port: 5061 }, { ip: '::1', port: 5061 }]);
  });

  it('names the file, line and key of every error', () => {
    const file = write('c/sip-tls.ini', [
      'listen = tls:127.0.0.1',
      'lisen = tls:127.0.0.1:5061',
      '[tls]',
      'send_timeout = 10',
      'verify_depth = deep',
      '[other]',
      'x = 1',
    ].join('\n'));
    assert.throws(() => loadTlsConfig(file), (err) => {
      assert.ok(err instanceof ConfigError);
      const messages = err.errors.map((e) => e.message);
      assert.deepStrictEqual(err.errors.map((e) => e.line).sort(), [1, 2, 4, 5, 6]);
      assert.ok(err.errors.every((e) => e.file === file && e.col === 1));
      assert.ok(messages.some((m) => /:4:1: parameter 'send_timeout' is obsolete: use 'tcp_send_timeout'/.test(m)), messages.join('\n'));
      assert.ok(messages.some((m) => /:5:1: invalid value "deep" for parameter 'verify_depth'/.test(m)));
      assert.ok(messages.some((m) => /:2:1: unknown key 'lisen' \(did you mean 'listen'\?\)/.test(m)));
      assert.ok(messages.some((m) => /:1:1: listen: expected an IP address and port/.test(m)));
      assert.ok(messages.some((m) => /:6:1: unknown section \[other\]/.test(m)));
      assert.strictEqual(err.errors.find((e) => e.line === 4).parameter, 'send_timeout');
      return true;
    });
  });

  it('refuses a key given twice without []', () => {
    const file = write('d/sip-tls.ini', 'listen = tls:127.0.0.1:5061\nlisten = tls:127.0.0.1:5062\n');
    assert.throws(() => readMainConfig(file), /:2:1: 'listen' is given 2 times; repeat it as 'listen\[\] = …'/);
  });

  it('refuses a value the ini format would cut at ; or #, and takes quoted values and spaced comments', () => {
    const cut = write('e/sip-tls.ini', '[tls]\nprivate_key_password = secret;more\n');
    assert.throws(() => readMainConfig(cut), (err) => err instanceof ConfigError && err.line === 2 && err.col === 30
      && err.parameter === 'private_key_password' && /has ';' right after text.*quote the value/.test(err.message));
    const fine = write('f/sip-tls.ini', 'listen = tls:127.0.0.1:5061 ; public\n[tls]\nprivate_key_password = "secret;more"\ntls_log = 2 # quiet\n');
    const config = readMainConfig(fine);
    assert.deepStrictEqual(config.listen, [{ ip: '127.0.0.1', port: 5061 }]);
    assert.strictEqual(config.params.get('private_key_password'), 'secret;more');
    assert.strictEqual(config.params.get('tls_log'), 2);
  });

  it('reports an unreadable file', () => {
    assert.throws(() => readMainConfig(path.join(dir, 'none.ini')), (err) => err instanceof ConfigError && /cannot read config/.test(err.message));
  });

  it('parses listen and rpc forms', () => {
    assert.deepStrictEqual(parseListen('tls:[2001:DB8::1]:5061'), { ip: '2001:db8::1', port: 5061 });
    assert.throws(() => parseListen('tcp:1.2.3.4:5060'), /expected tls:IP:PORT/);
    assert.throws(() => parseListen('tls:1.2.3.4:70000'), /expected an IP address and port/);
    assert.throws(() => parseListen('tls:::1:5061'), /expected an IP address and port/);
    assert.deepStrictEqual(parseRpc('unix:/run/x.sock', '/etc'), { kind: 'unix', path: '/run/x.sock' });
    assert.deepStrictEqual(parseRpc('unix:./x.sock', '/etc'), { kind: 'unix', path: './x.sock' });
    assert.throws(() => parseRpc('tcp:1.2.3.4:1', '/etc'), /expected http:IP:PORT, udp:IP:PORT or unix:PATH/);
  });
});

describe('profiles from the module parameters (no config)', () => {
  it('makes [server:default] and [client:default] with the same settings; ca_path and server_name take effect', () => {
    const { profiles } = loadConfigFromParams({
      certificate: 'server.pem', private_key: './key.pem', ca_path: '/etc/ssl/certs', server_name: 'sip.example.com',
      verify_client: 'optional', tls_method: 'TLSv1.3+', crl: 'crl.pem',
    }, '/etc/sip-tls');
    for (const p of [profiles.serverDefault, profiles.clientDefault]) {
      assert.strictEqual(p.settings.certificate, '/etc/sip-tls/server.pem');
      assert.strictEqual(p.settings.privateKey, './key.pem');
      assert.strictEqual(p.settings.caPath, '/etc/ssl/certs');
      assert.strictEqual(p.settings.serverName, 'sip.example.com');
      assert.strictEqual(p.settings.verifyClient, 'optional');
      assert.strictEqual(p.settings.method, 'TLSv1.3+');
      assert.strictEqual(p.settings.crl, '/etc/sip-tls/crl.pem');
    }
    assert.strictEqual(profiles.serverDefault.section, 'server:default');
    assert.strictEqual(profiles.clientDefault.name, 'TLSc<default>');
    assert.deepStrictEqual([profiles.server, profiles.client], [[], []]);
  });

  it('throws ConfigErrors naming each bad parameter', () => {
    assert.throws(() => loadConfigFromParams({ tls_method: 'x', verify_depth: -5 }), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.deepStrictEqual(err.errors.map((e) => e.parameter), ['tls_method', 'verify_depth']);
      return true;
    });
  });
});

describe('profiles from tls.cfg (config set)', () => {
  it('resolves config and the paths in it against the main config directory, ignoring per-profile module parameters', () => {
    write('e/conf/tls.cfg', '[server:default]\ncertificate = certs/s.pem\n[server:any]\nserver_name = x\n');
    const file = write('e/sip-tls.ini', '[tls]\nconfig = conf/tls.cfg\ncertificate = ignored.pem\nverify_depth = 2\n');
    const cfg = loadTlsConfig(file);
    assert.strictEqual(cfg.profiles.serverDefault.settings.certificate, path.join(dir, 'e/certs/s.pem'));
    assert.strictEqual(cfg.profiles.serverDefault.settings.verifyDepth, 9);
    assert.strictEqual(cfg.profiles.server[0].settings.certificate, path.join(dir, 'e/certs/s.pem'));
    assert.strictEqual(cfg.profiles.serverDefault.file, path.join(dir, 'e/conf/tls.cfg'));
  });

  it('reloads the current config: a runtime change of tls.config takes effect at the next build', () => {
    write('f/one.cfg', '[server:any]\nserver_name = one\n');
    write('f/two.cfg', '[server:any]\nserver_name = two\n');
    const params = new ParamStore({ config: 'one.cfg' }, { baseDir: path.join(dir, 'f') });
    assert.strictEqual(buildProfileSet(params).server[0].settings.serverName, 'one');
    params.setRuntime('config', 'two.cfg', 'tls');
    assert.strictEqual(buildProfileSet(params).server[0].settings.serverName, 'two');
  });

  it('throws the first error with all of them attached', () => {
    write('g/tls.cfg', '[server:default]\nmethod = x\n[server:any]\n');
    assert.throws(() => buildProfileSet({ config: 'tls.cfg' }, path.join(dir, 'g')), (err) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /tls\.cfg:2:10: Unsupported enum value 'x'/);
      assert.strictEqual(err.errors.length, 2);
      assert.match(err.errors[1].message, /tls\.cfg:3:1: tls domain for any address but no server name/);
      return true;
    });
  });

  it('throws a ConfigError naming config when the file is missing', () => {
    assert.throws(() => buildProfileSet({ config: 'missing.cfg' }, dir), (err) => err instanceof ConfigError && err.parameter === 'config');
  });

  it('never throws anything but a ConfigError for random file contents', () => {
    const file = path.join(dir, 'random.cfg');
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      fs.writeFileSync(file, bytes);
      try {
        buildProfileSet({ config: file });
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(err.errors.every((e) => e instanceof ConfigError && e.file));
      }
    }), { numRuns: 100 });
  });
});

describe('contextOptionsFor', () => {
  it('adds the module-wide settings to the profile settings', () => {
    const { params, profiles } = loadConfigFromParams({ session_cache: 'yes', session_id: 'sid', ssl_release_buffers: 0,
      ssl_max_send_fragment: 4096, ssl_read_ahead: 1, renegotiation: 'on', private_key_password: 'pw' }, '/x');
    const o = contextOptionsFor(profiles.serverDefault, params);
    assert.strictEqual(o.sessionCache, true);
    assert.strictEqual(o.sessionId, 'sid');
    assert.strictEqual(o.sslReleaseBuffers, 0);
    assert.strictEqual(o.sslMaxSendFragment, 4096);
    assert.strictEqual(o.sslReadAhead, true);
    assert.strictEqual(o.renegotiation, true);
    assert.strictEqual(o.privateKeyPassword, 'pw');
    assert.strictEqual(o.certificate, '/x/cert.pem');
  });

  it('reads the key password from the environment (key_password_mode 2) or a file (3)', () => {
    write('h/pw.txt', 'secret\n');
    process.env.SIP_TLS_TEST_PW = 'from-env';
    try {
      const env = loadConfigFromParams({ key_password_mode: 2, private_key_password: 'SIP_TLS_TEST_PW' }, '/x');
      assert.strictEqual(contextOptionsFor(env.profiles.serverDefault, env.params).privateKeyPassword, 'from-env');
      const file = loadConfigFromParams({ key_password_mode: 3, private_key_password: 'pw.txt' }, path.join(dir, 'h'));
      assert.strictEqual(contextOptionsFor(file.profiles.serverDefault, file.params).privateKeyPassword, 'secret');
      const unset = loadConfigFromParams({ key_password_mode: 2, private_key_password: 'SIP_TLS_TEST_NOPE' }, '/x');
      assert.throws(() => contextOptionsFor(unset.profiles.serverDefault, unset.params), /environment variable 'SIP_TLS_TEST_NOPE'.*not set/);
    } finally {
      delete process.env.SIP_TLS_TEST_PW;
    }
  });
});

describe('low-memory thresholds', () => {
  it('resolves -1 to the defaults, keeps KB values and 0 (off)', () => {
    assert.deepStrictEqual(lowMemThresholdsKB(new ParamStore()), { threshold1: 1024, threshold2: 512 });
    assert.deepStrictEqual(lowMemThresholdsKB(new ParamStore({ low_mem_threshold1: 4096, low_mem_threshold2: 0 })), { threshold1: 4096, threshold2: 0 });
  });

  it('measures against memory_budget, else the cgroup limit or total memory', () => {
    assert.strictEqual(memoryBudgetKB(new ParamStore({ memory_budget: 1000 })), 1000);
    assert.ok(memoryBudgetKB(new ParamStore()) > 1024);
    assert.ok(memoryBudgetKB(new ParamStore()) <= Math.floor(os.totalmem() / 1024));
    const limit = write('cg/memory.max', '1048576\n');
    const none = write('cg/none.max', 'max\n');
    assert.strictEqual(cgroupMemoryLimit([limit]), 1048576);
    assert.strictEqual(cgroupMemoryLimit([none, limit]), undefined);
    assert.strictEqual(cgroupMemoryLimit([path.join(dir, 'cg/missing'), limit]), 1048576);
  });
});
