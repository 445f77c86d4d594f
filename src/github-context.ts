import * as github from '@actions/github';
import { UserError } from './errors.ts';
import type { GitHubClient } from './publish/pull-request.ts';

export interface RunContext {
  readonly owner: string;
  readonly repo: string;
  readonly runId: string;
  readonly runUrl: string;
  readonly eventName: string;
  readonly actor: string;
  /** Host path of the checkout. */
  readonly workspace: string;
}

/** What the runner tells the action about this run, read once. */
export function readRunContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/');
  if (!owner || !repo) {
    throw new UserError(
      'GITHUB_REPOSITORY is not set, so this is not a GitHub Actions job.',
      "Run it from a workflow, or use the local command: 'npm run agent -- --help'.",
    );
  }
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runId = env.GITHUB_RUN_ID ?? '0';
  return {
    owner,
    repo,
    runId,
    runUrl: `${server}/${owner}/${repo}/actions/runs/${runId}`,
    eventName: env.GITHUB_EVENT_NAME ?? '',
    actor: env.GITHUB_ACTOR ?? '',
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
  };
}

/** The input, else the event's pull request base, else the repository's default branch. */
export async function resolveBaseBranch(
  input: string,
  octokit: GitHubClient,
  context: RunContext,
): Promise<string> {
  if (input !== '') return input;
  const payload = github.context.payload;
  const fromEvent = payload.pull_request?.base?.ref ?? payload.repository?.default_branch;
  if (typeof fromEvent === 'string' && fromEvent !== '') return fromEvent;
  const { data } = await octokit.rest.repos.get({ owner: context.owner, repo: context.repo });
  return data.default_branch;
}
