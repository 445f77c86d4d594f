import { execa } from 'execa';

export interface HostHardLimits {
  readonly nofile: number;
  readonly nproc: number;
}

const UNLIMITED = 1 << 20;

function parseLimit(text: string | undefined): number {
  if (!text || text.trim() === 'unlimited') return UNLIMITED;
  const value = Number(text.trim());
  return Number.isInteger(value) && value > 0 ? value : UNLIMITED;
}

/**
 * The hard rlimits this host allows. Podman fails with "error setting rlimit" when a container
 * asks for more; Node has no getrlimit, so the shell's builtin answers.
 */
export async function readHostHardLimits(): Promise<HostHardLimits> {
  const result = await execa('sh', ['-c', 'ulimit -Hn; ulimit -Hu'], { reject: false });
  const [nofile, nproc] = result.stdout.split('\n');
  return { nofile: parseLimit(nofile), nproc: parseLimit(nproc) };
}
