'use strict';
// A sip-tls server in its own process, for memory measurements: prints "port N", then answers
// each stdin line "pss" with "pss KIB opened N" (after a full GC).
const fs = require('node:fs');
const readline = require('node:readline');
const { TlsModule } = require('../../../lib');

const [cert, key] = process.argv.slice(2);
const mod = new TlsModule({
  params: { certificate: cert, private_key: key, tls_max_connections: 30000, connection_timeout: -1 },
  logger: { log() {} },
});
mod.listen(['tls:127.0.0.1:0']).then(([ep]) => process.stdout.write(`port ${ep.port}\n`));
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'pss') return;
  global.gc();
  const pss = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))[1];
  process.stdout.write(`pss ${pss} opened ${mod.info().opened_connections}\n`);
});
process.stdin.on('end', () => mod.close().then(() => process.exit(0)));
