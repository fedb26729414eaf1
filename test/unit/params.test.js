'use strict';
const assert = require('node:assert');
const path = require('node:path');
const {
  PARAMS, ParamStore, ParamError, parseParamValue, findCfgParam, findRuntimeParam, requireParam, TRUE_WORDS, FALSE_WORDS,
} = require('../../lib/params');

const BASE = '/etc/sip-tls';

// Expected defaults, from the admin guide and kamailio-behaviour.md, except the compatibility
// decisions (tls_method TLSv1.2+, thresholds in KB) and our own settings.
const EXPECTED_DEFAULTS = {
  tls_method: 'TLSv1.2+',
  certificate: path.join(BASE, 'cert.pem'),
  private_key: path.join(BASE, 'cert.pem'),
  private_key_password: '',
  key_password_mode: 0,
  certificate2: '',
  private_key2: '',
  private_key_password2: '',
  ca_list: '',
  ca_path: '',
  crl: '',
  verify_certificate: false,
  verify_depth: 9,
  require_certificate: false,
  verify_client: 'off',
  cipher_list: '',
  server_name: '',
  connection_timeout: 600,
  tls_disable_compression: true,
  ssl_release_buffers: 1,
  ssl_freelist_max_len: 0,
  ssl_max_send_fragment: -1,
  ssl_read_ahead: false,
  send_close_notify: false,
  con_ct_wq_max: 65536,
  ct_wq_max: 10485760,
  ct_wq_blk_size: 4096,
  tls_log: 3,
  tls_debug: 3,
  low_mem_threshold1: -1,
  low_mem_threshold2: -1,
  tls_force_run: false,
  session_cache: false,
  session_id: 'kamailio-tls-5.x.y',
  renegotiation: false,
  config: '',
  xavp_cfg: '',
  event_callback: '',
  rand_engine: '',
  engine: 'NONE',
  engine_config: 'NONE',
  engine_algorithms: 'NONE',
  keylog_mode: 0,
  keylog_file: '',
  keylog_peer: '',
  tls_max_connections: 2048,
  tcp_connect_timeout: 10,
  tcp_send_timeout: 10,
  max_message_size: 65535,
  memory_budget: 0,
  tls_identity_check: false,
  tls13_record_layer: 1,
};

// [a valid value as written in sip-tls.ini, what it becomes, an invalid value]
const SAMPLES = {
  tls_method: ['tlsv1.3+', 'TLSv1.3+', 'TLSv9'],
  certificate: ['certs/server.pem', path.join(BASE, 'certs/server.pem'), 42],
  private_key: ['/engine:pkcs11:token=T;object=K', '/engine:pkcs11:token=T;object=K', true],
  private_key_password: ['secret', 'secret', 7],
  key_password_mode: ['2', 2, '1'],
  certificate2: ['./ecdsa.pem', './ecdsa.pem', false],
  private_key2: ['/k/ecdsa.key', '/k/ecdsa.key', 1],
  private_key_password2: ['pw', 'pw', 3],
  ca_list: ['ca.pem', path.join(BASE, 'ca.pem'), 1],
  ca_path: ['/etc/ssl/certs', '/etc/ssl/certs', 0],
  crl: ['../crl.pem', '../crl.pem', false],
  verify_certificate: ['enabled', true, 'maybe'],
  verify_depth: ['3', 3, '101'],
  require_certificate: ['on', true, 'sure'],
  verify_client: ['Optional_No_CA', 'optional_no_ca', 'sometimes'],
  cipher_list: ['HIGH:!aNULL', 'HIGH:!aNULL', 12],
  server_name: ['sip.example.com', 'sip.example.com', 1],
  connection_timeout: ['-1', -1, '-2'],
  tls_disable_compression: ['yes', true, 'no'],
  ssl_release_buffers: ['-1', -1, '2'],
  ssl_freelist_max_len: ['16', 16, '-5'],
  ssl_max_send_fragment: ['4096', 4096, '256'],
  ssl_read_ahead: ['-1', false, '1.5'],
  send_close_notify: ['yes', true, 'y'],
  con_ct_wq_max: ['1048576', 1048576, '4194305'],
  ct_wq_max: ['4194304', 4194304, '-1'],
  ct_wq_blk_size: ['2048', 2048, '0'],
  tls_log: ['10', 10, 'debug'],
  tls_debug: ['-5', -5, '-6'],
  low_mem_threshold1: ['2048', 2048, '-3'],
  low_mem_threshold2: ['0', 0, 'x'],
  tls_force_run: ['11', true, 'force'],
  session_cache: ['1', true, '1 2'],
  session_id: ['my-session-id-context', 'my-session-id-context', 'x'.repeat(33)],
  renegotiation: ['TRUE', true, ''],
  config: ['tls.cfg', path.join(BASE, 'tls.cfg'), 5],
  xavp_cfg: ['', '', 'tls'],
  event_callback: ['ksr_tls_event', 'ksr_tls_event', 5],
  rand_engine: ['FastRand', 'fastrand', 'urandom'],
  engine: ['pkcs11', 'pkcs11', 3],
  engine_config: ['openssl.cnf', path.join(BASE, 'openssl.cnf'), 3],
  engine_algorithms: ['rsa, ec', 'RSA,EC', 'RSA,FOO'],
  keylog_mode: ['9', 9, '4096'],
  keylog_file: ['/tmp/keys.log', '/tmp/keys.log', 1],
  keylog_peer: ['udp:127.0.0.1:9', 'udp:127.0.0.1:9', 1],
  tls_max_connections: ['100000', 100000, '-1'],
  tcp_connect_timeout: ['5', 5, '0'],
  tcp_send_timeout: ['30', 30, '10s'],
  max_message_size: ['131072', 131072, '100'],
  memory_budget: ['2097152', 2097152, '-1'],
  tls_identity_check: ['yes', true, 'strict'],
  tls13_record_layer: ['0', 0, '2'],
};

