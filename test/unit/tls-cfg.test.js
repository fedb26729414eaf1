'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseTlsCfg, readTlsCfg, serializeTlsCfg, canonicalIp } = require('../../lib/tls-cfg');
const { resolveSections } = require('../../lib/profiles');
const { ConfigError } = require('../../lib/config-error');
const { TLS_METHODS } = require('../../lib/profile');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'tls-cfg');

function parseOk(text) {
  const r = parseTlsCfg(text, 't.cfg');
  assert.deepStrictEqual(r.errors.map((e) => e.message), []);
  return r.sections;
}

function errorsOf(text) {
  return parseTlsCfg(text, 't.cfg').errors.map((e) => e.message);
}

function resolve(text, baseDir = '/etc/sip-tls') {
  const r = parseTlsCfg(text, 't.cfg');
  const { set, errors } = resolveSections(r.sections, { baseDir });
  return { set, errors: [...r.errors, ...errors].map((e) => e.message) };
}

describe('tls.cfg: section headers', () => {
  const cases = [
    ['[server:default]', 'server', { kind: 'default' }],
    ['[srv:def]', 'server', { kind: 'default' }],
    ['[s:DEFAULT]', 'server', { kind: 'default' }],
    ['[client:any]\nserver_name=a', 'client', { kind: 'any' }],
    ['[CLI:all]\nserver_name=a', 'client', { kind: 'any' }],
    ['[c:10.0.0.1:5061]', 'client', { kind: 'ip', ip: '10.0.0.1', port: 5061 }],
    ['[server:127.0.0.1:0]', 'server', { kind: 'ip', ip: '127.0.0.1', port: 0 }],
    ['[server:[2001:db8::1]:5061]', 'server', { kind: 'ip', ip: '2001:db8::1', port: 5061 }],
    ['[server:[2001:DB8:0:0::1]:5061]', 'server', { kind: 'ip', ip: '2001:db8::1', port: 5061 }],
    ['[ server : 1.2.3.4 : 5061 ]  # spaced', 'server', { kind: 'ip', ip: '1.2.3.4', port: 5061 }],
  ];
  for (const [text, role, address] of cases) {
    it(`reads ${JSON.stringify(text.split('\n')[0])}`, () => {
      const [s] = parseOk(text);
      assert.strictEqual(s.role, role);
      assert.deepStrictEqual(s.address, address);
      assert.strictEqual(s.line, 1);
    });
  }

  it('keeps the header as written, without brackets', () => {
    assert.strictEqual(parseOk('[server:[2001:db8::1]:5061]')[0].section, 'server:[2001:db8::1]:5061');
    assert.strictEqual(parseOk('[srv:all]\nserver_name=x')[0].section, 'srv:all');
  });

  const bad = [
    ['[]', 't.cfg:1:2: TLS domain type missing'],
    ['[server]', "t.cfg:1:8: Syntax error, ':' expected"],
    ['[proxy:default]', 't.cfg:1:2: Invalid TLS domain type'],
    ['[server:]', 't.cfg:1:9: Missing IP address'],
    ['[server:*]', 't.cfg:1:9: Syntax error, IP address expected'],
    ['[server:1.2.3:5061]', 't.cfg:1:9: Invalid IPv4 address'],
    ['[server:1.2.3.256:5061]', 't.cfg:1:9: Invalid IPv4 address'],
    ['[server:[2001:zz::1]:5061]', 't.cfg:1:9: Invalid IPv6 address'],
    ['[server:1.2.3.4]', "t.cfg:1:16: Syntax error, ':' expected"],
    ['[server:1.2.3.4:', 't.cfg:1:17: Premature end of file, port number missing'],
    ['[server:1.2.3.4:http]', "t.cfg:1:17: Invalid port number 'http'"],
    ['[server:1.2.3.4:70000]', "t.cfg:1:17: Invalid port number '70000'"],
    ['[server:default', "t.cfg:1:16: Closing ']' missing"],
    ['[server:default:5061]', "t.cfg:1:16: Syntax error, ']' expected"],
    ['[server:default] x', 't.cfg:1:18: End of line expected'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}: ${message.replace(/^[^ ]+ /, '')}`, () => {
      assert.deepStrictEqual(errorsOf(text), [message]);
    });
  }
});

describe('tls.cfg: keys and values', () => {
  it('reads every key and alias of the table, case-insensitively', () => {
    const [s] = parseOk([
      '[server:default]',
      'METHOD = tlsv1.2', 'tls_method = TLSv1.3+',
      'verify_cert = yes', 'require_cert = on', 'verify_depth = 4', 'verify_client = optional',
      'pkey_file = k.pem', 'pkey_password = pw', 'cert_file = c.pem', 'calist_file = ca.pem', 'ca_path = capath',
      'crl = crl.pem', 'cipher_list = HIGH:!aNULL', 'server_name = a.example', 'server_name_mode = 1', 'server_id = one',
      'cert_file2 = c2.pem', 'pkey_file2 = k2.pem', 'pkey_password2 = pw2', 'identity_check = true',
    ].join('\n'));
    assert.deepStrictEqual(s.values, {
      method: 'TLSv1.3+', verifyCertificate: true, requireCertificate: true, verifyDepth: 4, verifyClient: 'optional',
      privateKey: 'k.pem', privateKeyPassword: 'pw', certificate: 'c.pem', caList: 'ca.pem', caPath: 'capath',
      crl: 'crl.pem', cipherList: 'HIGH:!aNULL', serverName: 'a.example', serverNameMode: 1, serverId: 'one',
      certificate2: 'c2.pem', privateKey2: 'k2.pem', privateKeyPassword2: 'pw2', identityCheck: true,
    });
  });

  it('accepts every method of the guide', () => {
    for (const m of TLS_METHODS) assert.strictEqual(parseOk(`[s:def]\nmethod=${m}`)[0].values.method, m);
  });

  it('accepts every boolean spelling', () => {
    for (const w of ['yes', 'true', 'enable', 'enabled', '1', 'on', 'YES', 'On']) {
      assert.strictEqual(parseOk(`[s:def]\nverify_certificate=${w}`)[0].values.verifyCertificate, true, w);
    }
    for (const w of ['no', 'false', 'disable', 'disabled', '0', 'off', 'NO']) {
      assert.strictEqual(parseOk(`[s:def]\nverify_certificate=${w}`)[0].values.verifyCertificate, false, w);
    }
  });

  it('reads quoted values with every escape and backslash-newline', () => {
    const [s] = parseOk('[s:def]\ncipher_list = "a\\\\b\\"c\\nd\\re\\tf\\\ng"');
    assert.strictEqual(s.values.cipherList, 'a\\b"c\nd\re\tfg');
  });

  it('reads unquoted extended values up to whitespace or #', () => {
    const [s] = parseOk('[s:def]\ncertificate = /etc/x[1]:y,z.pem# comment\nca_list=a"b');
    assert.strictEqual(s.values.certificate, '/etc/x[1]:y,z.pem');
    assert.strictEqual(s.values.caList, 'a"b');
  });

  it('takes "" as an empty value', () => {
    assert.strictEqual(parseOk('[s:def]\ncertificate = ""')[0].values.certificate, '');
  });

  it('needs negative ints quoted; "-1" leaves the value unset', () => {
    assert.deepStrictEqual(parseOk('[s:def]\nverify_depth = "-1"')[0].values, {});
    assert.deepStrictEqual(errorsOf('[s:def]\nverify_depth = -1'), ["t.cfg:2:16: Invalid integer value '-'"]);
  });

  it('treats a server_name_mode other than 1 and 2 as 0, as the guide says', () => {
    assert.strictEqual(parseOk('[s:any]\nserver_name=x\nserver_name_mode = 7')[0].values.serverNameMode, 0);
  });

  it('lets the last of a repeated key win', () => {
    assert.strictEqual(parseOk('[s:def]\nverify_depth=1\nverify_depth=2')[0].values.verifyDepth, 2);
  });

  it('skips comments anywhere, including a backslash-continued one', () => {
    const sections = parseOk('# top\n[s:def] # header\n# a \\\nverify_depth = 100\nverify_depth = 5 # trailing\n');
    assert.strictEqual(sections[0].values.verifyDepth, 5);
  });

  it('skips a byte-order mark at the start', () => {
    assert.strictEqual(parseOk('\ufeff[s:def]\nverify_depth = 5')[0].values.verifyDepth, 5);
  });

  it('handles CRLF line ends', () => {
    assert.strictEqual(parseOk('[s:def]\r\nverify_depth = 5\r\n')[0].values.verifyDepth, 5);
  });

  const bad = [
    ['[s:def]\nfoo = 1', "t.cfg:2:1: Unsupported option 'foo'"],
    ['[s:def]\nverify_certifcate = 1', "t.cfg:2:1: Unsupported option 'verify_certifcate' (did you mean 'verify_certificate'?)"],
    ['[s:def]\nengine = pkcs11', "t.cfg:2:1: Unsupported option 'engine' (a module parameter, not a tls.cfg key)"],
    ['method = TLSv1', "t.cfg:1:1: Unsupported option 'method' (no [server:…] or [client:…] header before it)"],
    ['[s:def]\nmethod', "t.cfg:2:7: Delimiter '=' missing"],
    ['[s:def]\nmethod : x', "t.cfg:2:8: Syntax error, '=' expected"],
    ['[s:def]\nmethod =', 't.cfg:2:9: Option value missing'],
    ['[s:def]\n= x', 't.cfg:2:1: Syntax error'],
    ['[s:def]\nverify_certificate = maybe', "t.cfg:2:22: Invalid option value 'maybe', boolean expected"],
    ['[s:def]\nverify_client = sometimes', "t.cfg:2:17: Unsupported enum value 'sometimes' (expected one of off, on, optional, optional_no_ca)"],
    ['[s:def]\nverify_depth = 3x', "t.cfg:2:16: Invalid integer value '3x'"],
    ['[s:def]\nverify_depth = 5 6', 't.cfg:2:18: End of line expected'],
    ['[s:def]\ncertificate = "a\\qb"', "t.cfg:2:18: Unsupported escape character 'q'"],
    ['[s:def]\ncertificate = "ab', 't.cfg:2:18: Premature end of file, closing \'"\' missing'],
    ['[s:def]\ncertificate = "ab"c', 't.cfg:2:19: End of line expected'],
    [`[s:def]\ncertificate = ${'a'.repeat(512)}`, 't.cfg:2:15: Token too long'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text.slice(0, 40))}: ${message.replace(/^[^ ]+ /, '')}`, () => {
      assert.deepStrictEqual(errorsOf(text), [message]);
    });
  }

  it('goes on after an error and reports every error with its line', () => {
    const messages = errorsOf('[s:def]\nmethod = TLSv9\nverify_certificate = maybe\n[bad]\nfoo = 1\nverify_depth = x\n[c:def]\nverify_depth = 3\n');
    assert.deepStrictEqual(messages.map((m) => m.split(':').slice(0, 2).join(':')), ['t.cfg:2', 't.cfg:3', 't.cfg:4', 't.cfg:5', 't.cfg:6']);
  });
});

