/**
 * What the low-memory parameters mean in numbers, all in KB (the guide's unit, kept at runtime
 * too; Kamailio switches to bytes there). Free memory = `memory_budget` minus what the process
 * uses; below `low_mem_threshold1` new connections are refused, below `low_mem_threshold2` reads
 * and writes fail (the guide's OpenSSL bug #1491 workaround).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { ParamStore } from './params';

/** `low_mem_threshold1 = -1`: Kamailio's 512 KB per process, for our one process plus headroom. */
export const DEFAULT_LOW_MEM_THRESHOLD1_KB = 1024;
/** `low_mem_threshold2 = -1`. */
export const DEFAULT_LOW_MEM_THRESHOLD2_KB = 512;

/** The thresholds in KB after resolving -1 to the defaults; 0 means the check is off. */
export function lowMemThresholdsKB(params: ParamStore): { threshold1: number; threshold2: number } {
  const t1 = params.get('low_mem_threshold1');
  const t2 = params.get('low_mem_threshold2');
  return {
    threshold1: t1 === -1 ? DEFAULT_LOW_MEM_THRESHOLD1_KB : t1,
    threshold2: t2 === -1 ? DEFAULT_LOW_MEM_THRESHOLD2_KB : t2,
  };
}

/** cgroup v2 and v1 memory limit files; "max" or a huge v1 value mean no limit. */
const CGROUP_LIMIT_FILES = ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes'];

/** The cgroup memory limit in bytes, or undefined when there is none. */
export function cgroupMemoryLimit(files: readonly string[] = CGROUP_LIMIT_FILES): number | undefined {
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    if (/^\d+$/.test(text)) {
      const bytes = Number(text);
      if (bytes > 0 && bytes < os.totalmem()) return bytes;
    }
    return undefined;
  }
  return undefined;
}

/**
 * The memory the thresholds are measured against, in KB: `memory_budget` when set, else the
 * cgroup memory limit, else the total system memory.
 */
export function memoryBudgetKB(params: ParamStore): number {
  const budget = params.get('memory_budget');
  if (budget > 0) return budget;
  return Math.floor((cgroupMemoryLimit() ?? os.totalmem()) / 1024);
}
