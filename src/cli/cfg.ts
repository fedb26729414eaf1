/**
 * `sip-tls cfg check FILE` and `sip-tls cfg explain …`.
 *
 * FILE / `--config` is a sip-tls.ini (`*.ini`: its parameters and the tls.cfg it names) or a tls.cfg
 * file or directory (relative paths in it resolve against `--base DIR`, default the directory FILE
 * is in, as if the main config stood beside it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, collectProfileSet } from '../config';
import { readMainConfig, parseHostPort } from '../main-config';
import { MatchResult, matchClient, matchServer } from '../matching';
import { Endpoint, Profile, ProfileSet, ProfileSettings } from '../profile';
import { PATH_FIELDS, resolveSections } from '../profiles';
import { readTlsCfg, TLS_CFG_KEY_OF } from '../tls-cfg';
import { LogLevel, StderrLogger } from '../tls-log';
import { TlsModule } from '../tls-module';

const USAGE = `usage:
  sip-tls cfg check FILE [--base DIR] [--files] [--build]
  sip-tls cfg explain --config FILE --role server|client [--local IP:PORT] [--remote IP:PORT]
                      [--sni NAME] [--server-id ID] [--base DIR] [--json]
FILE is a sip-tls.ini (*.ini) or a tls.cfg file or directory. --files also checks that the
certificate, key, CA, CA path and CRL files of every profile can be read. --build (a sip-tls.ini
only) also builds every profile's SSL context as serve would: certificates, keys, CRLs, cipher
lists, methods, engine and HSM keys.`;

class UsageError extends Error {}

interface Options {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--config', '--role', '--local', '--remote', '--sni', '--server-id', '--base']);
const BOOL_FLAGS = new Set(['--json', '--files', '--build', '--help', '-h']);

function parseArgs(args: string[]): Options {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.has(name)) {
      const value = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (BOOL_FLAGS.has(arg)) {
      flags.set(arg, true);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option '${arg}'`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

function flag(opts: Options, name: string): string | undefined {
  const v = opts.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** The profile set of FILE and every error found on the way. */
function loadForCheck(file: string, base: string | undefined): { set: ProfileSet | undefined; errors: ConfigError[] } {
  if (/\.ini$/i.test(file) && !isDirectory(file)) {
    try {
      const main = readMainConfig(file);
      return collectProfileSet(main.params, base ?? main.baseDir);
    } catch (err) {
      if (err instanceof ConfigError) return { set: undefined, errors: err.errors };
      throw err;
    }
  }
  const baseDir = path.resolve(base ?? path.dirname(path.resolve(file)));
  const parsed = readTlsCfg(file);
  const { set, errors } = resolveSections(parsed.sections, { baseDir });
  const all = [...parsed.errors, ...errors].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  return { set: all.length === 0 ? set : undefined, errors: all };
}

function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Every file a profile names that cannot be read (ca_path: not a directory), located at the
 * profile's header; built-in profiles are reported against FILE.
 */
function checkFiles(set: ProfileSet, file: string): ConfigError[] {
  const errors: ConfigError[] = [];
  const profiles: Profile[] = [set.serverDefault, ...set.server, set.clientDefault, ...set.client];
  for (const p of profiles) {
    for (const field of PATH_FIELDS) {
      const value = p.settings[field] as string;
      if (!value || value.startsWith('/engine:') || value.startsWith('/uri:')) continue;
      const key = TLS_CFG_KEY_OF[field] ?? field;
      const problem = unreadable(value, field === 'caPath');
      if (!problem) continue;
      const where = p.file ? { file: p.file, line: p.line, col: 1 } : { file, line: 0, col: 0 };
      errors.push(new ConfigError(`[${p.section}] ${key} '${value}': ${problem}`, { ...where, parameter: key }));
    }
  }
  return errors;
}

