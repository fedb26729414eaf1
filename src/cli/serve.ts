/**
 * `sip-tls serve [-f sip-tls.ini] [--listen tls:IP:PORT]…`: a SIP-over-TLS server that answers
 * OPTIONS with 200 OK and other requests with 501. Without a file it makes (once) a demo CA,
 * server certificate, tls.cfg and sip-tls.ini in ./sip-tls-demo/ and listens on 127.0.0.1:5061.
 * SIGINT and SIGTERM stop it cleanly.
 */
import * as path from 'node:path';
import { ensureDemoSetup } from '../demo-certs';
import { formatRpcEndpoint } from '../rpc/endpoint';
import { startModuleRpc } from '../rpc/module-host';
import type { RpcServer } from '../rpc/server';
import { answer } from '../sip-responder';
import { LogLevel, StderrLogger } from '../tls-log';
import { TlsModule, TlsTransportError } from '../tls-module';

const USAGE = `usage: sip-tls serve [-f sip-tls.ini] [--listen tls:IP:PORT]... [--demo-dir DIR] [--debug LEVEL]
Without -f, a demo CA, server certificate, tls.cfg and sip-tls.ini are made in ./sip-tls-demo/
(once) and the server listens on tls:127.0.0.1:5061.`;

interface ServeArgs {
  file?: string;
  listen: string[];
  demoDir: string;
  debug: number;
}

function parseArgs(args: string[]): ServeArgs | string {
  const out: ServeArgs = { listen: [], demoDir: path.resolve('sip-tls-demo'), debug: LogLevel.INFO };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = args[i + 1];
    if ((arg === '-f' || arg === '--config') && value) { out.file = value; i++; }
    else if (arg === '--listen' && value) { out.listen.push(value); i++; }
    else if (arg === '--demo-dir' && value) { out.demoDir = path.resolve(value); i++; }
    else if (arg === '--debug' && value && /^-?\d+$/.test(value)) { out.debug = Number(value); i++; }
    else return arg === '-h' || arg === '--help' ? '' : `unknown or incomplete option '${arg}'`;
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed ? `sip-tls serve: ${parsed}\n` : ''}${USAGE}\n`);
    return parsed ? 2 : 0;
  }
  let file = parsed.file;
  let demo: ReturnType<typeof ensureDemoSetup> | undefined;
  if (!file) {
    demo = ensureDemoSetup(parsed.demoDir);
    file = demo.ini;
  }
  const logger = new StderrLogger(parsed.debug);
  const tls = TlsModule.fromFile(file, { listen: parsed.listen, logger });
  tls.on('message', (message, connection) => {
    const response = answer(message);
    if (!response) return;
    try {
      tls.send(connection, response);
    } catch (err) {
      const code = err instanceof TlsTransportError ? err.code : '';
      logger.log(LogLevel.WARN, `cannot answer on connection ${connection.id}: ${(err as Error).message} ${code}`);
    }
  });
  let bound;
  try {
    bound = await tls.listen();
    tls.checkListening();
  } catch (err) {
    await tls.close();
    throw err;
  }
  if (bound.length === 0) {
    await tls.close();
    process.stderr.write(`sip-tls serve: ${file} has no 'listen = tls:IP:PORT' line and --listen was not given\n`);
    return 2;
  }
  let rpc: RpcServer;
  try {
    rpc = await startModuleRpc(tls);
  } catch (err) {
    await tls.close();
    throw err;
  }
  const first = bound[0];
  const host = first.ip.includes(':') ? `[${first.ip}]` : first.ip;
  process.stdout.write(`sip-tls serve: SIP over TLS on ${bound.map((e) => `tls:${e.ip.includes(':') ? `[${e.ip}]` : e.ip}:${e.port}`).join(', ')} (config ${file})\n`);
  if (rpc.endpoints.length > 0) {
    process.stdout.write(`sip-tls serve: RPC on ${rpc.endpoints.map(formatRpcEndpoint).join(', ')}\n`);
  }
  if (demo) {
    process.stdout.write(`Try it:
  openssl s_client -connect ${host}:${first.port} -CAfile ${demo.caCert}
  printf 'OPTIONS sip:${host} SIP/2.0\\r\\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK1\\r\\nFrom: <sip:a@b>;tag=1\\r\\nTo: <sip:${host}>\\r\\nCall-ID: 1\\r\\nCSeq: 1 OPTIONS\\r\\nContent-Length: 0\\r\\n\\r\\n' \\
    | openssl s_client -connect ${host}:${first.port} -CAfile ${demo.caCert} -quiet -ign_eof
  sip-tls rpc --table tls.list        (RPC endpoints: rpc lines of ${demo.ini})
Stop with Ctrl-C.
`);
  }
  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      logger.log(LogLevel.NOTICE, `${signal}: stopping`);
      Promise.all([rpc.close(), tls.close()]).then(() => resolve(0), () => resolve(1));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
