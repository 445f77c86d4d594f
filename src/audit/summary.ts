/** The action's `status` output. */
export type RunStatus = 'pr-opened' | 'pr-updated' | 'no-changes' | 'refused' | 'failed';

/** What the job summary reports; the lead fills it at the end of the run. */
export interface RunReport {
  readonly status: RunStatus;
  readonly task: string;
  /** `provider/model`. */
  readonly model: string;
  readonly steps: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Calls per tool name, refused ones included (`AuditLog.tally.toolCalls`). */
  readonly toolCalls: Readonly<Record<string, number>>;
  readonly refusedToolCalls: number;
  readonly changedFiles: readonly string[];
  readonly pullRequestUrl?: string;
  /** Why the run or the change was refused (trigger rules, protected paths). */
  readonly refusalReason?: string;
  /** Why the run failed, as shown to the user (`describeError`). */
  readonly failureReason?: string;
  readonly auditLogPath: string;
  /** `AuditLog.head`: lets a reader tell a complete copy of the log from a truncated one. */
  readonly auditHeadHash?: string;
  /** The artifact the log was uploaded as, or why it was not. */
  readonly auditArtifact?: string;
}

const STATUS_TITLES: Readonly<Record<RunStatus, string>> = {
  'pr-opened': 'pull request opened',
  'pr-updated': 'pull request updated',
  'no-changes': 'finished without changes',
  refused: 'refused',
  failed: 'failed',
};

/** A long task would push the results off the first screen of the summary. */
const MAX_TASK_CHARS = 2000;
const MAX_LISTED_FILES = 50;

/**
 * The job summary as Markdown. Text that came from users or the model (task, file names,
 * reasons) is shown literally in code spans and blocks, so it cannot render as links, HTML or
 * mentions. Pure: redact the result before writing it if the inputs may hold secrets.
 */
export function renderSummary(report: RunReport): string {
  const sections = [
    `## Agent run: ${STATUS_TITLES[report.status]}`,
    renderOutcome(report),
    `### Task\n\n${codeBlock(truncate(report.task, MAX_TASK_CHARS))}`,
    renderFacts(report),
    renderToolCalls(report),
    renderChangedFiles(report.changedFiles),
    renderAudit(report),
  ];
  return `${sections.filter((section) => section !== '').join('\n\n')}\n`;
}

function renderOutcome(report: RunReport): string {
  const lines: string[] = [];
  if (report.pullRequestUrl !== undefined) lines.push(`Pull request: ${report.pullRequestUrl}`);
  if (report.refusalReason !== undefined) {
    lines.push(`Refused because:\n\n${codeBlock(report.refusalReason)}`);
  }
  if (report.failureReason !== undefined) {
    lines.push(`Failed because:\n\n${codeBlock(report.failureReason)}`);
  }
  return lines.join('\n\n');
}

function renderFacts(report: RunReport): string {
  const total = report.promptTokens + report.completionTokens;
  const tokens =
    `${formatCount(report.promptTokens)} prompt + ` +
    `${formatCount(report.completionTokens)} completion = ${formatCount(total)}`;
  const rows = [
    ['Model', tableCell(codeSpan(report.model))],
    ['Steps', formatCount(report.steps)],
    ['Tokens', tokens],
  ];
  const body = rows.map(([name, value]) => `| ${name} | ${value} |`);
  return ['| | |', '| --- | --- |', ...body].join('\n');
}

function renderToolCalls(report: RunReport): string {
  const entries = Object.entries(report.toolCalls).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '### Tool calls\n\nNone.';
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  const rows = entries.map(
    ([tool, count]) => `| ${tableCell(codeSpan(tool))} | ${formatCount(count)} |`,
  );
  const refused =
    report.refusedToolCalls === 0
      ? 'None were refused.'
      : `${formatCount(report.refusedToolCalls)} refused (not enabled, or outside the working ` +
        'directory); see `tool.call` events in the audit log.';
  const table = ['| Tool | Calls |', '| --- | ---: |', ...rows].join('\n');
  return `### Tool calls (${formatCount(total)})\n\n${table}\n\n${refused}`;
}

function renderChangedFiles(files: readonly string[]): string {
  if (files.length === 0) return '### Changed files\n\nNone.';
  const listed = files.slice(0, MAX_LISTED_FILES).map((file) => `- ${codeSpan(file)}`);
  const rest = files.length - listed.length;
  if (rest > 0) listed.push(`- and ${formatCount(rest)} more`);
  return `### Changed files (${formatCount(files.length)})\n\n${listed.join('\n')}`;
}

function renderAudit(report: RunReport): string {
  const lines = [`Log: ${codeSpan(report.auditLogPath)}`];
  if (report.auditArtifact !== undefined) lines.push(`Artifact: ${codeSpan(report.auditArtifact)}`);
  if (report.auditHeadHash !== undefined) {
    lines.push(
      `Last hash: ${codeSpan(report.auditHeadHash)}. A copy of the log is this run's whole ` +
        'log only if its chain verifies and ends with this hash.',
    );
  }
  return `### Audit\n\n${lines.join('\n\n')}`;
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}\n[... ${text.length - maxChars} more characters]`;
}

/** An inline code span that holds any text literally, backticks and pipes included. */
function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const fence = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** GitHub splits table cells on `|` even inside code spans. */
function tableCell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}

function codeBlock(text: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    longest = Math.max(longest, current);
  }
  return longest;
}
