import { readFile } from 'node:fs/promises';

export interface HostHardLimits {
  readonly nofile: number;
  readonly nproc: number;
}

const UNLIMITED = 1 << 20;

/**
 * The hard rlimits this process runs under. Podman fails with "error setting rlimit" when a
 * container asks for more. Node has no getrlimit, and dash's `ulimit` lacks `-u`, so the
 * kernel's own table answers: "Max processes   <soft>   <hard>   processes".
 */
export async function readHostHardLimits(): Promise<HostHardLimits> {
  let table = '';
  try {
    table = await readFile('/proc/self/limits', 'utf8');
  } catch {
    // Not Linux: the engine runs elsewhere (a VM) and applies its own limits.
  }
  return { nofile: hardLimit(table, 'Max open files'), nproc: hardLimit(table, 'Max processes') };
}

export function hardLimit(table: string, name: string): number {
  const line = table.split('\n').find((row) => row.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  if (hard === undefined || hard === 'unlimited') return UNLIMITED;
  const value = Number(hard);
  return Number.isInteger(value) && value > 0 ? value : UNLIMITED;
}