describe('tls.cfg: duplicate rules', () => {
  it('rejects a second [server:default] and a second [client:default]', () => {
    assert.deepStrictEqual(resolve('[server:default]\n[s:def]\n[client:default]\n[cli:default]').errors, [
      't.cfg:2:1: Duplicate TLS domain [server:default] (first at t.cfg:1): there can be only one',
      't.cfg:4:1: Duplicate TLS domain [client:default] (first at t.cfg:3): there can be only one',
    ]);
  });

  it('rejects any without server_name, also as the last section', () => {
    assert.deepStrictEqual(resolve('[server:any]\nserver_name=a\n[server:any]').errors,
      ['t.cfg:3:1: tls domain for any address but no server name: [server:any] needs server_name']);
  });

  it('rejects the same ip:port when either lacks server_name, in the same role only', () => {
    const text = '[server:1.2.3.4:5061]\nserver_name=a\n[server:1.2.3.4:5061]\n[client:1.2.3.4:5061]';
    assert.deepStrictEqual(resolve(text).errors.map((e) => e.slice(0, 18)), ['t.cfg:3:1: Duplica']);
  });

  it('allows the same ip:port with server_name on each (even equal names), and other ports', () => {
    const text = '[server:1.2.3.4:5061]\nserver_name=a\n[server:1.2.3.4:5061]\nserver_name=a\n[server:1.2.3.4:0]\n[server:[::1]:5061]\n[server:[::1]:5062]';
    assert.deepStrictEqual(resolve(text).errors, []);
  });
});

