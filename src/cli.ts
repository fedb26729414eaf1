#!/usr/bin/env node
/**
 * `sip-tls COMMAND …`: each command lives in `cli/<command>.ts` and exports
 * `run(args: string[]): Promise<number>` returning the exit code.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';

const USAGE = `usage: sip-tls COMMAND [ARG…]
commands:
  serve [-f sip-tls.ini]      SIP-over-TLS server (no file: demo CA and certificates)
  cfg check FILE              check a tls.cfg file or directory
  cfg explain …               which profile a connection selects, and why
  rpc [--url U|--socket P] METHOD [ARG…]
  ca …                        certificate helper (the guide's Quick Certificate Howto)
  bench …                     benchmark against node:tls`;

interface CommandModule {
  run(args: string[]): Promise<number>;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === '-h' || command === '--help' || !/^[a-z][a-z-]*$/.test(command)) {
    process.stderr.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const file = path.join(__dirname, 'cli', `${command}.js`);
  if (!fs.existsSync(file)) {
    process.stderr.write(`sip-tls: unknown command '${command}'\n${USAGE}\n`);
    return 2;
  }
  const mod = require(file) as CommandModule;
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`sip-tls: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
