/**
 * The load generator process: loads the `sip_tls_loadgen` addon (its runs execute on a native
 * worker thread) and answers the harness's requests over the IPC channel, one at a time.
 */
import { LoadgenRequest, LoadgenReply } from './loadgen-protocol';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const addon = require('bindings')('sip_tls_loadgen') as Record<string, (options: unknown) => unknown>;

async function handle(request: LoadgenRequest): Promise<unknown> {
  switch (request.op) {
    case 'handshakes': return addon.handshakes(request.options);
    case 'openPool': return addon.openPool(request.options);
    case 'transactions': return addon.transactions(request.options);
    case 'closePool': return addon.closePool(request.options.poolId);
    case 'inMemory': return addon.inMemory(request.options);
    default: throw new Error(`unknown request ${(request as { op: string }).op}`);
  }
}

const fileLimit = (addon.raiseFileLimit as unknown as () => number)();
process.on('message', (request: LoadgenRequest) => {
  handle(request).then(
    (result) => reply({ id: request.id, result }),
    (err: unknown) => reply({ id: request.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
reply({ id: 0, result: { ready: true, fileLimit, pid: process.pid } });

function reply(message: LoadgenReply): void {
  if (process.send) process.send(message);
}