describe('tls.cfg: inheritance and paths', () => {
  it('fills missing values from the file\'s [role:default], paths relative to the main config directory', () => {
    const { set } = resolve('[server:default]\nmethod=TLSv1.3\nca_list=ca.pem\nverify_depth=4\ncertificate=./rel.pem\n' +
      '[server:1.2.3.4:5061]\ncertificate=/abs.pem\n');
    const p = set.server[0];
    assert.strictEqual(p.settings.method, 'TLSv1.3');
    assert.strictEqual(p.settings.caList, '/etc/sip-tls/ca.pem');
    assert.strictEqual(p.settings.verifyDepth, 4);
    assert.strictEqual(p.settings.certificate, '/abs.pem');
    assert.strictEqual(set.serverDefault.settings.certificate, './rel.pem');
    assert.strictEqual(p.settings.privateKey, '/etc/sip-tls/cert.pem');
  });

  it('fills from the built-in template without a default section (server cert.pem, no client cert)', () => {
    const { set } = resolve('[server:1.2.3.4:5061]\n[client:1.2.3.4:5061]\n');
    assert.strictEqual(set.server[0].settings.method, 'TLSv1.2+');
    assert.strictEqual(set.server[0].settings.certificate, '/etc/sip-tls/cert.pem');
    assert.strictEqual(set.client[0].settings.certificate, '');
    assert.strictEqual(set.serverDefault.file, '');
    assert.strictEqual(set.serverDefault.section, 'server:default');
    assert.strictEqual(set.clientDefault.name, 'TLSc<default>');
  });

  it('never inherits server_name, server_name_mode, server_id or the *2 fields', () => {
    const { set } = resolve('[server:default]\nserver_name=d\nserver_name_mode=1\nserver_id=i\ncertificate2=c2\nprivate_key2=k2\n' +
      'private_key_password2=p2\nprivate_key_password=p\n[server:1.2.3.4:5061]\n');
    const s = set.server[0].settings;
    assert.deepStrictEqual([s.serverName, s.serverNameMode, s.serverId, s.certificate2, s.privateKey2, s.privateKeyPassword2],
      ['', 0, '', '', '', '']);
    assert.strictEqual(s.privateKeyPassword, 'p');
  });

  it('lets "" block inheritance', () => {
    const { set } = resolve('[server:default]\ncrl=crl.pem\n[server:1.2.3.4:5061]\ncrl=""\n');
    assert.strictEqual(set.server[0].settings.crl, '');
  });

  it('passes /engine: and /uri: keys through', () => {
    const { set } = resolve('[server:default]\nprivate_key=/engine:pkcs11:object=k\n[server:any]\nserver_name=x\nprivate_key=/uri:pkcs11:token=t\n');
    assert.strictEqual(set.serverDefault.settings.privateKey, '/engine:pkcs11:object=k');
    assert.strictEqual(set.server[0].settings.privateKey, '/uri:pkcs11:token=t');
  });

  it('names profiles as Kamailio does', () => {
    const { set } = resolve('[server:any]\nserver_name=sip.example.com\n[server:[::1]:5061]\n[client:10.0.0.1:5061]\n');
    assert.deepStrictEqual([...set.server, ...set.client].map((p) => p.name),
      ['TLSs<any:sip.example.com>', 'TLSs<::1:5061>', 'TLSc<10.0.0.1:5061>']);
  });
});

