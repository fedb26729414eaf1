/** Process figures read from /proc (see proc(5)). */
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

let clockTicks = 0;

function ticksPerSecond(): number {
  if (clockTicks === 0) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime + stime of all threads of `pid` in seconds (fields 14, 15 of /proc/PID/stat). */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/**
 * `pid` and every process descended from it (parent PIDs from /proc/PID/stat, field 4): a
 * multi-process server such as Kamailio does its work in the children of the PID it reports.
 */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;  // exited while we looked
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]) ?? []));
  return tree;
}

/** Proportional set size of `pid` in bytes (/proc/PID/smaps_rollup, "Pss:" line, kB). */
export function pssBytes(pid: number): number {
  const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const match = /^Pss:\s+(\d+) kB/m.exec(rollup);
  if (!match) throw new Error(`/proc/${pid}/smaps_rollup has no Pss line`);
  return Number(match[1]) * 1024;
}

/** Load average and CPU count, to say how busy the machine was. */
export function machineLoad(): { loadavg1: number; loadavg5: number; cpus: number } {
  const [one, five] = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { loadavg1: one, loadavg5: five, cpus: require('node:os').cpus().length as number };
}

/** Busy and total CPU seconds of the whole machine so far (first line of /proc/stat). */
export function machineCpu(): { busy: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = ticks[3] + (ticks[4] || 0);
  const total = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { busy: (total - idle) / ticksPerSecond(), total: total / ticksPerSecond() };
}

/** CPU seconds of this process plus its reaped children (fields 14-17 of /proc/self/stat). */
export function ownCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return (fields[11] + fields[12] + fields[13] + fields[14]) / ticksPerSecond();
}
