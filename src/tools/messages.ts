/**
 * Every sentence a model reads from the tools: descriptions, argument errors, refusals and
 * truncation notes. They are product surface: each says what happened and what to do next,
 * in the tool's own vocabulary, and never blames.
 */
import type { ToolName } from '../config/settings.ts';

export const TOOL_DESCRIPTIONS: Readonly<Record<ToolName, string>> = {
  read_file:
    'Read a whole text file. Paths are relative to the working directory. Long files are cut ' +
    'after 2000 lines or 50 KiB with a note; read further with read_lines. Binary files are ' +
    'refused.',
  read_lines:
    'Read a range of lines from a text file, numbered from 1, both ends included: use it for ' +
    'part of a long file or to copy exact text for edit_file. Each line is shown as its number, ' +
    'a tab, then the text; the number and tab are not part of the file.',
  write_file:
    'Create a file, or replace everything in it, with the given content. Missing parent ' +
    'folders are created. Returns a short diff of what changed. To change part of an existing ' +
    'file, edit_file is safer.',
  edit_file:
    'Replace one exact piece of text in a file. old_string must match the file exactly, ' +
    'whitespace and indentation included, and occur exactly once: add surrounding lines until ' +
    'it is unique. If it matches nowhere or more than once, nothing changes and the error shows ' +
    'where. Returns a short diff.',
  grep:
    'Search file contents with a regular expression (extended syntax, as grep -E). Returns ' +
    'matching lines as path:line:text, paths relative to the working directory. Searches the ' +
    'whole working directory unless path names a folder or file. Skips .git, and also files ' +
    'ignored by .gitignore when the sandbox has ripgrep.',
  find:
    'Find files whose name matches a glob such as "*.ts", or whose path matches when the glob ' +
    'contains "/" (e.g. "docs/*.md"). Lists files only, as paths relative to the working ' +
    'directory, sorted. Skips .git, and also files ignored by .gitignore when the sandbox has ' +
    'ripgrep.',
  run_shell:
    'Run a command with sh -c in the working directory, inside the sandbox, as the sandbox user. ' +
    'Returns the exit code, stdout and stderr. A command that runs past the command timeout is ' +
    'killed with everything it started. Output is cut after 2000 lines or 50 KiB per stream: ' +
    'for long output, redirect it to a file and search that with grep.',
};

export const ARGUMENT_DESCRIPTIONS = {
  filePath: 'File path relative to the working directory, e.g. "src/index.ts".',
  writePath:
    'File path relative to the working directory, e.g. "src/new-module.ts". Missing folders ' +
    'are created.',
  startLine: 'First line to show; lines are numbered from 1.',
  endLine: 'Last line to show, included. Default: start_line + 1999 or the end of the file.',
  content: 'The complete new content of the file.',
  oldString:
    'The exact text to replace, copied from the file, without the line numbers read_lines adds.',
  newString: 'The text to put in its place; an empty string deletes old_string.',
  grepPattern:
    'Regular expression to search for (extended syntax). It is always a pattern, even when it ' +
    'starts with "-".',
  searchPath:
    'Folder or file to search, relative to the working directory. Default: the whole working ' +
    'directory.',
  fileGlob: 'Only search files whose name matches this glob, e.g. "*.py".',
  caseSensitive: 'Whether case must match. Default: true.',
  maxResults: 'Most matching lines to return, from 1 to 1000. Default: 100.',
  findPattern: 'Glob for file names, e.g. "*.md", or for paths when it contains "/".',
  findPath: 'Folder to look in, relative to the working directory. Default: the working directory.',
  maxDepth: 'How many folder levels below path to look; 1 means only its direct contents.',
  cmd: 'The shell command, run with sh -c.',
} as const;

// Dispatch refusals

export function toolNotEnabled(name: string, enabled: readonly string[]): string {
  const list = enabledList(enabled);
  return `The tool "${name}" is not enabled in this run, so nothing was done. ${list}`;
}

export function unknownTool(name: string, enabled: readonly string[]): string {
  return `There is no tool named "${name}". ${enabledList(enabled)}`;
}

function enabledList(enabled: readonly string[]): string {
  if (enabled.length === 0) return 'No tools are enabled in this run.';
  return `Enabled tools: ${enabled.join(', ')}.`;
}

// Argument errors

export function malformedJson(tool: string, detail: string, signature: string): string {
  return (
    `The arguments for ${tool} are not valid JSON (${detail}), so nothing was done. ` +
    `Send one JSON object: ${signature}.`
  );
}

export function invalidArguments(
  tool: string,
  problems: readonly string[],
  signature: string,
): string {
  const list = problems.map((problem) => `- ${problem}`).join('\n');
  return `Invalid arguments for ${tool}, so nothing was done:\n${list}\nExpected: ${signature}.`;
}