describe('tls.cfg: the guide\'s samples', () => {
  it('reads the sample TLS config file with the values the guide gives', () => {
    const r = readTlsCfg(path.join(FIXTURES, 'guide-sample.cfg'));
    assert.deepStrictEqual(r.errors, []);
    assert.deepStrictEqual(r.sections.map((s) => s.section),
      ['server:default', 'client:default', 'server:127.0.0.1:5061', 'client:127.0.0.1:5061', 'server:any']);
    const { set, errors } = resolveSections(r.sections, { baseDir: '/etc/kamailio' });
    assert.deepStrictEqual(errors, []);
    assert.strictEqual(set.serverDefault.settings.method, 'TLSv1');
    assert.strictEqual(set.serverDefault.settings.crl, '/etc/kamailio/default_crl.pem');
    const local = set.server[0];
    assert.strictEqual(local.settings.requireCertificate, false);
    assert.strictEqual(local.settings.verifyDepth, 3);
    assert.strictEqual(local.settings.serverName, 'kamailio.org');
    assert.strictEqual(local.settings.certificate, '/etc/kamailio/local_kamailio_org_cert.pem');
    const any = set.server[1];
    assert.strictEqual(any.settings.serverNameMode, 1);
    assert.strictEqual(set.client[0].settings.serverId, 'kamailio.org');
    assert.strictEqual(set.clientDefault.settings.verifyCertificate, true);
    assert.strictEqual(set.clientDefault.settings.certificate, '');
  });

  it('reads the verify_client example', () => {
    const r = readTlsCfg(path.join(FIXTURES, 'guide-verify-client.cfg'));
    assert.deepStrictEqual(r.errors, []);
    assert.deepStrictEqual(r.sections.map((s) => [s.section, s.values.method, s.values.verifyClient]),
      [['server:1.2.3.4:5061', 'TLSv1', 'on'], ['server:5.6.7.8:5061', 'TLSv1.2', 'optional_no_ca']]);
  });
});

