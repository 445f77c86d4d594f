import type { CapturedChanges } from '../changes/capture.ts';
import { createGit, type Git } from '../changes/git.ts';
import type { AuditRecorder } from '../audit/events.ts';
import { branchName } from './branch.ts';
import { buildCommitMessage, createBranchCommit } from './commit.ts';
import { buildPullRequestBody } from './pull-request-body.ts';
import {
  openOrUpdatePullRequest,
  type GitHubClient,
  type PublishedPullRequest,
} from './pull-request.ts';
import { pushBranch } from './push.ts';

export interface PublishRequest {
  readonly repoRoot: string;
  readonly changes: CapturedChanges;
  readonly task: string;
  readonly summary: string;
  readonly branchPrefix: string;
  readonly runId: string;
  readonly runUrl: string;
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  readonly base: string;
  readonly draft: boolean;
  readonly labels: readonly string[];
  readonly octokit: GitHubClient;
  readonly audit: AuditRecorder;
}

export interface Published {
  readonly branch: string;
  readonly commit: string;
  readonly pullRequest: PublishedPullRequest;
}

/** Stage 8: commit the vetted change on a new branch, push it, open or update the PR. */
export async function publishChanges(request: PublishRequest): Promise<Published> {
  const git = await createGit(request.repoRoot);
  try {
    return await publishWith(git, request);
  } finally {
    await git.dispose();
  }
}

async function publishWith(git: Git, request: PublishRequest): Promise<Published> {
  const branch = branchName(request.branchPrefix, request.task, request.runId);
  const commit = await createBranchCommit(git, {
    tree: request.changes.tree,
    parent: request.changes.baseCommit,
    branch,
    message: buildCommitMessage(request.task),
  });
  const push = await pushBranch(git, { branch, token: request.token });
  request.audit.record('publish.push', {
    branch,
    commit: commit.sha,
    remote: push.remoteUrl,
    authenticated: push.authenticated,
  });
  const pullRequest = await openOrUpdatePullRequest(request.octokit, {
    owner: request.owner,
    repo: request.repo,
    head: branch,
    base: request.base,
    task: request.task,
    body: buildPullRequestBody({
      task: request.task,
      summary: request.summary,
      files: request.changes.files,
      runUrl: request.runUrl,
    }),
    draft: request.draft,
    labels: request.labels,
  });
  request.audit.record('publish.pull-request', {
    number: pullRequest.number,
    url: pullRequest.url,
    outcome: pullRequest.outcome,
    base: request.base,
    head: branch,
    warnings: pullRequest.warnings,
  });
  return { branch, commit: commit.sha, pullRequest };
}
