/**
 * The sip-tls server under test: TlsModule answering OPTIONS with the same responder as the
 * node:tls baseline, run as a child process of the harness.
 * Usage: node siptls-server.js CERT KEY [HOST] [PORT]
 */
import { TlsModule } from '../tls-module';
import { LogLevel, StderrLogger } from '../tls-log';
import { respondTo } from './sip-responder';
import { send, serveHarness } from './server-ipc';

async function main(argv: string[]): Promise<void> {
  const [certFile, keyFile, host = '127.0.0.1', port = '0'] = argv;
  if (!certFile || !keyFile) {
    process.stderr.write('usage: siptls-server CERT KEY [HOST] [PORT]\n');
    process.exit(2);
  }
  const tls = new TlsModule({
    params: {
      certificate: certFile,
      private_key: keyFile,
      // Room for the 19,000 idle connections of the memory figure; Kamailio's default is 2048.
      tls_max_connections: 20000,
      connection_timeout: 3600,
    },
    // Resets by the load generator are the peer's doing (logged at INFO); show only our faults.
    logger: new StderrLogger(LogLevel.ERR),
  });
  tls.on('error', () => undefined);
  // The transport framed the message: the head ends 4 bytes (the blank line's CRLF CRLF) before
  // the body.
  tls.on('message', (message: Buffer, connection, bodyOffset: number) => {
    const reply = respondTo(message.toString('latin1', 0, bodyOffset - 4));
    try {
      tls.send(connection, reply);
    } catch {
      connection.close('send failed');
    }
  });
  serveHarness(() => tls.info().opened_connections);
  const [bound] = await tls.listen([`tls:${host}:${port}`]);
  send({ type: 'ready', port: bound.port, name: 'sip-tls' });
}

main(process.argv.slice(2)).catch((err: Error) => {
  send({ type: 'error', message: err.message });
  process.stderr.write(`siptls-server: ${err.message}\n`);
  process.exit(1);
});
