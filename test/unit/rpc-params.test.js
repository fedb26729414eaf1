'use strict';
const assert = require('node:assert');
const { ParamStore, PARAMS } = require('../../lib/params');
const { tlsOptions, cfgGet, cfgSet } = require('../../lib/rpc/param-rpc');

const KAMAILIO_OPTIONS = ['force_run', 'method', 'verify_certificate', 'verify_depth', 'require_certificate',
  'verify_client', 'private_key', 'ca_list', 'certificate', 'cipher_list', 'session_cache', 'session_id', 'config',
  'log', 'debug', 'connection_timeout', 'disable_compression', 'ssl_release_buffers', 'ssl_freelist_max',
  'ssl_max_send_fragment', 'ssl_read_ahead', 'send_close_notify', 'low_mem_threshold1', 'low_mem_threshold2',
  'ct_wq_max', 'con_ct_wq_max', 'ct_wq_blk_size'];

describe('rpc over the parameter store', () => {
  let store;
  beforeEach(() => { store = new ParamStore({ private_key_password: 'secret', connection_timeout: 120 }, { baseDir: '/etc/sip-tls' }); });

  it('tls.options lists Kamailio\'s fields first, in its order, then every other parameter once', () => {
    const options = tlsOptions(store);
    const keys = Object.keys(options);
    assert.deepStrictEqual(keys.slice(0, KAMAILIO_OPTIONS.length), KAMAILIO_OPTIONS);
    for (const spec of PARAMS) {
      const shownAs = [spec.name, spec.name.replace(/^tls_/, ''), (spec.runtime || '').replace(/^tls\./, ''),
        spec.name === 'ssl_freelist_max_len' ? 'ssl_freelist_max' : ''];
      assert.strictEqual(shownAs.filter((n, i) => n && shownAs.indexOf(n) === i && n in options).length, 1, spec.name);
    }
    assert.strictEqual(options.connection_timeout, 120);
    assert.strictEqual(options.session_cache, 0);
    assert.ok(keys.includes('crl') && keys.includes('server_name') && keys.includes('ca_path'));
  });

  it('shows the low-memory thresholds in force, not -1', () => {
    const options = tlsOptions(store);
    assert.strictEqual(options.low_mem_threshold1, 1024);
    assert.strictEqual(options.low_mem_threshold2, 512);
    assert.strictEqual(cfgGet(store, 'tls', 'low_mem_threshold1'), 1024);
    const set = new ParamStore({ low_mem_threshold1: 0, low_mem_threshold2: 300 }, { baseDir: '/etc/sip-tls' });
    assert.strictEqual(tlsOptions(set).low_mem_threshold1, 0);
    assert.strictEqual(tlsOptions(set).low_mem_threshold2, 300);
  });

  it('never shows a key password', () => {
    assert.strictEqual(tlsOptions(store).private_key_password, '********');
    assert.strictEqual(cfgGet(store, 'tls', 'private_key_password'), '********');
    assert.strictEqual(tlsOptions(store).private_key_password2, '');
  });

  it('cfg.get reads by cfg name, by module name, and in group tcp', () => {
    assert.strictEqual(cfgGet(store, 'tls', 'connection_timeout'), 120);
    assert.strictEqual(cfgGet(store, 'tls', 'log'), 3);
    assert.strictEqual(cfgGet(store, 'tls', 'tls_method'), 'TLSv1.2+');
    assert.strictEqual(cfgGet(store, 'tcp', 'max_tls_connections'), 2048);
    assert.throws(() => cfgGet(store, 'tls', 'no_such'), (e) => e.code === 400 && /unknown parameter 'tls\.no_such'/.test(e.message));
  });

  it('cfg.set changes runtime parameters, validated as at start', () => {
    cfgSet(store, 'tls', 'connection_timeout', 30);
    assert.strictEqual(store.get('connection_timeout'), 30);
    cfgSet(store, 'tls', 'send_close_notify', 1);
    assert.strictEqual(cfgGet(store, 'tls', 'send_close_notify'), 1);
    cfgSet(store, 'tls', 'config', 'tls.cfg');
    assert.strictEqual(store.get('config'), '/etc/sip-tls/tls.cfg');
    cfgSet(store, 'tcp', 'max_tls_connections', 10);
    assert.strictEqual(store.get('tls_max_connections'), 10);
  });

  it('refuses non-runtime parameters and bad values with 400 naming the parameter', () => {
    assert.throws(() => cfgSet(store, 'tls', 'tls_method', 'TLSv1.3'), (e) => e.code === 400 && /tls_method.*cannot be changed at runtime/.test(e.message));
    assert.throws(() => cfgSet(store, 'tls', 'ct_wq_blk_size', 0), (e) => e.code === 400 && /ct_wq_blk_size/.test(e.message));
    assert.throws(() => cfgSet(store, 'tls', 'con_ct_wq_max', 5000000), (e) => e.code === 400 && /con_ct_wq_max/.test(e.message));
    assert.strictEqual(store.get('ct_wq_blk_size'), 4096);
  });

  it('cfg.set_now_int / _string reach every runtime parameter by its cfg name, and refuse its out-of-range values', () => {
    for (const spec of PARAMS.filter((p) => p.runtime)) {
      const [group, name] = spec.runtime.split('.');
      if (spec.type === 'string') {
        cfgSet(store, group, name, '/etc/sip-tls/other.cfg');
        assert.strictEqual(cfgGet(store, group, name), '/etc/sip-tls/other.cfg', spec.runtime);
        continue;
      }
      const value = spec.type === 'bool' ? 1 : spec.max;
      cfgSet(store, group, name, value);
      assert.strictEqual(cfgGet(store, group, name), value, spec.runtime);
      if (spec.type === 'int') {
        assert.throws(() => cfgSet(store, group, name, spec.max + 1), (e) => e.code === 400, spec.runtime);
        assert.strictEqual(cfgGet(store, group, name), value, `${spec.runtime} unchanged after a refused value`);
      }
    }
  });
});
