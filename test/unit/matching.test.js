'use strict';
const assert = require('node:assert');
const path = require('node:path');
const { matchServer, matchClient, matchServerName, ConnectServerId, unservedServerProfiles } = require('../../lib/matching');
const { parseTlsCfg, readTlsCfg } = require('../../lib/tls-cfg');
const { resolveSections } = require('../../lib/profiles');

function setOf(text) {
  const r = parseTlsCfg(text, 'm.cfg');
  const { set, errors } = resolveSections(r.sections, { baseDir: '/etc/sip-tls' });
  assert.deepStrictEqual([...r.errors, ...errors].map((e) => e.message), []);
  return set;
}

const ep = (ip, port) => ({ ip, port });

describe('matching: the guide\'s sample tls.cfg', () => {
  const r = readTlsCfg(path.join(__dirname, '..', 'fixtures', 'tls-cfg', 'guide-sample.cfg'));
  const { set } = resolveSections(r.sections, { baseDir: '/etc/kamailio' });
  const cases = [
    ['server', ep('127.0.0.1', 5061), undefined, 'server:127.0.0.1:5061', 'the loopback profile by local ip:port'],
    ['server', ep('127.0.0.1', 5061), 'kamailio.org', 'server:127.0.0.1:5061', 'the loopback profile by SNI too'],
    ['server', ep('127.0.0.1', 5061), 'kamailio.net', 'server:any', 'the any profile by SNI'],
    ['server', ep('127.0.0.1', 5061), 'sip.kamailio.net', 'server:any', 'a subdomain with server_name_mode 1'],
    ['server', ep('127.0.0.1', 5061), 'example.com', 'server:127.0.0.1:5061', 'the ip:port profile for an unknown SNI'],
    ['server', ep('192.0.2.1', 5061), undefined, 'server:default', 'the default for another address'],
    ['server', ep('192.0.2.1', 5061), 'kamailio.net', 'server:any', 'any by SNI on every address'],
    ['server', ep('192.0.2.1', 5061), 'kamailio.org', 'server:default', 'not the loopback profile on another address'],
    ['server', ep('192.0.2.1', 5061), 'xkamailio.net', 'server:default', 'no suffix match without a dot'],
  ];
  for (const [, local, sni, expected, what] of cases) {
    it(`server ${local.ip}:${local.port} SNI ${sni ?? '(none)'} → [${expected}]: ${what}`, () => {
      assert.strictEqual(matchServer(set, local, sni).profile.section, expected);
    });
  }
  it('client by server_id, then remote ip:port, then default', () => {
    assert.strictEqual(matchClient(set, ep('203.0.113.9', 5061), { serverId: 'kamailio.org' }).profile.section, 'client:127.0.0.1:5061');
    assert.strictEqual(matchClient(set, ep('127.0.0.1', 5061)).profile.section, 'client:127.0.0.1:5061');
    assert.strictEqual(matchClient(set, ep('127.0.0.1', 5061), { serverName: 'kamailio.org' }).profile.section, 'client:127.0.0.1:5061');
    assert.strictEqual(matchClient(set, ep('127.0.0.1', 5062)).profile.section, 'client:default');
  });
});

describe('matching: the guide\'s verify_client example', () => {
  const r = readTlsCfg(path.join(__dirname, '..', 'fixtures', 'tls-cfg', 'guide-verify-client.cfg'));
  const { set } = resolveSections(r.sections, { baseDir: '/etc/kamailio' });
  it('gives 1.2.3.4:5061 verify_client on, TLSv1', () => {
    const { settings } = matchServer(set, ep('1.2.3.4', 5061)).profile;
    assert.deepStrictEqual([settings.verifyClient, settings.method], ['on', 'TLSv1']);
  });
  it('gives 5.6.7.8:5061 verify_client optional_no_ca, TLSv1.2', () => {
    const { settings } = matchServer(set, ep('5.6.7.8', 5061)).profile;
    assert.deepStrictEqual([settings.verifyClient, settings.method], ['optional_no_ca', 'TLSv1.2']);
  });
  it('gives other addresses the built-in default (verify_client off)', () => {
    const { profile } = matchServer(set, ep('9.9.9.9', 5061));
    assert.strictEqual(profile.section, 'server:default');
    assert.strictEqual(profile.settings.verifyClient, 'off');
  });
});