export const ARGUMENT_PROBLEMS = {
  notAnObject: (received: string) => `the arguments must be a JSON object, not ${received}`,
  missing: (name: string, expected: string) => `"${name}" is required (${expected})`,
  wrongType: (name: string, expected: string, received: string) =>
    `"${name}" must be ${expected}, not ${received}`,
  tooSmall: (name: string, minimum: string) => `"${name}" must be at least ${minimum}`,
  tooBig: (name: string, maximum: string) => `"${name}" must be at most ${maximum}`,
  empty: (name: string) => `"${name}" must not be empty`,
  unknown: (names: readonly string[], accepted: readonly string[]) =>
    `unknown argument${names.length > 1 ? 's' : ''} ${names.map((n) => `"${n}"`).join(', ')}; ` +
    `this tool takes ${accepted.map((n) => `"${n}"`).join(', ')}`,
  endBeforeStart: 'end_line must not be smaller than start_line',
  sameStrings: 'old_string and new_string are identical, so the edit would change nothing',
  emptyOldString:
    'old_string must not be empty; to create a file or replace all of it, use write_file',
} as const;

// Paths

export function pathOutside(raw: string, workdir: string): string {
  return (
    `Refused: "${raw}" is outside the working directory ${workdir}. Every path must stay ` +
    'inside it; give paths relative to it, such as "src/index.ts".'
  );
}

export function pathLinksOutside(raw: string, resolved: string, workdir: string): string {
  return (
    `Refused: "${raw}" leads through a symbolic link to ${resolved}, which is outside the ` +
    `working directory ${workdir}. Only files inside it can be used.`
  );
}

export function pathHasControlCharacters(raw: string): string {
  const shown = JSON.stringify(raw);
  return `Refused: the path ${shown} contains a newline or another control character.`;
}

export function pathDanglingLink(raw: string, target: string): string {
  return (
    `Refused: "${raw}" leads through a symbolic link to ${JSON.stringify(target)}, which does ` +
    'not resolve to a place inside the working directory. Use the file the link means directly.'
  );
}

export function pathUnresolvable(raw: string, detail: string): string {
  return `Could not resolve the path "${raw}" in the sandbox: ${detail}`;
}

export function insideGitFolder(raw: string): string {
  return (
    `Refused: "${raw}" is inside .git, which the tools do not change. Edit the project's files; ` +
    'the action records and commits your changes itself.'
  );
}

export function noSuchFile(path: string): string {
  const name = path.split('/').pop() ?? path;
  return `There is no file at "${path}". To look for it, use find with the pattern "${name}".`;
}

export function noSuchFolder(path: string): string {
  return `There is no file or folder at "${path}".`;
}

export function isFolder(path: string): string {
  return `"${path}" is a folder, not a file. Use find to see what is in it.`;
}

export function notRegularFile(path: string): string {
  return `"${path}" is not a regular file (maybe a device, socket or pipe), so it was not opened.`;
}

export function notAFolder(path: string): string {
  return `"${path}" is a file, not a folder. Give its folder instead, or use grep to search it.`;
}

// Reading

export function binaryFile(path: string, size: string): string {
  return (
    `"${path}" looks like a binary file (${size}, with NUL bytes), and these tools only show ` +
    'text. If you need its bytes and run_shell is enabled, inspect it with od or strings.'
  );
}

export function emptyFile(path: string): string {
  return `"${path}" is empty.`;
}

export function startPastEnd(path: string, startLine: number, totalLines: number): string {
  if (totalLines === 0) return `"${path}" is empty, so it has no line ${startLine}.`;
  return (
    `"${path}" has ${totalLines} line${totalLines === 1 ? '' : 's'}, so there is no line ` +
    `${startLine}. Ask for a start_line between 1 and ${totalLines}.`
  );
}

export function linesShown(path: string, first: number, last: number, total: number): string {
  return `[${path}: lines ${first}-${last} of ${total}]`;
}

export const TRUNCATION_HINTS = {
  readFile: 'read the rest in ranges with read_lines',
  readLines: 'ask for a smaller range',
  grep: 'narrow the search with path, file_glob or a more specific pattern',
  find: 'narrow it with path, max_depth or a more specific pattern',
  shell: 'redirect the output to a file and search it with grep or read parts with read_lines',
  diff: 'the file was written in full; read it with read_lines to check the rest',
} as const;

export interface TruncationFacts {
  readonly shownLines: number;
  /** Unknown when part of the output never reached the action. */
  readonly totalLines: number | undefined;
  readonly shownBytes: number;
  /** Present when the cut was by bytes. */
  readonly totalBytes: number | undefined;
  readonly hint: string;
}

