/**
 * The SIP identity an outbound connection's server certificate must name (RFC 5922 section 7),
 * when the client profile asks for the check (tls.cfg `identity_check`, module parameter
 * `tls_identity_check`). The check itself runs in C++ during the handshake.
 */
import { Profile } from './profile';

/** What `connect()` was asked for, as far as the identity goes. */
export interface IdentityTarget {
  /** The destination as given: a host name or an IP literal. */
  host: string;
  /** The SNI requested for this connection. */
  serverName?: string;
}

/**
 * The expected identity: the client profile's `server_name` when set, else the SNI requested,
 * else the destination host (a name, or an IP literal that is then compared with the
 * certificate's IP entries). '' when the profile does not check identities.
 */
export function expectedIdentity(profile: Profile, target: IdentityTarget): string {
  if (!profile.settings.identityCheck) return '';
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  return profile.settings.serverName || target.serverName || host;
}
