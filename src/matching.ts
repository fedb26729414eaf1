/**
 * Which profile a connection uses (the guide's tls.cfg rules, with the README's compatibility
 * decisions where Kamailio's code differs):
 * - server: local ip:port (an exact port before a port-0 wildcard), then the SNI against
 *   `server_name` by `server_name_mode` (0 exact, 1 domain and subdomains, 2 subdomains only) over
 *   the ip:port profiles and the `any` profiles; an exact name beats a suffix match, otherwise the
 *   first in file order wins; an SNI that matches nothing keeps the ip:port profile; only without
 *   one, `[server:default]`.
 * - client: `server_id` strictly first, then the remote ip:port with the server name, the same way;
 *   then `[client:default]`.
 */
import { Endpoint, Profile, ProfileSet } from './profile';
import { addressText, canonicalIp } from './tls-cfg';

/** A chosen profile and a one-line account of why it was chosen. */
export interface MatchResult {
  profile: Profile;
  reason: string;
}

type NameMatch = 'exact' | 'suffix' | null;

/**
 * How an SNI matches a profile's server_name: mode 0 (and any other value) equal names only;
 * mode 1 equal or a subdomain at any depth; mode 2 subdomains only. Case-insensitive.
 */
export function matchServerName(sni: string, serverName: string, mode: number): NameMatch {
  return matchLowerName(sni.toLowerCase(), serverName.toLowerCase(), mode);
}

function matchLowerName(a: string, b: string, mode: number): NameMatch {
  if (!a || !b) return null;
  if (mode !== 2 && a === b) return 'exact';
  if ((mode === 1 || mode === 2) && a.length > b.length && a.endsWith(b) && a[a.length - b.length - 1] === '.') {
    return 'suffix';
  }
  return null;
}

/** A role's profiles by ip and by lower-cased server_name (each list in file order), and file positions. */
interface RoleIndex {
  byIp: Map<string, Profile[]>;
  byName: Map<string, Profile[]>;
  position: Map<Profile, number>;
}

/**
 * Indexes per profile list, built at the first lookup. A ProfileSet is not changed after it is
 * built (a reload builds a new one), so the index stays valid for the set's life.
 */
const indexes = new WeakMap<readonly Profile[], RoleIndex>();

function indexOf(list: readonly Profile[]): RoleIndex {
  let index = indexes.get(list);
  if (index) return index;
  const built: RoleIndex = { byIp: new Map(), byName: new Map(), position: new Map() };
  const add = (map: Map<string, Profile[]>, key: string, p: Profile): void => {
    const same = map.get(key);
    if (same) same.push(p); else map.set(key, [p]);
  };
  list.forEach((p, i) => {
    built.position.set(p, i);
    if (p.settings.serverName) add(built.byName, p.settings.serverName.toLowerCase(), p);
    if (p.address.kind === 'ip') add(built.byIp, p.address.ip, p);
  });
  index = built;
  indexes.set(list, index);
  return index;
}

function where(profile: Profile): string {
  return profile.file ? ` (${profile.file}:${profile.line})` : ' (built in)';
}

function describe(profile: Profile): string {
  return `[${profile.section}]${where(profile)}`;
}

/** The ip:port profiles for an endpoint: exact port first, then port-0 wildcards; file order within. */
function byAddress(index: RoleIndex, ip: string, port: number): Profile[] {
  const exact: Profile[] = [];
  const wildcard: Profile[] = [];
  for (const p of index.byIp.get(ip) ?? []) {
    if (p.address.kind !== 'ip') continue;
    if (p.address.port === port) exact.push(p);
    else if (p.address.port === 0) wildcard.push(p);
  }
  return exact.length === 0 ? wildcard : wildcard.length === 0 ? exact : [...exact, ...wildcard];
}

/**
 * The best SNI match among the address matches and the `any` profiles: an exact name first, else
 * a subdomain match (mode 1 or 2); the first in file order within each. Looks up the SNI and each
 * of its parent domains by name, so the cost does not grow with the number of profiles.
 */
function bySni(index: RoleIndex, addressMatches: readonly Profile[], sni: string): { profile: Profile; how: 'exact' | 'suffix' } | undefined {
  const eligible = (p: Profile): boolean => p.address.kind === 'any' || addressMatches.includes(p);
  const lower = sni.toLowerCase();
  const exact = index.byName.get(lower)?.find((p) => p.settings.serverNameMode !== 2 && eligible(p));
  if (exact) return { profile: exact, how: 'exact' };
  let best: Profile | undefined;
  for (let dot = lower.indexOf('.'); dot >= 0; dot = lower.indexOf('.', dot + 1)) {
    const parent = lower.slice(dot + 1);
    const p = index.byName.get(parent)?.find((c) => (c.settings.serverNameMode === 1 || c.settings.serverNameMode === 2) && eligible(c));
    if (p && (!best || (index.position.get(p) as number) < (index.position.get(best) as number))) best = p;
  }
  return best ? { profile: best, how: 'suffix' } : undefined;
}

