import { execa } from 'execa';
import { UserError } from '../errors.ts';

/**
 * The uid and gid the sandbox runs as when the checkout belongs to root (self-hosted runners
 * that run as root): never 0, and above the ranges distributions give to real users.
 */
export const ROOT_CHECKOUT_SANDBOX_ID = 65532;

export interface Owner {
  readonly uid: number;
  readonly gid: number;
}

/** Changes the owner of a whole tree without following symlinks (`-h`), so none can redirect it. */
export async function chownTree(root: string, owner: Owner): Promise<void> {
  const result = await execa('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, '--', root], {
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new UserError(
      `Could not change the owner of ${root} to ${owner.uid}:${owner.gid}: ${result.stderr}`,
      'The checkout belongs to root, so the action must run as root to lend it to the ' +
        'unprivileged sandbox user; or chown the checkout to an unprivileged user first.',
    );
  }
}
