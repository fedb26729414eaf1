/**
 * `sip-tls ca …`: the guide's Quick Certificate Howto as commands (a small local CA made with
 * /usr/bin/openssl). Keys are unencrypted and readable by the owner only, as in the guide.
 */
import * as path from 'node:path';
import { ensureCa, ensureDemoSetup, issueCertificate } from '../demo-certs';

const USAGE = `usage:
  sip-tls ca init [--dir DIR] [--days N]                   make DIR/ca.pem and DIR/ca.key (once)
  sip-tls ca issue NAME [--dir DIR] [--dns NAME]... [--ip ADDR]... [--days N]
                                                          DIR/NAME.pem + DIR/NAME.key signed by the CA
  sip-tls ca demo [--dir DIR] [--listen IP:PORT]          CA, server certificate, tls.cfg and sip-tls.ini
DIR defaults to ./sip-tls-ca (demo: ./sip-tls-demo). Existing files are kept.`;

interface CaArgs {
  command: string;
  name?: string;
  dir?: string;
  dns: string[];
  ips: string[];
  days: number;
  listen?: string;
}

function parse(args: string[]): CaArgs | string {
  const [command, ...rest] = args;
  const out: CaArgs = { command: command ?? '', dns: [], ips: [], days: 825 };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = rest[i + 1];
    const needsValue = ['--dir', '--dns', '--ip', '--days', '--listen'].includes(arg);
    if (needsValue && value === undefined) return `option ${arg} needs a value`;
    if (arg === '--dir') out.dir = value;
    else if (arg === '--dns') out.dns.push(value);
    else if (arg === '--ip') out.ips.push(value);
    else if (arg === '--listen') out.listen = value;
    else if (arg === '--days') {
      if (!/^\d+$/.test(value) || Number(value) < 1) return `--days needs a positive number of days, got '${value}'`;
      out.days = Number(value);
    } else if (!arg.startsWith('-') && out.name === undefined) {
      out.name = arg;
      continue;
    } else return `unknown option '${arg}'`;
    i++;
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parse(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`sip-tls ca: ${parsed}\n${USAGE}\n`);
    return 2;
  }
  const dir = path.resolve(parsed.dir ?? (parsed.command === 'demo' ? 'sip-tls-demo' : 'sip-tls-ca'));
  switch (parsed.command) {
    case 'init': {
      const ca = ensureCa(dir, parsed.days);
      process.stdout.write(`CA certificate ${ca.cert}\nCA key         ${ca.key}\n`);
      return 0;
    }
    case 'issue': {
      if (!parsed.name || !/^[A-Za-z0-9._-]+$/.test(parsed.name)) {
        process.stderr.write(`sip-tls ca issue: NAME (letters, digits, . _ -) is required\n${USAGE}\n`);
        return 2;
      }
      const dns = parsed.dns.length > 0 || parsed.ips.length > 0 ? parsed.dns : [parsed.name];
      const issued = issueCertificate(dir, parsed.name, dns, parsed.ips, parsed.days);
      process.stdout.write(`certificate ${issued.cert}\nprivate key ${issued.key}\nCA list     ${path.join(dir, 'ca.pem')}\n`);
      return 0;
    }
    case 'demo': {
      const demo = ensureDemoSetup(dir, { listen: parsed.listen, days: parsed.days });
      process.stdout.write(`made ${demo.dir}: ca.pem, server.pem/server.key, tls.cfg, sip-tls.ini\nrun: sip-tls serve -f ${demo.ini}\n`);
      return 0;
    }
    default:
      process.stderr.write(`${parsed.command ? `sip-tls ca: unknown command '${parsed.command}'\n` : ''}${USAGE}\n`);
      return parsed.command ? 2 : 0;
  }
}
