/**
 * Child processes the harness starts (servers, load generators): each runs node with the
 * soft open-file limit raised to the hard limit, talks over an IPC channel, and is stopped by
 * PID when done, on error, and on SIGINT/SIGTERM of the harness.
 */
import { ChildProcess, spawn } from 'node:child_process';

const running = new Set<ChildProcess>();
const started: number[] = [];
let signalsHooked = false;

function hookSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  const stopAll = (signal: NodeJS.Signals) => {
    for (const child of running) killChild(child);
    process.stderr.write(`bench: ${signal}, stopped ${running.size} child process(es)\n`);
    process.exit(130);
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  process.once('exit', () => { for (const child of running) killChild(child); });
}

function killChild(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}

/**
 * Starts `node [nodeArgs] script [args]` through /bin/sh so `ulimit -n` can raise the soft
 * file limit first; `exec` keeps the PID, so the child's PID is node's.
 */
export function startNode(script: string, args: string[], nodeArgs: string[] = [], env?: NodeJS.ProcessEnv): ChildProcess {
  hookSignals();
  const child = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh',
    process.execPath, ...nodeArgs, script, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: env ?? process.env,
  });
  running.add(child);
  if (child.pid !== undefined) started.push(child.pid);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Waits for the first IPC message matching `accept`, or rejects on exit or after `timeoutMs`. */
export function nextMessage<T>(child: ChildProcess, accept: (message: unknown) => message is T, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error(`${what}: no answer within ${timeoutMs} ms`)); }, timeoutMs);
    const onMessage = (message: unknown) => {
      if (accept(message)) { cleanup(); resolve(message); }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what}: process ${child.pid} exited (${signal ?? code})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Stops a child by PID (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try { process.kill(child.pid, 'SIGTERM'); } catch { return; }
  const timer = setTimeout(() => killChild(child), graceMs);
  await exited;
  clearTimeout(timer);
}

/** PIDs of every child started so far (all stopped by the time a benchmark returns). */
export function startedPids(): number[] {
  return [...started];
}
