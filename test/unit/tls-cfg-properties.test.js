'use strict';
const assert = require('node:assert');
const fc = require('fast-check');
const { parseTlsCfg, serializeTlsCfg } = require('../../lib/tls-cfg');
const { resolveSections } = require('../../lib/profiles');
const { ConfigError } = require('../../lib/config-error');
const { TLS_METHODS, VERIFY_CLIENT_MODES } = require('../../lib/profile');

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((g) => new URL(`http://[${g.map((x) => x.toString(16)).join(':')}]/`).hostname.slice(1, -1))
  .filter((ip) => !ip.startsWith('::ffff:'));
const address = fc.oneof(
  fc.constant({ kind: 'default' }),
  fc.constant({ kind: 'any' }),
  fc.record({ kind: fc.constant('ip'), ip: fc.oneof(ipv4, ipv6), port: fc.integer({ min: 0, max: 65535 }) }),
);
// Any text up to Kamailio's token limit, including quotes, backslashes, #, blanks, newlines and non-ASCII.
const text = fc.string({ maxLength: 40, unit: fc.oneof(fc.constantFrom('"', '\\', '#', ' ', '\t', '\n', '\r', '=', '[', ']', ':'), fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })) });
const values = fc.record({
  method: fc.constantFrom(...TLS_METHODS),
  verifyCertificate: fc.boolean(),
  requireCertificate: fc.boolean(),
  verifyDepth: fc.integer({ min: 0, max: 100 }),
  verifyClient: fc.constantFrom(...VERIFY_CLIENT_MODES),
  privateKey: text,
  privateKeyPassword: text,
  certificate: text,
  caList: text,
  caPath: text,
  crl: text,
  cipherList: text,
  serverName: text,
  serverNameMode: fc.constantFrom(0, 1, 2),
  serverId: text,
  certificate2: text,
  privateKey2: text,
  privateKeyPassword2: text,
  identityCheck: fc.boolean(),
}, { requiredKeys: [] });
const section = fc.record({ role: fc.constantFrom('server', 'client'), address, values });

describe('tls.cfg properties', () => {
  it('every file the serializer writes parses back to the same sections', () => {
    fc.assert(fc.property(fc.array(section, { maxLength: 8 }), (sections) => {
      const r = parseTlsCfg(serializeTlsCfg(sections), 'p.cfg');
      assert.deepStrictEqual(r.errors, []);
      const plain = (x) => JSON.parse(JSON.stringify(x));
      assert.deepStrictEqual(plain(r.sections.map((s) => ({ role: s.role, address: s.address, values: s.values }))), plain(sections));
    }), { numRuns: 300 });
  });

  it('random bytes never throw, and every error is a located ConfigError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const input = Buffer.from(bytes).toString('latin1');
      const r = parseTlsCfg(input, 'r.cfg');
      const { errors } = resolveSections(r.sections, { baseDir: '/x' });
      for (const e of [...r.errors, ...errors]) {
        assert.ok(e instanceof ConfigError);
        assert.ok(e.line >= 1 && e.col >= 1, e.message);
        assert.ok(e.message.startsWith(`r.cfg:${e.line}:${e.col}: `), e.message);
      }
    }), { numRuns: 500 });
  });

  it('random tls.cfg-like text never throws, and every error is a located ConfigError', () => {
    const piece = fc.constantFrom('[', ']', 'server', 'client', ':', 'default', 'any', '1.2.3.4', '[::1]', '5061', '=',
      'method', 'verify_depth', 'server_name', 'TLSv1.2', 'yes', '"', '\\', '#', ' ', '\n', '-1', 'x');
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), (pieces) => {
      const r = parseTlsCfg(pieces.join(''), 'r.cfg');
      for (const e of r.errors) {
        assert.ok(e instanceof ConfigError);
        assert.ok(e.line >= 1 && e.col >= 1, e.message);
      }
    }), { numRuns: 500 });
  });
});