function matchByAddressAndName(
  list: readonly Profile[], fallback: Profile, endpoint: Endpoint, name: string | undefined, side: 'local' | 'remote', nameLabel: string,
): MatchResult {
  const ip = canonicalIp(endpoint.ip);
  const shown = addressText({ kind: 'ip', ip, port: endpoint.port });
  const index = indexOf(list);
  const addressMatches = byAddress(index, ip, endpoint.port);
  if (name) {
    const hit = bySni(index, addressMatches, name);
    if (hit) {
      const p = hit.profile;
      const scope = p.address.kind === 'any' ? 'an any profile' : `${side} ${shown}`;
      const how = hit.how === 'exact'
        ? `equals server_name '${p.settings.serverName}'`
        : `is a subdomain of server_name '${p.settings.serverName}' (server_name_mode ${p.settings.serverNameMode})`;
      return { profile: p, reason: `${nameLabel} '${name}' ${how} of ${scope}: ${describe(p)}` };
    }
  }
  const unmatched = name ? `; ${nameLabel} '${name}' matches no server_name` : '';
  if (addressMatches.length > 0) {
    const p = addressMatches[0];
    const port = p.address.kind === 'ip' && p.address.port === 0 ? ' (port 0: any port)' : '';
    return { profile: p, reason: `${side} ${shown} matches ${describe(p)}${port}${unmatched}` };
  }
  return { profile: fallback, reason: `no profile for ${side} ${shown}${unmatched}: default ${describe(fallback)}` };
}

/**
 * The server profile of an accepted connection.
 * @param local the local address and port the connection was accepted on.
 * @param sni the server name the client sent (ClientHello), if any.
 */
export function matchServer(set: ProfileSet, local: Endpoint, sni?: string): MatchResult {
  return matchByAddressAndName(set.server, set.serverDefault, local, sni, 'local', 'SNI');
}

/**
 * The client profile of an outbound connection.
 * @param remote the address and port connected to (the guide's `[client:IP:PORT]`).
 * @param opts.serverName the SNI to send (matched against server_name).
 * @param opts.serverId selects the profile with this server_id first (case-insensitive).
 */
export function matchClient(set: ProfileSet, remote: Endpoint, opts: { serverName?: string; serverId?: string } = {}): MatchResult {
  if (opts.serverId) {
    const id = opts.serverId.toLowerCase();
    const hasId = (c: Profile): boolean => c.settings.serverId.toLowerCase() === id;
    const p = set.client.find(hasId) ?? (hasId(set.clientDefault) ? set.clientDefault : undefined);
    if (p) return { profile: p, reason: `server_id '${opts.serverId}' matches ${describe(p)}` };
  }
  const result = matchByAddressAndName(set.client, set.clientDefault, remote, opts.serverName, 'remote', 'server name');
  if (!opts.serverId) return result;
  return { profile: result.profile, reason: `server_id '${opts.serverId}' matches no profile; ${result.reason}` };
}

/**
 * The guide's `tls_set_connect_server_id(srvid)`: a server id for the next outbound connection
 * only. TlsModule owns one instance and calls `take()` at every `open()` call, before any name
 * lookup, which clears it whether or not it was used, as Kamailio does.
 */
export class ConnectServerId {
  private value = '';

  /** Sets the id for the next client lookup; an empty string clears it. */
  setConnectServerId(serverId: string): void {
    this.value = serverId;
  }

  /** The id set, without clearing it ('' when none). */
  peek(): string {
    return this.value;
  }

  /**
   * The server id a connect uses: the one given with the connect if any, else the one set; clears
   * the one set either way. Returns undefined when there is none.
   */
  take(explicit?: string): string | undefined {
    const stored = this.value;
    this.value = '';
    return explicit || stored || undefined;
  }
}

/**
 * Kamailio's tls_check_sockets: the `[server:IP:PORT]` profiles that no listening endpoint
 * serves. A profile port of 0 stands for every port of its address; a wildcard listener
 * (0.0.0.0 for IPv4, :: for both) serves every address of its port, since connections through it
 * pick the profile by their real local address. Such a profile would never be chosen, so a start
 * or reload with one fails.
 */
export function unservedServerProfiles(set: ProfileSet, listening: readonly Endpoint[]): Profile[] {
  const serves = (l: Endpoint, ip: string, port: number): boolean => {
    if (port !== 0 && l.port !== port) return false;
    const local = canonicalIp(l.ip);
    return local === ip || local === '::' || (local === '0.0.0.0' && !ip.includes(':'));
  };
  return set.server.filter((p) => {
    const address = p.address;
    return address.kind === 'ip' && !listening.some((l) => serves(l, address.ip, address.port));
  });
}