export function truncationNote(facts: TruncationFacts): string {
  const lines = `${facts.shownLines} line${facts.shownLines === 1 ? '' : 's'}`;
  const shownBytes = formatBytes(facts.shownBytes);
  const shown =
    facts.totalLines === undefined
      ? `the first ${lines} (${shownBytes}) of ${formatBytes(facts.totalBytes ?? 0)}`
      : `${facts.shownLines} of ${facts.totalLines} line${facts.totalLines === 1 ? '' : 's'}` +
        (facts.totalBytes === undefined
          ? ''
          : `, ${shownBytes} of ${formatBytes(facts.totalBytes)}`);
  return `[output truncated: showed ${shown}; ${facts.hint}]`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

// Writing and editing

export function fileCreated(path: string, lines: number): string {
  return `Created "${path}" (${lines} line${lines === 1 ? '' : 's'}).`;
}

export function fileUpdated(path: string): string {
  return `Updated "${path}".`;
}

export function fileUnchanged(path: string): string {
  return `"${path}" already had exactly this content; nothing changed.`;
}

export function fileEdited(path: string, line: number): string {
  return `Edited "${path}" at line ${line}.`;
}

export function previousContentTooLarge(size: string): string {
  return `(The previous content, ${size}, is too large to diff.)`;
}

export function binaryReplaced(size: string): string {
  return `(It replaced binary content of ${size}.)`;
}

export function fileTooLargeToEdit(path: string, size: string, limit: string): string {
  return (
    `"${path}" is ${size}, more than edit_file handles (${limit}). ` +
    'If run_shell is enabled, change it with a command such as sed.'
  );
}

export function oldStringNotFound(path: string, closest: readonly NumberedLine[]): string {
  const base = `old_string was not found in "${path}", so nothing changed.`;
  const near =
    closest.length === 0
      ? ' No line resembles its first line.'
      : `\nThe closest lines to its first line are:\n${formatNumbered(closest)}`;
  return (
    `${base}${near}\nCopy the text exactly, whitespace and indentation included; ` +
    'read_lines shows the current text.'
  );
}

export function oldStringHasLineNumbers(): string {
  return 'old_string seems to include line numbers from read_lines: leave them out.';
}

export function oldStringAmbiguous(path: string, lines: readonly number[]): string {
  const shown = lines.slice(0, 20).join(', ');
  const more = lines.length > 20 ? `, and ${lines.length - 20} more` : '';
  return (
    `old_string occurs ${lines.length} times in "${path}" (starting on lines ${shown}${more}), ` +
    'so nothing changed. Include more of the surrounding text so it matches exactly once.'
  );
}

export interface NumberedLine {
  readonly number: number;
  readonly text: string;
}

export function formatNumbered(lines: readonly NumberedLine[]): string {
  return lines.map((line) => `${String(line.number).padStart(6)}\t${line.text}`).join('\n');
}

export function writeFailed(path: string, detail: string): string {
  return `Could not write "${path}": ${detail}`;
}

export function readFailed(path: string, detail: string): string {
  return `Could not read "${path}": ${detail}`;
}

// Searching

export function noMatches(pattern: string, path: string, fileGlob?: string): string {
  const files = fileGlob === undefined ? '' : ` (files matching ${JSON.stringify(fileGlob)})`;
  return `No matches for ${JSON.stringify(pattern)} in "${path}"${files}.`;
}

export function matchesCapped(shown: number): string {
  return (
    `[showed the first ${shown} matches; there are more. Raise max_results (up to 1000) or ` +
    'narrow the search with path, file_glob or a more specific pattern]'
  );
}

export function searchFailed(detail: string): string {
  return `The search failed: ${detail}`;
}

export function noFilesFound(pattern: string, path: string): string {
  return `No files match ${JSON.stringify(pattern)} in "${path}".`;
}

export function listingIncomplete(): string {
  return '[the listing was too long to collect in full; narrow it with path, max_depth or pattern]';
}

// Shell

export function shellTimedOut(seconds: number): string {
  return (
    `[the command was killed after ${seconds} s, the command timeout, together with everything ` +
    'it started. Split the work into shorter commands, or limit what it does (fewer tests, a ' +
    'smaller folder).]'
  );
}

export function shellLeftovers(count: number): string {
  const what = count === 1 ? '1 process' : `${count} processes`;
  return (
    `[${what} the command left running in the background ${count === 1 ? 'was' : 'were'} ` +
    'stopped: nothing outlives the command that started it. Run servers and watchers in the ' +
    'foreground of the command that needs them.]'
  );
}

export function shellOutOfMemory(count: number): string {
  const what = count === 1 ? 'a process' : `${count} processes`;
  return (
    `[the sandbox's memory limit was hit and the kernel killed ${what} (exit code 137 means ` +
    'this). Use less memory: process data in smaller parts, or run fewer things at once.]'
  );
}

export function shellFlooded(kept: string): string {
  return (
    `[the command was killed because it kept writing output far past the ${kept} kept per ` +
    'stream. Redirect the output to a file and search it with grep.]'
  );
}

export function shellExitCode(code: number | null): string {
  return code === null ? 'exit code: none (killed)' : `exit code: ${code}`;
}

export const SHELL_NO_OUTPUT = '(no output)';

export function slowOperation(action: string, seconds: number): string {
  return (
    `${action} took longer than ${seconds} s and was stopped. Ask for less: a smaller folder, ` +
    'a file_glob, or a range of lines.'
  );
}

export function notUtf8(path: string): string {
  return (
    `"${path}" is not valid UTF-8 text, so edit_file cannot change it without corrupting it. ` +
    'If run_shell is enabled, change it with a command such as sed.'
  );
}
