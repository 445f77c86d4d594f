import { copyFileSync, lstatSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.ts';
import type { Mount } from '../sandbox/profile.ts';
import { WORKSPACE_MOUNT } from '../sandbox/profile.ts';
import { chownTree, ROOT_CHECKOUT_SANDBOX_ID, type Owner } from './ownership.ts';
import { scrubGitConfig } from './scrub-git-config.ts';

export interface PreparedWorkspace {
  /** Host path of the repository root. */
  readonly repoRoot: string;
  /** Container path the agent is confined to. */
  readonly containerWorkdir: string;
  /** Who the sandbox runs as: the checkout's owner, or a stand-in when that is root. */
  readonly owner: Owner;
  readonly originalOwner: Owner;
  /** Gives a checkout lent to the sandbox user back to root; harmless otherwise. */
  readonly restoreOwnership: () => Promise<void>;
  readonly mounts: readonly Mount[];
  /** Config keys kept from the sandbox because they could carry credentials. */
  readonly scrubbedKeys: readonly string[];
}

export function requireGitDirectory(repoRoot: string): string {
  const gitDir = path.join(repoRoot, '.git');
  let isDirectory = false;
  try {
    isDirectory = lstatSync(gitDir).isDirectory();
  } catch {
    throw new UserError(
      `${repoRoot} is not a git checkout (no .git folder).`,
      'Run actions/checkout before this step, or run the local command inside a clone.',
    );
  }
  if (!isDirectory) {
    throw new UserError(
      `${gitDir} is a file (a worktree or submodule checkout), which is not supported yet.`,
      'Run the action on a plain clone, as actions/checkout makes.',
    );
  }
  return gitDir;
}

function requireFolder(repoRoot: string, workingDirectory: string): void {
  const folder = path.join(repoRoot, workingDirectory);
  if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(
      `working-directory '${workingDirectory}' is not a folder in the repository.`,
      'Set working-directory to an existing folder relative to the repository root.',
    );
  }
}

/**
 * The sandbox never runs as root. A checkout that belongs to root is lent to an unprivileged
 * uid for the run (which needs the action to be root too) and given back afterwards: files the
 * agent made then belong to root like the rest.
 */
async function lendToSandboxUser(root: string, original: Owner) {
  if (process.getuid?.() !== 0) {
    throw new UserError(
      `The workspace ${root} belongs to root, but the action does not run as root.`,
      'Run the job as the user that owns the checkout, or chown the checkout to it.',
    );
  }
  const sandboxUser = { uid: ROOT_CHECKOUT_SANDBOX_ID, gid: ROOT_CHECKOUT_SANDBOX_ID };
  await chownTree(root, sandboxUser);
  return { sandboxUser, restore: () => chownTree(root, original) };
}

/**
 * Decides what the sandbox may see: the working tree read-write, `.git` read-only so the agent
 * cannot plant hooks or config that would run on the host, and in place of `.git/config` a
 * copy without credentials. The copy lives outside the workspace, where the agent cannot reach.
 */
export async function prepareWorkspace(
  repoRoot: string,
  workingDirectory: string,
  scratchDir = tmpdir(),
): Promise<PreparedWorkspace> {
  const root = path.resolve(repoRoot);
  const gitDir = requireGitDirectory(root);
  requireFolder(root, workingDirectory);
  const { uid, gid } = statSync(root);
  const scrubbedConfig = path.join(mkdtempSync(path.join(scratchDir, 'agent-git-')), 'config');
  copyFileSync(path.join(gitDir, 'config'), scrubbedConfig);
  const scrubbedKeys = await scrubGitConfig(scrubbedConfig);
  // Last, so that no failure above can leave the checkout lent out.
  const lent = uid === 0 ? await lendToSandboxUser(root, { uid, gid }) : undefined;
  return {
    repoRoot: root,
    containerWorkdir: path.posix.join(WORKSPACE_MOUNT, workingDirectory),
    owner: lent?.sandboxUser ?? { uid, gid },
    originalOwner: { uid, gid },
    restoreOwnership: lent?.restore ?? (async () => undefined),
    scrubbedKeys,
    mounts: [
      { source: root, target: WORKSPACE_MOUNT, readOnly: false },
      { source: gitDir, target: `${WORKSPACE_MOUNT}/.git`, readOnly: true },
      { source: scrubbedConfig, target: `${WORKSPACE_MOUNT}/.git/config`, readOnly: true },
    ],
  };
}
