import { GitError } from '../changes/git.ts';
import type { Git } from '../changes/git.ts';
import { PublishError } from '../errors.ts';
import { isValidBranchName } from './branch.ts';

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** The identity GitHub shows with the Actions avatar. */
export const GITHUB_ACTIONS_BOT: GitIdentity = Object.freeze({
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com',
});

export interface CommitRequest {
  /** The captured tree (CapturedChanges.tree). */
  readonly tree: string;
  /** The base commit (CapturedChanges.baseCommit). */
  readonly parent: string;
  /** Without `refs/heads/`; must not exist yet. */
  readonly branch: string;
  readonly message: string;
  /** Author and committer. Default: GITHUB_ACTIONS_BOT. */
  readonly identity?: GitIdentity;
}

export interface CreatedCommit {
  readonly sha: string;
  readonly branch: string;
  readonly ref: string;
}

const SUBJECT_MAX_CHARS = 72;

/** A subject line from the task's first line, and the whole task as the body when it is more. */
export function buildCommitMessage(task: string): string {
  const text = task.trim();
  const firstLine = (text.split('\n', 1)[0] ?? '').replace(/\s+/g, ' ').trim();
  const subject = truncate(firstLine, SUBJECT_MAX_CHARS) || 'Apply agent changes';
  return subject === text || text === '' ? `${subject}\n` : `${subject}\n\n${text}\n`;
}

export function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars - 1).trimEnd()}…`;
}

/**
 * Commits the captured tree on a new branch with plumbing only: no checkout, no index, no
 * hooks. The branch is created only if it does not exist, so a human's branch is never moved.
 */
export async function createBranchCommit(git: Git, request: CommitRequest): Promise<CreatedCommit> {
  if (!isValidBranchName(request.branch)) {
    throw new PublishError(
      `'${request.branch}' is not a valid branch name.`,
      'Set `branch-prefix` to letters, digits, `-`, `_` and `/` only.',
    );
  }
  await refuseEmptyCommit(git, request);
  const identity = request.identity ?? GITHUB_ACTIONS_BOT;
  const sha = await git.text(['commit-tree', '--no-gpg-sign', request.tree, '-p', request.parent], {
    input: request.message,
    env: {
      GIT_AUTHOR_NAME: identity.name,
      GIT_AUTHOR_EMAIL: identity.email,
      GIT_COMMITTER_NAME: identity.name,
      GIT_COMMITTER_EMAIL: identity.email,
    },
  });
  const ref = `refs/heads/${request.branch}`;
  await createRef(git, ref, sha);
  return { sha, branch: request.branch, ref };
}

async function refuseEmptyCommit(git: Git, request: CommitRequest): Promise<void> {
  const parentTree = await git.text(['rev-parse', '--verify', `${request.parent}^{tree}`]);
  if (parentTree === request.tree) {
    throw new PublishError(
      'There is nothing to commit: the captured tree equals the base.',
      'Report the run as `no-changes` instead of publishing it.',
    );
  }
}

async function createRef(git: Git, ref: string, sha: string): Promise<void> {
  try {
    // An empty old value makes update-ref fail if the ref already exists.
    await git.run(['update-ref', '-m', 'agent: create branch', ref, sha, '']);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new PublishError(
      `Could not create ${ref}: ${error.stderr.trim() || error.message}`,
      'A branch of that name already exists locally; delete it or change `branch-prefix`.',
      { cause: error },
    );
  }
}
