import type Docker from 'dockerode';
import { LABEL_SESSION } from './profile.ts';

/**
 * Removes every container labelled with this session, whatever state it is in. The post step
 * calls it after a crash or a cancellation left one behind; it is harmless when none is left.
 */
export async function reapSession(docker: Docker, session: string): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_SESSION}=${session}`] },
  });
  const removed: string[] = [];
  for (const info of containers) {
    try {
      await docker.getContainer(info.Id).remove({ force: true, v: true });
      removed.push(info.Id.slice(0, 12));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return removed;
}
