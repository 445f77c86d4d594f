import type { getOctokit } from '@actions/github';
import { PublishError } from '../errors.ts';
import { pullRequestTitle } from './pull-request-body.ts';

/** The client `getOctokit(token, { baseUrl })` returns; a parameter so tests can aim it. */
export type GitHubClient = ReturnType<typeof getOctokit>;

export interface PullRequestRequest {
  readonly owner: string;
  readonly repo: string;
  /** The pushed branch, without `refs/heads/`. */
  readonly head: string;
  readonly base: string;
  /** The title is made from it (pullRequestTitle). */
  readonly task: string;
  /** From buildPullRequestBody. */
  readonly body: string;
  readonly draft: boolean;
  readonly labels: readonly string[];
}

export type PullRequestOutcome = 'opened' | 'updated';

export interface PublishedPullRequest {
  readonly number: number;
  readonly url: string;
  readonly outcome: PullRequestOutcome;
  /** Degraded but done: labels not applied, draft not supported. For `warning` lines. */
  readonly warnings: readonly string[];
}

/** GitHub's message when the repository or organisation forbids Actions to open PRs. */
const ACTIONS_MAY_NOT_CREATE_PRS = /not permitted to create or approve pull requests/i;
const DRAFTS_UNSUPPORTED = /draft pull requests are not supported/i;

/**
 * Opens a pull request from `head` into `base`, or updates the open one from the same head,
 * then applies the labels. A label failure does not undo the pull request: it becomes a
 * warning.
 */
export async function openOrUpdatePullRequest(
  octokit: GitHubClient,
  request: PullRequestRequest,
): Promise<PublishedPullRequest> {
  const warnings: string[] = [];
  const existing = await call('look up open pull requests', () => findOpen(octokit, request));
  const pull = existing
    ? await call('update the pull request', () => update(octokit, request, existing))
    : await call('open a pull request', () => create(octokit, request, warnings));
  await applyLabels(octokit, request, pull.number, warnings);
  return {
    number: pull.number,
    url: pull.html_url,
    outcome: existing ? 'updated' : 'opened',
    warnings,
  };
}

interface PullSummary {
  readonly number: number;
  readonly html_url: string;
}

async function findOpen(
  octokit: GitHubClient,
  request: PullRequestRequest,
): Promise<PullSummary | undefined> {
  const { data } = await octokit.rest.pulls.list({
    owner: request.owner,
    repo: request.repo,
    head: `${request.owner}:${request.head}`,
    state: 'open',
    per_page: 1,
  });
  return data[0];
}

async function update(
  octokit: GitHubClient,
  request: PullRequestRequest,
  existing: PullSummary,
): Promise<PullSummary> {
  const { data } = await octokit.rest.pulls.update({
    owner: request.owner,
    repo: request.repo,
    pull_number: existing.number,
    title: pullRequestTitle(request.task),
    body: request.body,
  });
  return data;
}

async function create(
  octokit: GitHubClient,
  request: PullRequestRequest,
  warnings: string[],
): Promise<PullSummary> {
  const fields = {
    owner: request.owner,
    repo: request.repo,
    head: request.head,
    base: request.base,
    title: pullRequestTitle(request.task),
    body: request.body,
  };
  try {
    return (await octokit.rest.pulls.create({ ...fields, draft: request.draft })).data;
  } catch (error) {
    if (!request.draft || !DRAFTS_UNSUPPORTED.test(apiMessage(error))) throw error;
    warnings.push('This repository does not support draft pull requests; opened a ready one.');
    return (await octokit.rest.pulls.create({ ...fields, draft: false })).data;
  }
}

async function applyLabels(
  octokit: GitHubClient,
  request: PullRequestRequest,
  issueNumber: number,
  warnings: string[],
): Promise<void> {
  if (request.labels.length === 0) return;
  try {
    await octokit.rest.issues.addLabels({
      owner: request.owner,
      repo: request.repo,
      issue_number: issueNumber,
      labels: [...request.labels],
    });
  } catch (error) {
    warnings.push(
      `Could not add the labels ${request.labels.join(', ')}: ${apiMessage(error)}. ` +
        'Grant `issues: write` or `pull-requests: write` to label pull requests.',
    );
  }
}

async function call<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw toPublishError(what, error);
  }
}

export function toPublishError(what: string, error: unknown): PublishError {
  const status = apiStatus(error);
  const message = apiMessage(error);
  const detail = status === undefined ? message : `HTTP ${status}: ${message}`;
  return new PublishError(`Could not ${what} (${detail}).`, hintFor(status, message), {
    cause: error,
  });
}

function hintFor(status: number | undefined, message: string): string {
  if (ACTIONS_MAY_NOT_CREATE_PRS.test(message)) {
    return (
      'Allow it in Settings → Actions → General → "Allow GitHub Actions to create and ' +
      'approve pull requests" (for the repository, or for its organisation).'
    );
  }
  if (status === 401) return 'Check the `github-token` input: GitHub did not accept it.';
  if (status === 403 || status === 404) {
    return (
      "Grant `pull-requests: write` in the workflow's `permissions`, or pass a " +
      '`github-token` that can open pull requests in this repository.'
    );
  }
  if (status === 422) {
    return 'Check `base-branch`: it must exist and differ from the pushed branch.';
  }
  return 'GitHub may be unavailable; re-run the job. If it persists, see the message above.';
}

function apiStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error)) return undefined;
  return typeof error.status === 'number' ? error.status : undefined;
}

/** The API's own message with its validation errors, which say more than the HTTP status. */
function apiMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const data = responseData(error);
  const details = Array.isArray(data?.errors)
    ? data.errors.map((item: unknown) => describeItem(item)).filter(Boolean)
    : [];
  const base = typeof data?.message === 'string' ? data.message : error.message;
  return [base, ...details].join('; ');
}

function responseData(error: Error): { message?: unknown; errors?: unknown } | undefined {
  if (!('response' in error) || typeof error.response !== 'object' || !error.response) {
    return undefined;
  }
  const data = 'data' in error.response ? error.response.data : undefined;
  return typeof data === 'object' && data !== null ? data : undefined;
}

function describeItem(item: unknown): string {
  if (typeof item === 'string') return item;
  if (typeof item === 'object' && item !== null && 'message' in item) {
    return typeof item.message === 'string' ? item.message : '';
  }
  return '';
}
