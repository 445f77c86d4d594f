import { setSecret } from '@actions/core';
import { GitError } from '../changes/git.ts';
import type { Git, GitConfigEntry } from '../changes/git.ts';
import { PublishError } from '../errors.ts';

export interface PushRequest {
  readonly branch: string;
  /** Used only when the remote is http(s). Empty: push without credentials. */
  readonly token: string;
  /** Default: `origin`. */
  readonly remote?: string;
  /**
   * Replace the remote branch if it exists. Default: true, because the name carries the run
   * id, so an existing branch is this run's own from an earlier attempt.
   */
  readonly force?: boolean;
  /** Default: 300 000. */
  readonly timeoutMs?: number;
  /** Registers a derived secret for log masking. Default: `setSecret` from @actions/core. */
  readonly registerSecret?: (value: string) => void;
}

export interface PushResult {
  readonly remote: string;
  /** The remote's push URL with any user information removed. */
  readonly remoteUrl: string;
  readonly ref: string;
  readonly authenticated: boolean;
}

const PUSH_TIMEOUT_MS = 300_000;

/**
 * Pushes `refs/heads/<branch>` to the remote. The token reaches git only through environment
 * variables (see authConfig), never argv or a file, and the repository's own credentials
 * (hooks and helpers are off; a stale extraheader is cleared) are never used.
 */
export async function pushBranch(git: Git, request: PushRequest): Promise<PushResult> {
  const remote = request.remote ?? 'origin';
  const url = await readPushUrl(git, remote);
  const authenticated = isHttpUrl(url) && request.token !== '';
  const config = authenticated ? authConfig(url, request.token) : [];
  if (authenticated) registerHeaderSecrets(request, config);
  const ref = `refs/heads/${request.branch}`;
  const refspec = `${request.force === false ? '' : '+'}${ref}:${ref}`;
  try {
    await git.run(['push', '--no-verify', '--recurse-submodules=no', remote, refspec], {
      config,
      timeoutMs: request.timeoutMs ?? PUSH_TIMEOUT_MS,
    });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw pushError(error, request.token, redactUrl(url));
  }
  return { remote, remoteUrl: redactUrl(url), ref, authenticated };
}

async function readPushUrl(git: Git, remote: string): Promise<string> {
  try {
    // get-url applies insteadOf and pushInsteadOf, so the URL is the one git will contact.
    return await git.text(['remote', 'get-url', '--push', '--end-of-options', remote]);
  } catch (error) {
    throw new PublishError(
      `The repository has no remote named '${remote}'.`,
      'Check the repository out with actions/checkout so that `origin` points at GitHub.',
      { cause: error },
    );
  }
}

export function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/**
 * Config that makes git send exactly one Authorization header to `url`. An empty value first
 * clears the extraheader list, so the one actions/checkout left in .git/config (or an
 * included credentials file) is not sent as a second, stale header. The key is the full URL,
 * the most specific match git can make, so no entry in the repository's config outranks it.
 */
export function authConfig(url: string, token: string): GitConfigEntry[] {
  const key = `http.${url}.extraheader`;
  return [
    [key, ''],
    [key, `AUTHORIZATION: basic ${basicCredential(token)}`],
  ];
}

export function basicCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64');
}

function registerHeaderSecrets(request: PushRequest, config: GitConfigEntry[]): void {
  const register = request.registerSecret ?? setSecret;
  register(basicCredential(request.token));
  for (const [, value] of config) if (value !== '') register(value);
}

/** Removes `user:password@` from a URL so it can be logged. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

interface PushFailure {
  readonly pattern: RegExp;
  readonly what: string;
  readonly hint: string;
}

/** Git's messages for the failures a user can fix, most specific first. */
const PUSH_FAILURES: readonly PushFailure[] = [
  {
    pattern: /refusing to allow .* to create or update workflow/i,
    what: 'GitHub refused a change to a workflow file',
    hint:
      'The token needs the `workflows` permission to change `.github/workflows`; keep ' +
      'those paths in `protected-paths` or use a token that has it.',
  },
  {
    pattern: /GH006|protected branch/i,
    what: 'a branch protection rule refused the push',
    hint: 'Change `branch-prefix` to a prefix that no protection rule matches.',
  },
  {
    pattern: /\b403\b|permission to .* denied|write access to repository not granted/i,
    what: 'the token may not push to this repository',
    hint:
      "Grant `contents: write` in the workflow's `permissions`, or pass a " +
      '`github-token` that can push.',
  },
  {
    pattern: /\b401\b|authentication failed|could not read (username|password)/i,
    what: 'the remote did not accept the credentials',
    hint: 'Check the `github-token` input: it must be a valid token for this repository.',
  },
  {
    pattern: /\[rejected\]|non-fast-forward|fetch first|\[remote rejected\]/i,
    what: 'the remote rejected the branch',
    hint: 'A branch of that name exists on the remote; delete it or change `branch-prefix`.',
  },
];

function pushError(error: GitError, token: string, url: string): PublishError {
  const stderr = scrub(error.stderr, token).trim();
  const known = PUSH_FAILURES.find((failure) => failure.pattern.test(stderr));
  const what = known?.what ?? (error.timedOut ? 'the push timed out' : 'git push failed');
  return new PublishError(
    `Could not push to ${url}: ${what}.${stderr ? `\n${stderr}` : ''}`,
    known?.hint ?? 'Check that the remote is reachable and that the token may push to it.',
  );
}

/** Git does not print headers, but a remote's message could echo anything back. */
function scrub(text: string, token: string): string {
  if (token === '') return text;
  return text.split(token).join('***').split(basicCredential(token)).join('***');
}
