/**
 * `sip-tls ca …`: the guide's Quick Certificate Howto as commands (a small local CA made with
 * /usr/bin/openssl): create the CA, issue certificates, revoke one, write the CRL. Leaf keys are
 * unencrypted and readable by the owner only, as in the guide; the CA key takes a password.
 */
import * as path from 'node:path';
import { ensureDemoSetup } from '../demo-certs';
import { caPaths } from '../local-ca/ca-database';
import { ensureCa, issueCertificate, revokeCertificate, writeCrl } from '../local-ca/local-ca';
import { CaError } from '../local-ca/openssl-run';
import { CA_USAGE, CaArgs, NAMED_COMMANDS, parseCaArgs, wantsHelp } from './ca-args';

const CERT_DAYS = 825;
const CRL_DAYS = 30;

function print(lines: string[]): number {
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

function runCommand(a: CaArgs, dir: string): number {
  switch (a.command) {
    case 'init': {
      const ca = ensureCa(dir, a.days ?? CERT_DAYS, a.password);
      return print([`CA certificate ${ca.cert}`, `CA key         ${ca.key}${a.password ? ' (encrypted)' : ''}`,
        `CA database    ${caPaths(dir).db}`]);
    }
    case 'issue': {
      const dns = a.dns.length > 0 || a.ips.length > 0 ? a.dns : [a.name as string];
      const issued = issueCertificate(dir, a.name as string, dns, a.ips, a.days ?? CERT_DAYS, a.password);
      return print([`certificate ${issued.cert}`, `private key ${issued.key}`, `CA list     ${caPaths(dir).cert}`]);
    }
    case 'revoke': {
      const { cert, already } = revokeCertificate(dir, a.name as string, a.password);
      return print([`${already ? 'already revoked' : 'revoked'} ${cert}`,
        `database ${caPaths(dir).index}`, `next: sip-tls ca crl --dir ${dir} (writes the CRL that servers load)`]);
    }
    case 'crl': {
      const days = a.days ?? CRL_DAYS;
      const { crl, revoked } = writeCrl(dir, days, a.password);
      return print([`CRL ${crl} (${revoked} revoked, valid ${days} days: write it again before then)`,
        `use: crl = ${crl} (module parameter or tls.cfg), with ca_list = ${caPaths(dir).cert}`]);
    }
    default: {
      const demo = ensureDemoSetup(dir, { listen: a.listen, days: a.days ?? CERT_DAYS });
      return print([`made ${demo.dir}: ca.pem, server.pem/server.key, tls.cfg, sip-tls.ini`, `run: sip-tls serve -f ${demo.ini}`]);
    }
  }
}

export async function run(args: string[]): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(`${CA_USAGE}\n`);
    return 0;
  }
  if (args.length === 0) {
    process.stderr.write(`${CA_USAGE}\n`);
    return 0;
  }
  const parsed = parseCaArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`sip-tls ca: ${parsed}\n${CA_USAGE}\n`);
    return 2;
  }
  if (NAMED_COMMANDS.includes(parsed.command) && !/^[A-Za-z0-9._-]+$/.test(parsed.name ?? '')) {
    process.stderr.write(`sip-tls ca ${parsed.command}: NAME (letters, digits, . _ -) is required\n${CA_USAGE}\n`);
    return 2;
  }
  if (parsed.name === 'ca' || parsed.name === 'crl') {
    process.stderr.write(`sip-tls ca ${parsed.command}: NAME '${parsed.name}' is taken by the CA's own ${parsed.name}.pem\n`);
    return 2;
  }
  const dir = path.resolve(parsed.dir ?? (parsed.command === 'demo' ? 'sip-tls-demo' : 'sip-tls-ca'));
  try {
    return runCommand(parsed, dir);
  } catch (err) {
    if (!(err instanceof CaError)) throw err;
    process.stderr.write(`sip-tls ca ${parsed.command}: ${err.message}\n`);
    return 1;
  }
}