describe('matching: server rules', () => {
  const set = setOf([
    '[server:default]',
    '[server:10.0.0.1:5061]',                                        // 3
    '[server:10.0.0.2:5061]', 'server_name = exact.example', 'server_name_mode = 0',
    '[server:10.0.0.2:5061]', 'server_name = example.com', 'server_name_mode = 1',
    '[server:10.0.0.2:5061]', 'server_name = sub.example', 'server_name_mode = 2',
    '[server:10.0.0.2:5061]', 'server_name = a.example.com', 'server_name_mode = 0',
    '[server:10.0.0.3:0]',                                            // port wildcard
    '[server:10.0.0.3:5061]',                                         // exact port beats the wildcard
    '[server:[2001:db8::1]:5061]',
    '[server:any]', 'server_name = any.example', 'server_name_mode = 1',
    '[server:any]', 'server_name = Shared.Example',
    '[server:10.0.0.4:5061]', 'server_name = shared.example',
    '[server:10.0.0.4:5061]', 'server_name = other.example',
  ].join('\n'));

  const cases = [
    // local, sni, expected section (with line), why
    [ep('10.0.0.1', 5061), undefined, 'server:10.0.0.1:5061@2', 'ip:port'],
    [ep('10.0.0.1', 5062), undefined, 'server:default@1', 'other port: default'],
    [ep('10.0.0.1', 5061), 'nothing.example', 'server:10.0.0.1:5061@2', 'SNI matching nothing keeps ip:port'],
    [ep('10.0.0.1', 5061), 'any.example', 'server:any@18', 'any by SNI beside an ip:port profile without server_name'],
    [ep('10.0.0.2', 5061), 'EXACT.example', 'server:10.0.0.2:5061@3', 'mode 0 exact, case-insensitive'],
    [ep('10.0.0.2', 5061), 'x.exact.example', 'server:10.0.0.2:5061@3', 'mode 0: no subdomain; first ip:port kept'],
    [ep('10.0.0.2', 5061), 'example.com', 'server:10.0.0.2:5061@6', 'mode 1: the domain itself'],
    [ep('10.0.0.2', 5061), 'b.example.com', 'server:10.0.0.2:5061@6', 'mode 1: a subdomain'],
    [ep('10.0.0.2', 5061), 'x.y.example.com', 'server:10.0.0.2:5061@6', 'mode 1: any depth'],
    [ep('10.0.0.2', 5061), 'a.example.com', 'server:10.0.0.2:5061@12', 'exact beats an earlier suffix match'],
    [ep('10.0.0.2', 5061), 'sub.example', 'server:10.0.0.2:5061@3', 'mode 2: not the domain itself'],
    [ep('10.0.0.2', 5061), 'x.sub.example', 'server:10.0.0.2:5061@9', 'mode 2: subdomains'],
    [ep('10.0.0.2', 5061), undefined, 'server:10.0.0.2:5061@3', 'no SNI: first ip:port in file order'],
    [ep('10.0.0.3', 5061), undefined, 'server:10.0.0.3:5061@16', 'exact port before the port-0 wildcard'],
    [ep('10.0.0.3', 7000), undefined, 'server:10.0.0.3:0@15', 'port 0 is a wildcard'],
    [ep('2001:db8:0::1', 5061), undefined, 'server:[2001:db8::1]:5061@17', 'IPv6, any spelling'],
    [ep('::ffff:10.0.0.1', 5061), undefined, 'server:10.0.0.1:5061@2', 'IPv4-mapped IPv6 local address'],
    [ep('192.0.2.1', 5061), 'q.any.example', 'server:any@18', 'any, mode 1 subdomain, on any address'],
    [ep('192.0.2.1', 5061), 'any.example', 'server:any@18', 'any, mode 1 domain'],
    [ep('10.0.0.4', 5061), 'shared.example', 'server:any@21', 'same exact name: first in file order'],
    [ep('10.0.0.4', 5061), 'other.example', 'server:10.0.0.4:5061@25', 'second profile of the same ip:port by name'],
    [ep('192.0.2.1', 5061), 'SHARED.EXAMPLE', 'server:any@21', 'case-insensitive on both sides'],
    [ep('192.0.2.1', 5061), '', 'server:default@1', 'empty SNI is no SNI'],
  ];
  for (const [local, sni, expected, why] of cases) {
    it(`${local.ip}:${local.port} SNI ${JSON.stringify(sni)} → ${expected} (${why})`, () => {
      const { profile, reason } = matchServer(set, local, sni);
      assert.strictEqual(`${profile.section}@${profile.line}`, expected, reason);
      assert.ok(reason.length > 0);
    });
  }

  it('uses [server:default] built from the template when the file has none', () => {
    const s = setOf('[server:10.0.0.1:5061]');
    const { profile, reason } = matchServer(s, ep('10.0.0.9', 5061));
    assert.strictEqual(profile.section, 'server:default');
    assert.strictEqual(profile.file, '');
    assert.match(reason, /built in/);
  });
});

