/**
 * The profile model shared by the configuration (which produces profiles) and the native
 * contexts and the transport (which consume them). Field names are camelCase forms of the
 * Kamailio tls.cfg keys; `params.ts` maps the Kamailio spellings once.
 */

/** Every `tls_method` value of the guide. */
export const TLS_METHODS = [
  'SSLv2', 'SSLv3', 'SSLv23',
  'TLSv1', 'TLSv1.0', 'TLSv1+', 'TLSv1.0+',
  'TLSv1.1', 'TLSv1.1+', 'TLSv1.2', 'TLSv1.2+', 'TLSv1.3', 'TLSv1.3+',
] as const;
export type TlsMethod = (typeof TLS_METHODS)[number];

export const VERIFY_CLIENT_MODES = ['off', 'on', 'optional', 'optional_no_ca'] as const;
export type VerifyClient = (typeof VERIFY_CLIENT_MODES)[number];

export type Role = 'server' | 'client';

/** Where a profile applies: `[role:default]`, `[role:any]` or `[role:IP:PORT]`. */
export type ProfileAddress =
  | { kind: 'default' }
  | { kind: 'any' }
  | { kind: 'ip'; ip: string; port: number };

/**
 * The resolved settings of one profile, after inheritance. Paths are absolute (or `/engine:…`,
 * `/uri:…` key references). An empty string means "explicitly none" (the guide's `""`).
 */
export interface ProfileSettings {
  method: TlsMethod;
  certificate: string;
  privateKey: string;
  privateKeyPassword: string;
  certificate2: string;
  privateKey2: string;
  privateKeyPassword2: string;
  caList: string;
  caPath: string;
  crl: string;
  /** Legacy flags, OR-combined with verifyClient as Kamailio does. */
  verifyCertificate: boolean;
  requireCertificate: boolean;
  verifyClient: VerifyClient;
  verifyDepth: number;
  cipherList: string;
  serverName: string;
  serverNameMode: 0 | 1 | 2;
  serverId: string;
  /**
   * Our opt-in RFC 5922 identity check of the peer certificate (tls.cfg `tls_identity_check`,
   * module parameter `tls_identity_check`); absent means off.
   */
  identityCheck?: boolean;
}

/** Module-wide settings every native context of a generation is built with. */
export interface ContextGlobals {
  sessionCache: boolean;
  sessionId: string;
  /** -1 leaves OpenSSL's default, 0 clears, 1 sets SSL_MODE_RELEASE_BUFFERS. */
  sslReleaseBuffers: number;
  /** -1 leaves OpenSSL's default, else 512..16384. */
  sslMaxSendFragment: number;
  sslReadAhead: boolean;
  renegotiation: boolean;
}

/** Everything a native SecureContext is built from. */
export type ContextOptions = ProfileSettings & ContextGlobals;

export interface Profile {
  role: Role;
  address: ProfileAddress;
  /** The header as written, without brackets, e.g. `server:any` or `server:[2001:db8::1]:5061`. */
  section: string;
  /** Kamailio's display name, e.g. `TLSs<default>`, `TLSs<any:sip.example.com>`, `TLSs<1.2.3.4:5061>`. */
  name: string;
  /** Where the header stands; `file` is '' for profiles made from module parameters. */
  file: string;
  line: number;
  settings: ProfileSettings;
}

/** The profiles of one configuration, each list in file order. */
export interface ProfileSet {
  server: Profile[];
  client: Profile[];
  serverDefault: Profile;
  clientDefault: Profile;
}

/** An IP address and port; IPv6 without brackets. */
export interface Endpoint {
  ip: string;
  port: number;
}
