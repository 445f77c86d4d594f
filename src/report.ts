import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AgentResult } from './agent/loop.ts';
import { auditArtifactName, uploadAuditArtifact } from './audit/artifact.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { Redactor } from './audit/redact.ts';
import { renderSummary, type RunStatus } from './audit/summary.ts';
import type { CapturedChanges } from './changes/capture.ts';
import type { Settings } from './config/settings.ts';
import type { Published } from './publish/publish-changes.ts';

export interface RunOutcome {
  status: RunStatus;
  agent?: AgentResult;
  changes?: CapturedChanges;
  published?: Published;
  refusal?: string;
  failure?: string;
}

export interface FinishRequest {
  readonly settings: Settings;
  readonly outcome: RunOutcome;
  readonly audit: AuditLog;
  readonly redactor: Redactor;
  readonly scratchDir: string;
}

function writeOutputs(outcome: RunOutcome, auditPath: string): void {
  const pr = outcome.published?.pullRequest;
  core.setOutput('status', outcome.status);
  core.setOutput('pr-number', pr ? String(pr.number) : '');
  core.setOutput('pr-url', pr?.url ?? '');
  core.setOutput('branch', outcome.published?.branch ?? '');
  core.setOutput('changed-files', (outcome.changes?.files ?? []).map((f) => f.path).join('\n'));
  core.setOutput('audit-log', auditPath);
  core.setOutput('steps', String(outcome.agent?.steps ?? 0));
  core.setOutput('prompt-tokens', String(outcome.agent?.promptTokens ?? 0));
  core.setOutput('completion-tokens', String(outcome.agent?.completionTokens ?? 0));
}

/** The patch goes into the artifact next to the log, so a reviewer can replay the change. */
function writePatch(outcome: RunOutcome, auditDir: string): string[] {
  // An omitted patch (a change too large to hold) leaves nothing to write.
  if (!outcome.changes || outcome.changes.patchBytes.length === 0) return [];
  const patchPath = path.join(auditDir, 'changes.patch');
  writeFileSync(patchPath, outcome.changes.patchBytes);
  return [patchPath];
}

/** Stage 9: close the audit log, set outputs, write the summary, upload the artifact. */
export async function finishRun(request: FinishRequest): Promise<void> {
  const { settings, outcome, audit, redactor } = request;
  const auditDir = path.dirname(audit.path);
  const patchFiles = writePatch(outcome, auditDir);
  audit.record('run.end', {
    status: outcome.status,
    steps: outcome.agent?.steps ?? 0,
    stopReason: outcome.agent?.stopReason ?? null,
    pullRequest: outcome.published?.pullRequest.url ?? null,
    refusal: outcome.refusal ?? null,
    failure: outcome.failure ?? null,
  });
  writeOutputs(outcome, audit.path);
  const artifact = await uploadAuditArtifact(
    auditArtifactName(settings.auditArtifact),
    [audit.path, ...patchFiles],
    auditDir,
  );
  if (artifact.status === 'failed') core.warning(`Audit artifact not uploaded: ${artifact.reason}`);
  if (artifact.status === 'skipped') core.info(`Audit artifact not uploaded: ${artifact.reason}`);
  const tally = audit.tally;
  const summary = renderSummary({
    status: outcome.status,
    task: settings.task,
    model: `${settings.model.provider}/${settings.model.name}`,
    steps: outcome.agent?.steps ?? 0,
    promptTokens: tally.promptTokens,
    completionTokens: tally.completionTokens,
    toolCalls: tally.toolCalls,
    refusedToolCalls: tally.refusedToolCalls,
    changedFiles: (outcome.changes?.files ?? []).map((f) => f.path),
    pullRequestUrl: outcome.published?.pullRequest.url,
    refusalReason: outcome.refusal,
    failureReason: outcome.failure,
    auditLogPath: audit.path,
    auditHeadHash: audit.head,
    auditArtifact:
      artifact.status === 'uploaded' ? artifact.name : `not uploaded: ${artifact.reason}`,
  });
  // Outside a runner there is no summary file; the local command prints its own report.
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(redactor.redactText(summary)).write();
  }
  if (outcome.status === 'failed') core.setFailed(outcome.failure ?? 'The run failed.');
}
