import * as core from '@actions/core';
import * as github from '@actions/github';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AgentResult } from './agent/loop.ts';
import { AuditLog } from './audit/audit-log.ts';
import { Redactor } from './audit/redact.ts';
import { captureChanges, type CapturedChanges } from './changes/capture.ts';
import { tryRefuseChanges, vetPolicyFor } from './changes/vet.ts';
import type { InputName } from './config/inputs.ts';
import { parseSettings } from './config/parse-settings.ts';
import type { Settings } from './config/settings.ts';
import { describeError } from './errors.ts';
import { readRunContext, resolveBaseBranch, type RunContext } from './github-context.ts';
import { publishChanges, type Published } from './publish/publish-changes.ts';
import { finishRun, type RunOutcome } from './report.ts';
import { runSandboxedAgent } from './run-agent.ts';
import { registerSecrets } from './secrets.ts';
import { describeUnfinished, publishedSummary } from './agent/stop-note.ts';
import { tryRefuseNestedRepositories } from './changes/nested-git.ts';
import { listUncommittedPaths } from './changes/uncommitted.ts';
import { describeSettings } from './config/describe-settings.ts';
import { cancellationSignal, registerCleanup } from './lifecycle.ts';
import { STATE_ENGINE, STATE_SESSION } from './state.ts';

function readActionInput(name: InputName): string {
  return core.getInput(name);
}

interface AfterAgent {
  /** Absent when the working tree was refused before git captured it. */
  readonly changes?: CapturedChanges;
  readonly published?: Published;
  /** Why the vetting refused to publish the change. */
  readonly refusal?: string;
}

/** Stages after the sandbox: capture and vet the change, then publish it if there is one. */
async function captureAndPublish(
  settings: Settings,
  context: RunContext,
  agent: AgentResult,
  audit: AuditLog,
): Promise<AfterAgent> {
  const nested = await tryRefuseNestedRepositories(context.workspace, audit);
  if (nested !== undefined) return { refusal: nested };
  const changes = await core.group('Capture changes', () => captureChanges(context.workspace));
  audit.record('changes.captured', { files: changes.files, stats: changes.stats });
  if (changes.files.length === 0) return { changes };
  const refusal = tryRefuseChanges(changes, vetPolicyFor(settings), audit);
  if (refusal !== undefined) return { changes, refusal };
  const octokit = github.getOctokit(settings.githubToken);
  const published = await core.group('Publish the pull request', async () =>
    publishChanges({
      repoRoot: context.workspace,
      changes,
      task: settings.task,
      summary: publishedSummary(agent),
      branchPrefix: settings.branchPrefix,
      runId: context.runId,
      runUrl: context.runUrl,
      token: settings.githubToken,
      owner: context.owner,
      repo: context.repo,
      base: await resolveBaseBranch(settings.baseBranch, octokit, context),
      draft: settings.draft,
      labels: settings.labels,
      octokit,
      audit,
    }),
  );
  for (const warning of published.pullRequest.warnings) core.warning(warning);
  return { changes, published };
}

/** Stage 1: settings and run context; a bad input fails the step before anything starts. */
function readConfiguration(): { settings: Settings; context: RunContext } | undefined {
  try {
    return { settings: parseSettings(readActionInput), context: readRunContext() };
  } catch (error) {
    core.setOutput('status', 'failed');
    core.setFailed(describeError(error));
    return undefined;
  }
}

/** Stages 3 to 8, filling the outcome; stops short of publishing once the job is cancelled. */
async function runStages(
  settings: Settings,
  context: RunContext,
  session: string,
  scratchDir: string,
  audit: AuditLog,
  cancel: AbortSignal,
): Promise<RunOutcome | undefined> {
  const outcome: RunOutcome = { status: 'failed' };
  try {
    await warnAboutUncommitted(context.workspace, audit);
    outcome.agent = await core.group('Run the agent in the sandbox', () =>
      runSandboxedAgent({
        settings,
        repoRoot: context.workspace,
        session,
        runLabel: `${context.owner}/${context.repo}#${context.runId}`,
        scratchDir,
        audit,
        log: core.info,
        cancel,
      }),
    );
    // Once cancelled, nothing more may leave the runner: the signal handler ends the process.
    if (cancel.aborted) return undefined;
    const unfinished = describeUnfinished(outcome.agent);
    if (unfinished !== undefined) core.warning(unfinished);
    const after = await captureAndPublish(settings, context, outcome.agent, audit);
    Object.assign(outcome, after, { status: statusOf(after) });
    // A refusal is the policy working, not an error: the step stays green, with a warning.
    if (after.refusal !== undefined) core.warning(after.refusal);
  } catch (error) {
    if (cancel.aborted) return undefined;
    outcome.status = 'failed';
    outcome.failure = describeError(error);
  }
  return outcome;
}

async function main(): Promise<void> {
  const session = randomUUID();
  core.saveState(STATE_SESSION, session);
  const configuration = readConfiguration();
  if (!configuration) return;
  const { settings, context } = configuration;
  registerSecrets([settings.model.apiKey, settings.githubToken]);
  core.saveState(STATE_ENGINE, settings.engine);

  const scratchDir = mkdtempSync(path.join(process.env.RUNNER_TEMP || tmpdir(), 'agent-run-'));
  const redactor = Redactor.create([settings.model.apiKey, settings.githubToken]);
  const audit = AuditLog.create(path.join(scratchDir, 'audit', 'audit.jsonl'), redactor);
  audit.record('run.start', describeRun(settings, context));

  const forgetCancel = registerCleanup(async () => {
    audit.record('run.end', { status: 'cancelled' });
  });
  const cancel = cancellationSignal();
  const outcome = await runStages(settings, context, session, scratchDir, audit, cancel);
  if (!outcome) return;
  forgetCancel();
  await finishRun({ settings, outcome, audit, redactor, scratchDir });
}

function statusOf(after: AfterAgent): RunOutcome['status'] {
  if (after.refusal !== undefined) return 'refused';
  return after.published ? `pr-${after.published.pullRequest.outcome}` : 'no-changes';
}

function describeRun(settings: Settings, context: RunContext): Record<string, unknown> {
  return {
    repository: `${context.owner}/${context.repo}`,
    runId: context.runId,
    event: context.eventName,
    actor: context.actor,
    task: settings.task,
    settings: describeSettings(settings),
  };
}

/** Files changed before the agent ran (an earlier step's output) end up in the change too. */
async function warnAboutUncommitted(workspace: string, audit: AuditLog): Promise<void> {
  const paths = await listUncommittedPaths(workspace);
  if (paths.length === 0) return;
  audit.record('workspace.uncommitted', { paths });
  const shown = paths.slice(0, 10).join(', ') + (paths.length > 10 ? ', ...' : '');
  core.warning(
    `${paths.length} file(s) differed from HEAD before the agent ran (${shown}); they will be ` +
      'part of the pull request. Commit them, ignore them, or run the action before the step ' +
      'that makes them.',
  );
}

main().catch((error: unknown) => {
  core.setFailed(describeError(error));
});
