'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { typeArgument, defaultTarget, DEFAULT_RPC_URL } = require('../../lib/cli/rpc');
const { formatConnectionTable } = require('../../lib/cli/rpc-table');

describe('sip-tls rpc: arguments and target', () => {
  it('types arguments as kamcli does, plain integers as numbers', () => {
    assert.strictEqual(typeArgument('i:42'), 42);
    assert.strictEqual(typeArgument('s:42'), '42');
    assert.strictEqual(typeArgument('-7'), -7);
    assert.strictEqual(typeArgument('tls'), 'tls');
    assert.strictEqual(typeArgument('/etc/tls.cfg'), '/etc/tls.cfg');
  });

  it('uses $SIP_TLS_RPC, then the demo config\'s first rpc endpoint, then the default URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sip-tls-cli-'));
    try {
      assert.strictEqual(defaultTarget({}, dir), DEFAULT_RPC_URL);
      fs.mkdirSync(path.join(dir, 'sip-tls-demo'));
      fs.writeFileSync(path.join(dir, 'sip-tls-demo', 'sip-tls.ini'),
        'listen = tls:127.0.0.1:5061\nrpc[] = unix:rpc.sock\nrpc[] = http:127.0.0.1:5062\n[tls]\nrpc = x\n');
      assert.strictEqual(defaultTarget({}, dir), `unix:${path.join(dir, 'sip-tls-demo', 'rpc.sock')}`);
      assert.strictEqual(defaultTarget({ SIP_TLS_RPC: 'udp:127.0.0.1:9' }, dir), 'udp:127.0.0.1:9');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints tls.list as an aligned table with the cipher name', () => {
    const out = formatConnectionTable([{ id: 3, generation: 2, state: 'established', src_ip: '127.0.0.1', src_port: 40000,
      dst_ip: '127.0.0.1', dst_port: 5061, dom: 'TLSs<default>', sni: 'N/A', timeout: 598, ct_wq_size: 0, flags: 2,
      cipher: 'TLS_AES_256_GCM_SHA384  TLSv1.3 Kx=any Au=any Enc=AESGCM(256) Mac=AEAD\n', timestamp: '2026-11-23 08:00:00', enc_rd_buf: 0 }]);
    const [header, row] = out.trimEnd().split('\n');
    assert.match(header, /^ID\s+GEN\s+STATE\s+PEER/);
    assert.match(row, /^3\s+2\s+established\s+127\.0\.0\.1:40000\s+127\.0\.0\.1:5061\s+TLSs<default>\s+N\/A\s+598\s+0\s+2\s+TLS_AES_256_GCM_SHA384\s+2026/);
  });
});