describe('params: the parameter table', () => {
  it('has one row per name, each with a description, unit field and runtime entry', () => {
    const names = PARAMS.map((p) => p.name);
    assert.strictEqual(new Set(names).size, names.length);
    for (const p of PARAMS) {
      assert.ok(p.description.length > 10, p.name);
      assert.ok(['int', 'bool', 'string', 'enum'].includes(p.type), p.name);
      assert.ok(p.runtime === null || /^(tls|tcp)\.[a-z0-9_]+$/.test(p.runtime), p.name);
    }
  });

  it('covers every parameter of the guide', () => {
    const guide = ['tls_method', 'certificate', 'private_key', 'ca_list', 'ca_path', 'crl', 'verify_certificate',
      'verify_depth', 'require_certificate', 'cipher_list', 'server_name', 'connection_timeout', 'tls_disable_compression',
      'ssl_release_buffers', 'ssl_freelist_max_len', 'ssl_max_send_fragment', 'ssl_read_ahead', 'send_close_notify',
      'con_ct_wq_max', 'ct_wq_max', 'ct_wq_blk_size', 'tls_log', 'tls_debug', 'low_mem_threshold1', 'low_mem_threshold2',
      'tls_force_run', 'session_cache', 'session_id', 'renegotiation', 'config', 'xavp_cfg', 'event_callback', 'rand_engine',
      'engine', 'engine_config', 'engine_algorithms', 'verify_client'];
    for (const name of guide) assert.ok(requireParam(name), name);
  });

  it('refuses what this OpenSSL and API cannot do: compression and XAVPs, saying why', () => {
    for (const off of ['no', 0, false]) {
      assert.throws(() => new ParamStore({ tls_disable_compression: off }, { baseDir: BASE }), /tls_disable_compression 0 is not supported: .*OPENSSL_NO_COMP/);
    }
    assert.throws(() => new ParamStore({ xavp_cfg: 'tls' }, { baseDir: BASE }), /xavp_cfg is not supported: .*serverName and serverId to connect\(\)/);
  });

  it('has a default, valid and invalid sample in this test for every row', () => {
    assert.deepStrictEqual(Object.keys(SAMPLES).sort(), PARAMS.map((p) => p.name).sort());
    assert.deepStrictEqual(Object.keys(EXPECTED_DEFAULTS).sort(), PARAMS.map((p) => p.name).sort());
  });

  it('marks exactly the guide\'s runtime parameters (plus the core timeouts and limit) as runtime', () => {
    const runtime = Object.fromEntries(PARAMS.filter((p) => p.runtime).map((p) => [p.name, p.runtime]));
    assert.deepStrictEqual(runtime, {
      connection_timeout: 'tls.connection_timeout',
      send_close_notify: 'tls.send_close_notify',
      con_ct_wq_max: 'tls.con_ct_wq_max',
      ct_wq_max: 'tls.ct_wq_max',
      ct_wq_blk_size: 'tls.ct_wq_blk_size',
      tls_log: 'tls.log',
      tls_debug: 'tls.debug',
      low_mem_threshold1: 'tls.low_mem_threshold1',
      low_mem_threshold2: 'tls.low_mem_threshold2',
      config: 'tls.config',
      tls_max_connections: 'tcp.max_tls_connections',
      tcp_connect_timeout: 'tcp.connect_timeout',
      tcp_send_timeout: 'tcp.send_timeout',
    });
  });
});

