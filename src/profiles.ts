/**
 * From parsed tls.cfg sections (or the module parameters) to a ProfileSet: the duplicate rules,
 * inheritance of missing values and path resolution.
 *
 * Inheritance (kamailio-behaviour.md §3): a value a section does not set comes from the file's
 * `[role:default]` section when there is one (as the guide describes), else from the built-in
 * template; `[role:default]` itself fills from the template. `server_name`, `server_name_mode`,
 * `server_id` and the `*2` fields are never inherited; a `""` value blocks inheritance.
 */
import { ConfigError } from './config-error';
import { resolveConfigPath } from './paths';
import { Profile, ProfileAddress, ProfileSet, ProfileSettings, Role } from './profile';
import { TlsCfgSection, headerText } from './tls-cfg';

/** Fields holding a file or directory (resolved by the guide's path rule). */
export const PATH_FIELDS: ReadonlyArray<keyof ProfileSettings> = [
  'certificate', 'privateKey', 'caList', 'caPath', 'crl', 'certificate2', 'privateKey2',
];

/** Values of fields that are not inherited, when a section does not set them. */
const NOT_INHERITED: Pick<ProfileSettings, 'serverName' | 'serverNameMode' | 'serverId' | 'certificate2' | 'privateKey2' | 'privateKeyPassword2'> = {
  serverName: '', serverNameMode: 0, serverId: '', certificate2: '', privateKey2: '', privateKeyPassword2: '',
};

/**
 * The built-in template a tls.cfg default profile fills from (Kamailio's, except the method: ours is
 * TLSv1.2+, see README "Compatibility decisions"). The client template has no certificate or key.
 * @param baseDir the main config file's directory (the template's `cert.pem` lives there).
 */
export function builtinTemplate(role: Role, baseDir: string, identityCheck = false): ProfileSettings {
  const certificate = role === 'server' ? resolveConfigPath('cert.pem', baseDir) : '';
  return {
    method: 'TLSv1.2+',
    certificate,
    privateKey: certificate,
    privateKeyPassword: '',
    ...NOT_INHERITED,
    caList: '',
    caPath: '',
    crl: '',
    verifyCertificate: false,
    requireCertificate: false,
    verifyClient: 'off',
    verifyDepth: 9,
    cipherList: '',
    identityCheck,
  };
}

/** Kamailio's display name: `TLSs<default>`, `TLSs<any:NAME>`, `TLSc<1.2.3.4:5061>` (IPv6 bare). */
export function profileDisplayName(role: Role, address: ProfileAddress, serverName: string): string {
  const prefix = role === 'server' ? 'TLSs' : 'TLSc';
  if (address.kind === 'default') return `${prefix}<default>`;
  if (address.kind === 'any') return `${prefix}<any:${serverName}>`;
  return `${prefix}<${address.ip}:${address.port}>`;
}

/**
 * The duplicate rules, checked over every section (the last one included): a second
 * `[role:default]`; `any` without server_name; the same ip:port twice in a role where either lacks
 * server_name. Each error points at the later header.
 */
export function checkSections(sections: readonly TlsCfgSection[]): ConfigError[] {
  const errors: ConfigError[] = [];
  const where = (s: TlsCfgSection): string => `${s.file}:${s.line}`;
  const at = (s: TlsCfgSection) => ({ file: s.file, line: s.line, col: s.col });
  const defaults = new Map<string, TlsCfgSection>();
  /** Per role and ip:port: the first section, and the first one without server_name. */
  const addresses = new Map<string, { first: TlsCfgSection; firstWithoutName?: TlsCfgSection }>();
  for (const s of sections) {
    const a = s.address;
    if (a.kind === 'any' && !s.values.serverName) {
      errors.push(new ConfigError(`tls domain for any address but no server name: [${s.section}] needs server_name`, { ...at(s), parameter: 'server_name' }));
    } else if (a.kind === 'default') {
      const earlier = defaults.get(s.role);
      if (earlier) {
        errors.push(new ConfigError(`Duplicate TLS domain [${headerText(s.role, a)}] (first at ${where(earlier)}): there can be only one`, at(s)));
      } else {
        defaults.set(s.role, s);
      }
    } else if (a.kind === 'ip') {
      const key = `${s.role} ${a.ip} ${a.port}`;
      const seen = addresses.get(key);
      const named = Boolean(s.values.serverName);
      if (!seen) {
        addresses.set(key, { first: s, firstWithoutName: named ? undefined : s });
        continue;
      }
      const earlier = named ? seen.firstWithoutName : seen.first;
      if (earlier) {
        errors.push(new ConfigError(
          `Duplicate TLS domain [${headerText(s.role, a)}] (first at ${where(earlier)}): the same address may appear again only when every such section has server_name`,
          { ...at(s), parameter: 'server_name' }));
      }
      if (!named && !seen.firstWithoutName) seen.firstWithoutName = s;
    }
  }
  return errors;
}

export interface ResolveOptions {
  /** The main config file's directory: relative paths resolve against it. */
  baseDir: string;
  /** Default of our identity check for the templates (module parameter `tls_identity_check`). */
  identityCheck?: boolean;
}

/**
 * Builds the ProfileSet of parsed tls.cfg sections: duplicate checks, defaults created from the
 * template where missing, inheritance, path resolution. Returns every error found.
 */
export function resolveSections(sections: readonly TlsCfgSection[], options: ResolveOptions): { set: ProfileSet; errors: ConfigError[] } {
  const errors = checkSections(sections);
  const template = (role: Role) => builtinTemplate(role, options.baseDir, options.identityCheck ?? false);
  const defaults = {} as Record<Role, Profile>;
  for (const role of ['server', 'client'] as const) {
    const written = sections.find((s) => s.role === role && s.address.kind === 'default');
    defaults[role] = written
      ? toProfile(written, template(role), options.baseDir)
      : {
        role,
        address: { kind: 'default' },
        section: `${role}:default`,
        name: profileDisplayName(role, { kind: 'default' }, ''),
        file: '',
        line: 0,
        settings: template(role),
      };
  }
  const set: ProfileSet = { server: [], client: [], serverDefault: defaults.server, clientDefault: defaults.client };
  for (const s of sections) {
    if (s.address.kind === 'default') continue;
    set[s.role].push(toProfile(s, defaults[s.role].settings, options.baseDir));
  }
  return { set, errors };
}

function toProfile(section: TlsCfgSection, parent: ProfileSettings, baseDir: string): Profile {
  const settings: ProfileSettings = { ...parent, ...NOT_INHERITED };
  const written = section.values as Record<string, unknown>;
  const target = settings as unknown as Record<string, unknown>;
  for (const [field, value] of Object.entries(written)) {
    if (value === undefined) continue;
    target[field] = PATH_FIELDS.includes(field as keyof ProfileSettings) ? resolveConfigPath(value as string, baseDir) : value;
  }
  return {
    role: section.role,
    address: section.address,
    section: section.section,
    name: profileDisplayName(section.role, section.address, settings.serverName),
    file: section.file,
    line: section.line,
    settings,
  };
}
