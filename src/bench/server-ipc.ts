/**
 * The messages between the harness and a benchmark server child process (Node IPC channel).
 * A server sends `ready` once listening; on `gc` it runs a full garbage collection (the child
 * runs with --expose-gc) and answers with its open connection count, so idle memory is read
 * from a settled heap; `stop` ends it. Every server exits when the harness goes away.
 */
export type ToServer = { type: 'gc' } | { type: 'stop' };
export type FromServer =
  | { type: 'ready'; port: number; name: string }
  | { type: 'gc'; connections: number }
  | { type: 'error'; message: string };

/** Wires the child side: answers gc/stop, and exits when the parent disconnects. */
export function serveHarness(connectionCount: () => number): void {
  process.on('message', (message: ToServer) => {
    if (message.type === 'gc') {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (collect) {
        collect();
        collect();
      }
      send({ type: 'gc', connections: connectionCount() });
    } else if (message.type === 'stop') {
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

export function send(message: FromServer): void {
  if (process.send) process.send(message);
}