describe('matching: client rules', () => {
  const set = setOf([
    '[client:default]',
    '[client:10.0.0.1:5061]',
    '[client:10.0.0.2:5061]', 'server_id = two',
    '[client:10.0.0.3:5061]', 'server_name = a.example',
    '[client:10.0.0.3:5061]', 'server_name = b.example', 'server_id = b',
    '[client:any]', 'server_name = example.net', 'server_name_mode = 1',
    '[client:10.0.0.1:0]', 'server_id = wild',
  ].join('\n'));
  const cases = [
    [ep('10.0.0.1', 5061), {}, 'client:10.0.0.1:5061@2', 'remote ip:port'],
    [ep('10.0.0.1', 5061), { serverId: 'two' }, 'client:10.0.0.2:5061@3', 'server_id strictly before ip:port'],
    [ep('10.0.0.1', 5061), { serverId: 'TWO' }, 'client:10.0.0.2:5061@3', 'server_id case-insensitive'],
    [ep('10.0.0.1', 5061), { serverId: 'none' }, 'client:10.0.0.1:5061@2', 'unknown server_id falls back to ip:port'],
    [ep('10.0.0.3', 5061), { serverName: 'b.example' }, 'client:10.0.0.3:5061@7', 'ip:port with server_name'],
    [ep('10.0.0.3', 5061), {}, 'client:10.0.0.3:5061@5', 'no name: first ip:port'],
    [ep('10.0.0.9', 5061), { serverName: 'sip.example.net' }, 'client:any@10', 'any by server name'],
    [ep('10.0.0.9', 5061), {}, 'client:default@1', 'default'],
    [ep('10.0.0.1', 6000), {}, 'client:10.0.0.1:0@13', 'port 0 wildcard'],
    [ep('10.0.0.9', 5061), { serverId: 'b', serverName: 'a.example' }, 'client:10.0.0.3:5061@7', 'server_id beats the name'],
  ];
  for (const [remote, opts, expected, why] of cases) {
    it(`${remote.ip}:${remote.port} ${JSON.stringify(opts)} → ${expected} (${why})`, () => {
      const { profile, reason } = matchClient(set, remote, opts);
      assert.strictEqual(`${profile.section}@${profile.line}`, expected, reason);
    });
  }
});

describe('matchServerName', () => {
  const cases = [
    ['a.com', 'a.com', 0, 'exact'], ['b.a.com', 'a.com', 0, null], ['b.a.com', 'a.com', 1, 'suffix'],
    ['a.com', 'a.com', 1, 'exact'], ['a.com', 'a.com', 2, null], ['b.a.com', 'a.com', 2, 'suffix'],
    ['ba.com', 'a.com', 1, null], ['a.com', 'a.com', 5, 'exact'], ['b.a.com', 'a.com', 5, null], ['', 'a.com', 1, null],
  ];
  for (const [sni, name, mode, expected] of cases) {
    it(`${sni} vs ${name} mode ${mode} → ${expected}`, () => assert.strictEqual(matchServerName(sni, name, mode), expected));
  }
});

describe('ConnectServerId', () => {
  it('is used by the next client lookup only', () => {
    const set = setOf('[client:default]\n[client:any]\nserver_name=x\nserver_id=hsm\n');
    const id = new ConnectServerId();
    id.setConnectServerId('hsm');
    assert.strictEqual(id.peek(), 'hsm');
    assert.strictEqual(matchClient(set, ep('10.0.0.1', 5061), { serverId: id.take() }).profile.section, 'client:any');
    assert.strictEqual(matchClient(set, ep('10.0.0.1', 5061), { serverId: id.take() }).profile.section, 'client:default');
  });

  it('is cleared by an empty string, and by a lookup that had its own id', () => {
    const id = new ConnectServerId();
    id.setConnectServerId('a');
    id.setConnectServerId('');
    assert.strictEqual(id.take(), undefined);
    id.setConnectServerId('a');
    assert.strictEqual(id.take('b'), 'b');
    assert.strictEqual(id.take(), undefined);
  });
});

