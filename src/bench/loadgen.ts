/**
 * The harness side of one load generator process (loadgen-child.js): requests go over IPC,
 * one at a time, each bounded by a timeout.
 */
import * as path from 'node:path';
import { ChildProcess } from 'node:child_process';
import { nextMessage, startNode, stopChild } from './children';
import { InMemoryOptions, InMemoryResult, LoadgenReply, LoadgenRequest, RunResult, TargetOptions } from './loadgen-protocol';

type Body<R> = R extends { options: infer O } ? O : never;

export class Loadgen {
  private nextId = 1;

  private constructor(private readonly child: ChildProcess, readonly fileLimit: number, readonly pid: number) {}

  /** Starts a load generator process and waits until its addon is loaded. */
  static async start(): Promise<Loadgen> {
    const child = startNode(path.join(__dirname, 'loadgen-child.js'), []);
    const ready = await nextMessage(child, (m): m is LoadgenReply => (m as LoadgenReply).id === 0, 15000, 'load generator start');
    const info = ready.result as { fileLimit: number; pid: number };
    return new Loadgen(child, info.fileLimit, info.pid);
  }

  private async request<R extends LoadgenRequest>(op: R['op'], options: Body<R>, timeoutMs: number): Promise<unknown> {
    const id = this.nextId++;
    this.child.send({ id, op, options } as LoadgenRequest);
    const reply = await nextMessage(this.child, (m): m is LoadgenReply => (m as LoadgenReply).id === id, timeoutMs, `load generator ${op}`);
    if (reply.error) throw new Error(`load generator ${op}: ${reply.error}`);
    return reply.result;
  }

  /** Full handshakes back to back (each confirmed by one OPTIONS transaction). */
  handshakes(options: TargetOptions & { concurrency: number; durationMs: number; watchPids?: number[] }): Promise<RunResult> {
    return this.request('handshakes', options, options.durationMs + 30000) as Promise<RunResult>;
  }

  /** Opens `count` connections (into `poolId` when given) and keeps them. */
  openPool(options: Partial<TargetOptions> & { count: number; concurrency: number; timeoutMs: number; poolId?: number }): Promise<RunResult> {
    return this.request('openPool', options, options.timeoutMs + 30000) as Promise<RunResult>;
  }

  /** `depth` OPTIONS transactions in flight on every connection of the pool. */
  transactions(options: { poolId: number; depth: number; durationMs: number; watchPids?: number[] }): Promise<RunResult> {
    return this.request('transactions', options, options.durationMs + 30000) as Promise<RunResult>;
  }

  /** OpenSSL alone, in memory, on the load generator's worker thread. */
  async inMemory(options: InMemoryOptions): Promise<InMemoryResult> {
    const result = await this.request('inMemory', options, options.durationMs + 30000) as InMemoryResult;
    if (result.error) throw new Error(`OpenSSL in-memory ${options.mode}: ${result.error}`);
    return result;
  }

  async closePool(poolId: number): Promise<void> {
    await this.request('closePool', { poolId }, 30000);
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
