/**
 * A generation: one ProfileSet and a native SecureContext for each of its profiles, built
 * completely before it is used. Connections keep the generation they started with; a reload
 * builds a new one and swaps it in (kamailio-behaviour.md §8, without Kamailio's leak: a
 * generation is dropped when it is no longer current and its last connection has closed).
 */
import { ConfigError, contextOptionsFor } from './config';
import { keylogOptions } from './keylog';
import { TlsError } from './errors';
import { SecureContext, createSecureContext } from './secure-context';
import { ParamStore } from './params';
import { Profile, ProfileSet } from './profile';

export class Generation {
  /** Connections that started with this generation and are still open. */
  connections = 0;
  /** When it was built (ms since the epoch). */
  readonly createdAt = Date.now();

  private constructor(
    /** 1 for the first generation, then +1 per successful reload. */
    readonly number: number,
    readonly profiles: ProfileSet,
    private readonly contexts: Map<Profile, SecureContext>,
  ) {}

  /**
   * Builds the contexts of every profile of `profiles`.
   * @param keylogNotice logs a key log line at NOTICE (keylog_mode bit 4).
   * @throws ConfigError naming the first profile (file:line) whose context fails to build.
   */
  static build(number: number, profiles: ProfileSet, params: ParamStore, keylogNotice?: (line: string) => void): Generation {
    const keylog = keylogOptions(params, keylogNotice);
    const contexts = new Map<Profile, SecureContext>();
    const all = [...profiles.server, ...profiles.client, profiles.serverDefault, profiles.clientDefault];
    for (const profile of all) {
      if (contexts.has(profile)) continue;
      try {
        contexts.set(profile, createSecureContext({ ...contextOptionsFor(profile, params), ...keylog }));
      } catch (err) {
        if (!(err instanceof TlsError)) throw err;
        throw new ConfigError(`[${profile.section}]: ${err.message}`, {
          file: profile.file || undefined, line: profile.line || undefined, parameter: err.parameter || undefined,
        });
      }
    }
    return new Generation(number, profiles, contexts);
  }

  /** The native context of one of this generation's profiles. */
  context(profile: Profile): SecureContext {
    const context = this.contexts.get(profile);
    if (!context) throw new Error(`profile [${profile.section}] is not part of generation ${this.number}`);
    return context;
  }

  /** Whether a ClientHello's SNI can change the profile: some server profile has a server_name. */
  get sniMatters(): boolean {
    return [...this.profiles.server, this.profiles.serverDefault].some((p) => p.settings.serverName !== '' || p.address.kind === 'any');
  }
}