describe('params: every parameter', () => {
  for (const spec of PARAMS) {
    describe(spec.name, () => {
      const [valid, expected, invalid] = SAMPLES[spec.name];
      it(`defaults to ${JSON.stringify(EXPECTED_DEFAULTS[spec.name])}`, () => {
        assert.deepStrictEqual(new ParamStore({}, { baseDir: BASE }).get(spec.name), EXPECTED_DEFAULTS[spec.name]);
      });
      it(`accepts ${JSON.stringify(valid)}`, () => {
        assert.deepStrictEqual(new ParamStore({ [spec.name]: valid }, { baseDir: BASE }).get(spec.name), expected);
      });
      it(`rejects ${JSON.stringify(invalid)} naming the parameter and what it accepts`, () => {
        assert.throws(() => new ParamStore({ [spec.name]: invalid }, { baseDir: BASE }), (err) => {
          assert.ok(err instanceof ParamError);
          assert.strictEqual(err.parameter, spec.name);
          assert.ok(err.message.includes(`'${spec.name}'`) || err.message.includes(spec.name), err.message);
          return true;
        });
      });
    });
  }
});

describe('params: validation', () => {
  it('accepts every boolean spelling, any case', () => {
    for (const w of TRUE_WORDS) {
      assert.strictEqual(parseParamValue('session_cache', w), true, w);
      assert.strictEqual(parseParamValue('session_cache', w.toUpperCase()), true, w);
    }
    for (const w of FALSE_WORDS) assert.strictEqual(parseParamValue('session_cache', w), false, w);
    assert.strictEqual(parseParamValue('session_cache', true), true);
    assert.strictEqual(parseParamValue('session_cache', 0), false);
  });

  it('names the replacement of obsolete parameters', () => {
    assert.throws(() => parseParamValue('send_timeout', 10), /'send_timeout' is obsolete: use 'tcp_send_timeout'/);
    assert.throws(() => parseParamValue('handshake_timeout', 10), /'handshake_timeout' is obsolete: use 'tcp_connect_timeout'/);
  });

  it('suggests the closest name for an unknown parameter', () => {
    assert.throws(() => parseParamValue('verify_certifcate', 1), /unknown parameter 'verify_certifcate' \(did you mean 'verify_certificate'\?\)/);
    assert.throws(() => parseParamValue('zzzzzzzzzzzz', 1), (err) => !/did you mean/.test(err.message));
  });

  it('lists the accepted range in the error', () => {
    assert.throws(() => parseParamValue('ssl_max_send_fragment', 100000), /-1 or 512\.\.16384/);
    assert.throws(() => parseParamValue('tls_method', 'TLS'), /one of SSLv2, .*TLSv1\.3\+/);
  });

  it('refuses a non-integer number and non-scalar values', () => {
    assert.throws(() => parseParamValue('verify_depth', 2.5), ParamError);
    assert.throws(() => parseParamValue('verify_depth', {}), ParamError);
    assert.throws(() => parseParamValue('certificate', null), ParamError);
  });

  it('reports every bad parameter, not only the first', () => {
    const { errors } = ParamStore.validate({ verify_depth: 'x', tls_method: 'y', nope: 1 });
    assert.deepStrictEqual(errors.map((e) => e.parameter), ['verify_depth', 'tls_method', 'nope']);
  });
});