function unreadable(file: string, directory: boolean): string | undefined {
  try {
    const stat = fs.statSync(file);
    if (directory !== stat.isDirectory()) return directory ? 'not a directory' : 'not a regular file';
    fs.accessSync(file, fs.constants.R_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message;
  }
}

/** What building the module from a sip-tls.ini refuses (SSL contexts, engine, HSM keys); [] if nothing. */
async function buildErrors(file: string): Promise<Error[]> {
  let module: TlsModule;
  try {
    module = TlsModule.fromFile(file, { logger: new StderrLogger(LogLevel.ERR) });
  } catch (err) {
    if (err instanceof ConfigError) return err.errors;
    return [err as Error];
  }
  await module.close();
  return [];
}

async function check(opts: Options): Promise<number> {
  if (opts.positional.length !== 1) throw new UsageError('cfg check needs exactly one FILE');
  const file = opts.positional[0];
  const build = opts.flags.has('--build');
  if (build && !/\.ini$/i.test(file)) throw new UsageError('--build needs a sip-tls.ini (*.ini)');
  const loaded = loadForCheck(file, flag(opts, '--base'));
  const set = loaded.set;
  const errors: Error[] = set && opts.flags.has('--files') ? checkFiles(set, file) : loaded.errors;
  if (set && errors.length === 0 && build) errors.push(...await buildErrors(file));
  for (const e of errors) process.stderr.write(`${e.message}\n`);
  if (errors.length > 0 || !set) {
    process.stderr.write(`${file}: ${errors.length} error${errors.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  process.stdout.write(`${file}: OK (${set.server.length + 1} server and ${set.client.length + 1} client profiles, defaults included)\n`);
  return 0;
}

function endpoint(opts: Options, name: string): Endpoint | undefined {
  const value = flag(opts, name);
  if (value === undefined) return undefined;
  try {
    return parseHostPort(value);
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
}

/** The resolved values of a profile by their tls.cfg key names. */
function valuesByKey(settings: ProfileSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(settings)) {
    out[TLS_CFG_KEY_OF[field as keyof ProfileSettings] ?? field] = value;
  }
  return out;
}

function explain(opts: Options): number {
  const file = flag(opts, '--config') ?? opts.positional[0];
  if (!file) throw new UsageError('cfg explain needs --config FILE');
  const role = flag(opts, '--role');
  if (role !== 'server' && role !== 'client') throw new UsageError('cfg explain needs --role server or --role client');
  const { set, errors } = loadForCheck(file, flag(opts, '--base'));
  if (!set) {
    for (const e of errors) process.stderr.write(`${e.message}\n`);
    return 1;
  }
  const none: Endpoint = { ip: '', port: 0 };
  let result: MatchResult;
  if (role === 'server') {
    result = matchServer(set, endpoint(opts, '--local') ?? none, flag(opts, '--sni'));
  } else {
    result = matchClient(set, endpoint(opts, '--remote') ?? none, { serverName: flag(opts, '--sni'), serverId: flag(opts, '--server-id') });
  }
  const p = result.profile;
  const values = valuesByKey(p.settings);
  if (opts.flags.has('--json')) {
    const out = { role: p.role, section: p.section, name: p.name, file: p.file, line: p.line, reason: result.reason, ...values, settings: p.settings };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const where = p.file ? `${p.file}:${p.line}` : 'not in a tls.cfg: made from the module parameters or the built-in template';
  const lines = [`[${p.section}]  ${p.name}  ${where}`, `why: ${result.reason}`];
  for (const [key, value] of Object.entries(values)) lines.push(`  ${key} = ${JSON.stringify(value)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** Entry point of `sip-tls cfg …`; returns the exit code (2 for usage errors). */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const opts = parseArgs(rest);
    if (sub === 'check' && !opts.flags.has('--help')) return await check(opts);
    if (sub === 'explain' && !opts.flags.has('--help')) return explain(opts);
    if (sub === undefined || sub === '-h' || sub === '--help' || opts.flags.has('--help')) {
      process.stdout.write(`${USAGE}\n`);
      return sub === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown cfg command '${sub}'`);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`sip-tls cfg: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}
