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
  if (!sni || !serverName) return null;
  const a = sni.toLowerCase();
  const b = serverName.toLowerCase();
  if (mode !== 2 && a === b) return 'exact';
  if ((mode === 1 || mode === 2) && a.length > b.length && a.endsWith(b) && a[a.length - b.length - 1] === '.') {
    return 'suffix';
  }
  return null;
}

function where(profile: Profile): string {
  return profile.file ? ` (${profile.file}:${profile.line})` : ' (built in)';
}

function describe(profile: Profile): string {
  return `[${profile.section}]${where(profile)}`;
}

/** The ip:port profiles of `list` for an endpoint: exact port first, then port-0 wildcards; file order within. */
function byAddress(list: readonly Profile[], endpoint: Endpoint): Profile[] {
  const ip = canonicalIp(endpoint.ip);
  const exact: Profile[] = [];
  const wildcard: Profile[] = [];
  for (const p of list) {
    if (p.address.kind !== 'ip' || p.address.ip !== ip) continue;
    if (p.address.port === endpoint.port) exact.push(p);
    else if (p.address.port === 0) wildcard.push(p);
  }
  return [...exact, ...wildcard];
}

/** The best SNI match among `candidates` (file order): exact names first, then suffixes. */
function bySni(candidates: readonly Profile[], sni: string): { profile: Profile; how: 'exact' | 'suffix' } | undefined {
  let suffix: Profile | undefined;
  for (const p of candidates) {
    const how = matchServerName(sni, p.settings.serverName, p.settings.serverNameMode);
    if (how === 'exact') return { profile: p, how };
    if (how === 'suffix' && !suffix) suffix = p;
  }
  return suffix ? { profile: suffix, how: 'suffix' } : undefined;
}

/** Profiles of both kinds in file order (ip:port and any), the order SNI matching walks. */
function inFileOrder(list: readonly Profile[], endpoint: Endpoint): Profile[] {
  const address = new Set(byAddress(list, endpoint));
  return list.filter((p) => address.has(p) || p.address.kind === 'any');
}

function matchByAddressAndName(
  list: readonly Profile[], fallback: Profile, endpoint: Endpoint, name: string | undefined, side: 'local' | 'remote', nameLabel: string,
): MatchResult {
  const shown = addressText({ kind: 'ip', ip: canonicalIp(endpoint.ip), port: endpoint.port });
  const addressMatches = byAddress(list, endpoint);
  if (name) {
    const hit = bySni(inFileOrder(list, endpoint), name);
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
    const p = set.client.find((c) => c.settings.serverId.toLowerCase() === id)
      ?? [set.clientDefault].find((c) => c.settings.serverId.toLowerCase() === id);
    if (p) return { profile: p, reason: `server_id '${opts.serverId}' matches ${describe(p)}` };
  }
  const result = matchByAddressAndName(set.client, set.clientDefault, remote, opts.serverName, 'remote', 'server name');
  if (!opts.serverId) return result;
  return { profile: result.profile, reason: `server_id '${opts.serverId}' matches no profile; ${result.reason}` };
}

/**
 * The guide's `tls_set_connect_server_id(srvid)`: a server id for the next outbound connection
 * only. The transport owns one instance and calls `take()` at every client profile lookup, which
 * clears it whether or not it was used, as Kamailio does.
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