describe('ParamStore', () => {
  it('changes a runtime parameter by module name, runtime name or group and name', () => {
    const store = new ParamStore({}, { baseDir: BASE });
    store.setRuntime('connection_timeout', '180');
    assert.strictEqual(store.get('connection_timeout'), 180);
    store.setRuntime('tls.log', 10);
    assert.strictEqual(store.get('tls_log'), 10);
    assert.strictEqual(store.setRuntime('debug', '4', 'tls'), 'tls_debug');
    assert.strictEqual(store.get('tls_debug'), 4);
    store.setRuntime('max_tls_connections', 5, 'tcp');
    assert.strictEqual(store.get('tls_max_connections'), 5);
  });

  it('validates runtime values as at start', () => {
    const store = new ParamStore();
    assert.throws(() => store.setRuntime('con_ct_wq_max', 4194305), /con_ct_wq_max/);
    assert.strictEqual(store.get('con_ct_wq_max'), 65536);
  });

  it('refuses to change a start-only parameter, naming it', () => {
    const store = new ParamStore();
    assert.throws(() => store.setRuntime('tls_method', 'TLSv1.3'), /parameter 'tls_method' cannot be changed at runtime/);
    assert.throws(() => store.setRuntime('nosuch', 1), /unknown parameter 'nosuch'/);
  });

  it('resolves a runtime config path against the main config directory', () => {
    const store = new ParamStore({}, { baseDir: BASE });
    store.setRuntime('config', 'new_tls.cfg', 'tls');
    assert.strictEqual(store.get('config'), path.join(BASE, 'new_tls.cfg'));
  });

  it('tells listeners of changes, and stops when removed', () => {
    const store = new ParamStore();
    const seen = [];
    const off = store.onChange((name, value, previous) => seen.push([name, value, previous]));
    store.setRuntime('send_close_notify', 'yes');
    store.setRuntime('send_close_notify', 'on');
    off();
    store.setRuntime('send_close_notify', 'no');
    assert.deepStrictEqual(seen, [['send_close_notify', true, false]]);
  });

  it('lists tls.options with Kamailio\'s field names, in order, booleans as 0/1', () => {
    const options = new ParamStore({ verify_certificate: 'yes', low_mem_threshold1: 2048 }, { baseDir: BASE }).options();
    assert.deepStrictEqual(Object.keys(options), ['force_run', 'method', 'verify_certificate', 'verify_depth',
      'require_certificate', 'verify_client', 'private_key', 'ca_list', 'certificate', 'cipher_list', 'session_cache',
      'session_id', 'config', 'log', 'debug', 'connection_timeout', 'disable_compression', 'ssl_release_buffers',
      'ssl_freelist_max', 'ssl_max_send_fragment', 'ssl_read_ahead', 'send_close_notify', 'low_mem_threshold1',
      'low_mem_threshold2', 'ct_wq_max', 'con_ct_wq_max', 'ct_wq_blk_size']);
    assert.strictEqual(options.verify_certificate, 1);
    assert.strictEqual(options.method, 'TLSv1.2+');
    assert.strictEqual(options.low_mem_threshold1, 2048);
    assert.strictEqual(options.disable_compression, 1);
  });

  it('finds parameters by every name an operator may use', () => {
    assert.strictEqual(findCfgParam('log', 'tls').name, 'tls_log');
    assert.strictEqual(findCfgParam('tls.log').name, 'tls_log');
    assert.strictEqual(findCfgParam('log').name, 'tls_log');
    assert.strictEqual(findCfgParam('tls_log').name, 'tls_log');
    assert.strictEqual(findCfgParam('method', 'tls').name, 'tls_method');
    assert.strictEqual(findCfgParam('connect_timeout', 'tcp').name, 'tcp_connect_timeout');
    assert.strictEqual(findCfgParam('log', 'tcp'), undefined);
    assert.strictEqual(findCfgParam('nosuch', 'tls'), undefined);
  });

  it('finds runtime parameters by runtime name, group and name, or module name', () => {
    assert.strictEqual(findRuntimeParam('log', 'tls').name, 'tls_log');
    assert.strictEqual(findRuntimeParam('tls.log').name, 'tls_log');
    assert.strictEqual(findRuntimeParam('tls_log').name, 'tls_log');
    assert.strictEqual(findRuntimeParam('max_tls_connections', 'tcp').name, 'tls_max_connections');
    assert.strictEqual(findRuntimeParam('nosuch', 'tls'), undefined);
  });

  it('looks a value up for cfg.get, and refuses to set a read-only one by its cfg name', () => {
    const store = new ParamStore({ verify_depth: 4 });
    assert.strictEqual(store.lookup('verify_depth', 'tls').value, 4);
    assert.strictEqual(store.lookup('force_run', 'tls').spec.name, 'tls_force_run');
    assert.strictEqual(store.lookup('nosuch'), undefined);
    assert.throws(() => store.setRuntime('method', 'TLSv1.3', 'tls'), /parameter 'tls_method' cannot be changed at runtime/);
  });
});

describe('README parameter table', () => {
  it('is the one scripts/params-table.js generates from the table', () => {
    const fs = require('node:fs');
    const { table, BEGIN, END } = require('../../scripts/params-table');
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const between = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END)).trim();
    assert.strictEqual(between, table());
  });
});
