import type { ChangedFile } from '../changes/capture.ts';

export type BodyFile = Pick<
  ChangedFile,
  'path' | 'status' | 'additions' | 'deletions' | 'isBinary' | 'isSymlink'
> & { readonly oldPath?: string };

export interface PullRequestBodyInput {
  readonly task: string;
  /** The agent's own account of what it did; untrusted text. Empty: none given. */
  readonly summary: string;
  readonly files: readonly BodyFile[];
  /** The workflow run, for the audit log. Empty: not known (the local command). */
  readonly runUrl: string;
}

export const TITLE_MAX_CHARS = 70;
/** GitHub refuses bodies over 65 536 characters; leave room for the fixed parts. */
const SUMMARY_MAX_CHARS = 20_000;
const TASK_MAX_CHARS = 10_000;
const FILES_LISTED_MAX = 100;
const NO_SUMMARY = '_The agent gave no summary._';
const NO_TASK = '_No task text._';

/** The task's first line, whitespace collapsed, cut to TITLE_MAX_CHARS with an ellipsis. */
export function pullRequestTitle(task: string): string {
  const firstLine = (task.trim().split('\n', 1)[0] ?? '').replace(/\s+/g, ' ').trim();
  if (firstLine === '') return 'Changes from the coding agent';
  if (firstLine.length <= TITLE_MAX_CHARS) return firstLine;
  return `${firstLine.slice(0, TITLE_MAX_CHARS - 1).trimEnd()}…`;
}

/**
 * The pull request description: summary, task, changed files, then where the run is. The
 * summary and the task are quoted so that neither can ping people or close issues on merge.
 */
export function buildPullRequestBody(input: PullRequestBodyInput): string {
  const sections = [
    ['## Summary', quoteUntrusted(input.summary, SUMMARY_MAX_CHARS) || NO_SUMMARY],
    ['## Task', quoteUntrusted(input.task, TASK_MAX_CHARS) || NO_TASK],
    [`## Changed files (${input.files.length})`, fileTable(input.files)],
    ['---', footer(input.runUrl)],
  ];
  return `${sections.map((lines) => lines.join('\n\n')).join('\n\n')}\n`;
}

function quoteUntrusted(text: string, maxChars: number): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  const capped =
    trimmed.length > maxChars
      ? `${trimmed.slice(0, maxChars)}\n\n(cut at ${maxChars} characters)`
      : trimmed;
  return neutraliseMentions(capped)
    .split('\n')
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

/**
 * A zero-width joiner after `@` keeps `@someone` readable without notifying them, and after
 * `#` keeps `fixes #12` from closing an issue when the pull request merges.
 */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(?=[A-Za-z0-9])/g, '@\u2060').replace(/#(?=\d)/g, '#\u2060');
}

function fileTable(files: readonly BodyFile[]): string {
  if (files.length === 0) return '_No files changed._';
  const rows = files.slice(0, FILES_LISTED_MAX).map(fileRow);
  const more = files.length - rows.length;
  const table = ['| File | Change | Lines |', '| --- | --- | --- |', ...rows].join('\n');
  if (more === 0) return table;
  return `${table}\n\n…and ${more} more (the patch in the audit artifact lists them all).`;
}

function fileRow(file: BodyFile): string {
  const name = file.oldPath ? `${cell(file.oldPath)} → ${cell(file.path)}` : cell(file.path);
  const kind = file.isSymlink ? `${file.status} (symlink)` : file.status;
  const lines = file.isBinary ? 'binary' : `+${file.additions} −${file.deletions}`;
  return `| ${name} | ${kind} | ${lines} |`;
}

/** A path as a table cell: code-formatted, with characters that would break the row escaped. */
function cell(path: string): string {
  const printable = path.replace(/[\u0000-\u001f\u007f]/g, '?').replace(/\|/g, '\\|');
  return printable.includes('`') ? `\`\` ${printable} \`\`` : `\`${printable}\``;
}

function footer(runUrl: string): string {
  const where = runUrl ? `[this workflow run](${runUrl})` : 'a local run';
  return (
    `Opened by the sandboxed coding agent from ${where}. The agent's changes and words are ` +
    'untrusted: review every line before merging. The audit log of the run is attached to ' +
    'the run as an artifact.'
  );
}
