/**
 * The command line of `sip-tls ca`: its usage text and the parser, which knows which options
 * each subcommand takes.
 */
import type { PasswordSource } from '../local-ca/ca-password';

export const CA_USAGE = `usage:
  sip-tls ca init [--dir DIR] [--days N] [PASSWORD]        make DIR/ca.pem and DIR/ca.key (once)
  sip-tls ca issue NAME [--dir DIR] [--dns NAME]... [--ip ADDR]... [--days N] [PASSWORD]
                                                          DIR/NAME.pem + DIR/NAME.key signed by the CA
  sip-tls ca revoke NAME [--dir DIR] [PASSWORD]            record DIR/NAME.pem as revoked
  sip-tls ca crl [--dir DIR] [--days N] [PASSWORD]         write DIR/crl.pem (valid N days, default 30)
  sip-tls ca demo [--dir DIR] [--listen IP:PORT]          CA, server certificate, tls.cfg and sip-tls.ini
  sip-tls ca help                                         this text
PASSWORD is --password-file FILE (its first line) or --password-env VAR: with init it encrypts
the CA key; issue, revoke and crl then need it too. There is never a prompt.
DIR defaults to ./sip-tls-ca (demo: ./sip-tls-demo). Existing files are kept.`;

/** A parsed `sip-tls ca` command line. */
export interface CaArgs {
  command: string;
  name?: string;
  dir?: string;
  dns: string[];
  ips: string[];
  /** --days as given; each command has its own default. */
  days?: number;
  listen?: string;
  password?: PasswordSource;
}

const PASSWORD_OPTIONS = ['--password-file', '--password-env'];

/** The commands and the options each takes. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  init: ['--dir', '--days', ...PASSWORD_OPTIONS],
  issue: ['--dir', '--dns', '--ip', '--days', ...PASSWORD_OPTIONS],
  revoke: ['--dir', ...PASSWORD_OPTIONS],
  crl: ['--dir', '--days', ...PASSWORD_OPTIONS],
  demo: ['--dir', '--listen', '--days'],
};

/** Commands that take a NAME. */
export const NAMED_COMMANDS = ['issue', 'revoke'];

/** Whether the command line asks for the usage (`help`, `-h`, `--help` anywhere). */
export function wantsHelp(args: string[]): boolean {
  return args[0] === 'help' || args.some((a) => a === '-h' || a === '--help');
}

/** Parses `args` (not empty); returns the error message instead for a bad command line. */
export function parseCaArgs(args: string[]): CaArgs | string {
  const [command, ...rest] = args;
  const out: CaArgs = { command: command ?? '', dns: [], ips: [] };
  const allowed = COMMAND_OPTIONS[out.command];
  if (!allowed) return `unknown command '${out.command}'`;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = rest[i + 1];
    if (!arg.startsWith('-') && NAMED_COMMANDS.includes(out.command) && out.name === undefined) {
      out.name = arg;
      continue;
    }
    if (!arg.startsWith('-')) return `unexpected argument '${arg}'`;
    if (!Object.values(COMMAND_OPTIONS).some((list) => list.includes(arg))) return `unknown option '${arg}'`;
    if (!allowed.includes(arg)) return `option ${arg} does not apply to 'ca ${out.command}'`;
    if (value === undefined) return `option ${arg} needs a value`;
    if (arg === '--dir') out.dir = value;
    else if (arg === '--dns') out.dns.push(value);
    else if (arg === '--ip') out.ips.push(value);
    else if (arg === '--listen') out.listen = value;
    else if (arg === '--days') {
      if (!/^\d+$/.test(value) || Number(value) < 1) return `--days needs a positive number of days, got '${value}'`;
      out.days = Number(value);
    } else {
      if (out.password) return 'give one of --password-file and --password-env, once';
      out.password = arg === '--password-file' ? { file: value } : { env: value };
    }
    i++;
  }
  return out;
}