describe('matching: indexed lookup equals the plain rules', () => {
  const fc = require('fast-check');
  // The rules written as a plain scan in file order, to check the indexed implementation against.
  function reference(list, fallback, ip, port, sni) {
    const addr = list.filter((p) => p.address.kind === 'ip' && p.address.ip === ip && (p.address.port === port || p.address.port === 0));
    const ordered = [...addr.filter((p) => p.address.port === port), ...addr.filter((p) => p.address.port !== port)];
    if (sni) {
      const candidates = list.filter((p) => p.address.kind === 'any' || addr.includes(p));
      const exact = candidates.find((p) => matchServerName(sni, p.settings.serverName, p.settings.serverNameMode) === 'exact');
      if (exact) return exact;
      const suffix = candidates.find((p) => matchServerName(sni, p.settings.serverName, p.settings.serverNameMode) === 'suffix');
      if (suffix) return suffix;
    }
    return ordered[0] ?? fallback;
  }
  const label = fc.constantFrom('a', 'b', 'example', 'com');
  const name = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
  const section = fc.record({
    kind: fc.constantFrom('ip', 'any'),
    ip: fc.constantFrom('10.0.0.1', '10.0.0.2', '::1'),
    port: fc.constantFrom(0, 5061),
    serverName: fc.option(name, { nil: undefined }),
    mode: fc.constantFrom(0, 1, 2),
  });

  it('for random profile sets, addresses and SNIs', () => {
    fc.assert(fc.property(fc.array(section, { maxLength: 12 }), fc.constantFrom('10.0.0.1', '10.0.0.2', '::1'),
      fc.constantFrom(5061, 5062), fc.option(name, { nil: undefined }), (sections, ip, port, sni) => {
        const text = sections.map((s) => {
          const head = s.kind === 'any' ? '[server:any]' : `[server:${s.ip.includes(':') ? `[${s.ip}]` : s.ip}:${s.port}]`;
          const serverName = s.kind === 'any' ? (s.serverName ?? 'zz') : s.serverName;
          return `${head}\n${serverName ? `server_name = ${serverName}\nserver_name_mode = ${s.mode}\n` : ''}`;
        }).join('');
        const r = parseTlsCfg(text, 'p.cfg');
        const { set } = resolveSections(r.sections, { baseDir: '/x' });
        const got = matchServer(set, { ip, port }, sni).profile;
        assert.strictEqual(got, reference(set.server, set.serverDefault, ip, port, sni));
      }), { numRuns: 1000 });
  });
});

describe('unservedServerProfiles (Kamailio\'s listening socket check)', () => {
  const set = setOf(`[server:default]
[server:any]
server_name = a.example
[server:192.0.2.1:5061]
[server:[2001:db8::1]:5061]
[server:192.0.2.2:0]
[client:192.0.2.9:5061]
`);
  const unserved = (listening) => unservedServerProfiles(set, listening).map((p) => p.section);

  it('names every ip:port server profile with no listener, never default, any or client profiles', () => {
    assert.deepStrictEqual(unserved([]), ['server:192.0.2.1:5061', 'server:[2001:db8::1]:5061', 'server:192.0.2.2:0']);
  });

  it('an exact listener serves its profile; another port does not', () => {
    assert.deepStrictEqual(unserved([ep('192.0.2.1', 5061), ep('2001:db8:0::1', 5061), ep('192.0.2.2', 5070)]), []);
    assert.deepStrictEqual(unserved([ep('192.0.2.1', 5062), ep('2001:db8::1', 5061), ep('192.0.2.2', 1)]), ['server:192.0.2.1:5061']);
  });

  it('a wildcard listener serves its port: 0.0.0.0 the IPv4 profiles, :: all of them', () => {
    assert.deepStrictEqual(unserved([ep('0.0.0.0', 5061)]), ['server:[2001:db8::1]:5061']);
    assert.deepStrictEqual(unserved([ep('::', 5061)]), []);
    assert.deepStrictEqual(unserved([ep('::', 5070)]), ['server:192.0.2.1:5061', 'server:[2001:db8::1]:5061']);
  });
});
