import type Docker from 'dockerode';
import { SandboxError } from '../errors.ts';

function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number } | null)?.statusCode === 404;
}

/** Pulls the image only when the engine does not have it: a pinned, cached image costs nothing. */
export async function ensureImage(docker: Docker, image: string): Promise<'present' | 'pulled'> {
  try {
    await docker.getImage(image).inspect();
    return 'present';
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    const stream = await docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null, events: Array<{ error?: string }>) => {
          const failed = events?.find((event) => event.error);
          if (err || failed) reject(err ?? new Error(failed?.error));
          else resolve();
        },
      );
    });
    return 'pulled';
  } catch (error) {
    throw new SandboxError(
      `Could not pull the sandbox image '${image}': ${(error as Error).message}`,
      'Check the image input: the name and tag or digest must exist and be public, or be ' +
        'present on the runner already (for example built by an earlier step).',
      { cause: error },
    );
  }
}