describe('tls.cfg: config directory', () => {
  let dir;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-cfgdir-'));
    fs.writeFileSync(path.join(dir, '20-client.cfg'), 'verify_depth = 7\n[client:default]\nverify_depth = x\n');
    fs.writeFileSync(path.join(dir, '10-server.cfg'), '[server:default]\nmethod = TLSv1.3\n');
    fs.mkdirSync(path.join(dir, '30-subdir'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads regular files in sorted order, continuing the previous file\'s section, naming the real file in errors', () => {
    const r = readTlsCfg(dir);
    assert.deepStrictEqual(r.sections.map((s) => [s.section, path.basename(s.file)]),
      [['server:default', '10-server.cfg'], ['client:default', '20-client.cfg']]);
    assert.strictEqual(r.sections[0].values.verifyDepth, 7);
    assert.deepStrictEqual(r.errors.map((e) => e.message), [`${path.join(dir, '20-client.cfg')}:3:16: Invalid integer value 'x'`]);
  });

  it('reports a missing file as a located ConfigError', () => {
    const r = readTlsCfg(path.join(dir, 'nope.cfg'));
    assert.strictEqual(r.errors.length, 1);
    assert.ok(r.errors[0] instanceof ConfigError);
    assert.match(r.errors[0].message, /nope\.cfg:0:0: cannot read TLS config/);
  });
});

describe('tls.cfg: serializer', () => {
  it('writes what the parser reads back, quoting where needed', () => {
    const sections = [
      { role: 'server', address: { kind: 'default' }, values: { method: 'TLSv1.2+', certificate: 'a b#c.pem', verifyDepth: 3, crl: '' } },
      { role: 'server', address: { kind: 'ip', ip: '2001:db8::1', port: 5061 }, values: { serverName: 'x', serverNameMode: 2, cipherList: 'q"\\\n\t' } },
      { role: 'client', address: { kind: 'any' }, values: { serverName: 'y', verifyCertificate: false } },
    ];
    const text = serializeTlsCfg(sections);
    assert.match(text, /^\[server:\[2001:db8::1\]:5061\]$/m);
    const back = parseOk(text).map((s) => ({ role: s.role, address: s.address, values: s.values }));
    assert.deepStrictEqual(back, sections);
  });
});

describe('canonicalIp', () => {
  it('compresses IPv6, lower-cases it and turns IPv4-mapped addresses into IPv4', () => {
    assert.strictEqual(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.strictEqual(canonicalIp('::ffff:127.0.0.1'), '127.0.0.1');
    assert.strictEqual(canonicalIp('127.000.0.1'), '127.0.0.1');
  });
});
