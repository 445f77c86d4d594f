import { z } from 'zod';
import { capLineLength, capText, decodeUtf8Prefix, RESULT_LIMITS, splitLines } from './capping.ts';
import { describeStderr, execFixed } from './exec.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  ARGUMENT_PROBLEMS,
  binaryFile,
  formatBytes,
  formatNumbered,
  linesShown,
  readFailed,
  startPastEnd,
  TOOL_DESCRIPTIONS,
  TRUNCATION_HINTS,
} from './messages.ts';
import { type ConfinedPath, confinePath } from './paths.ts';
import { looksBinary, requireFile } from './sandbox-files.ts';
import { defineTool, type ToolContext, ToolError } from './tool.ts';

const MAX_LINE_NUMBER = 1_000_000_000;
/** Room for a full page of long lines; what is beyond is capped and noted. */
const READ_LINES_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

const lineNumber = z.int().min(1).max(MAX_LINE_NUMBER);

const schema = z
  .strictObject({
    path: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.filePath),
    start_line: lineNumber.describe(ARGUMENT_DESCRIPTIONS.startLine),
    end_line: lineNumber.optional().describe(ARGUMENT_DESCRIPTIONS.endLine),
  })
  .refine((args) => args.end_line === undefined || args.end_line >= args.start_line, {
    message: ARGUMENT_PROBLEMS.endBeforeStart,
    path: ['end_line'],
  });

export const readLinesTool = defineTool({
  name: 'read_lines',
  description: TOOL_DESCRIPTIONS.read_lines,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path);
    requireFile(path);
    const last = args.end_line ?? args.start_line + RESULT_LIMITS.maxLines - 1;
    const range = await readRange(runtime, path, args.start_line, last);
    if (args.start_line > range.totalLines) {
      throw new ToolError(startPastEnd(path.display, args.start_line, range.totalLines));
    }
    if (looksBinary(range.data)) {
      throw new ToolError(binaryFile(path.display, formatBytes(range.data.length)));
    }
    const numbered = `${numberLines(decodeRange(range), args.start_line)}\n`;
    const body = capText(numbered, {
      droppedBytes: range.droppedBytes,
      hint: TRUNCATION_HINTS.readLines,
    });
    if (body !== numbered) return body;
    const shownLast = Math.min(last, range.totalLines);
    return `${body}${linesShown(path.display, args.start_line, shownLast, range.totalLines)}`;
  },
});

function decodeRange(range: LineRange): string {
  return range.droppedBytes > 0 ? decodeUtf8Prefix(range.data) : range.data.toString('utf8');
}

function numberLines(text: string, first: number): string {
  const lines = splitLines(capLineLength(text)).map((line, index) => ({
    number: first + index,
    text: line.replace(/\r?\n$/, ''),
  }));
  return formatNumbered(lines);
}

interface LineRange {
  readonly totalLines: number;
  readonly data: Buffer;
  readonly droppedBytes: number;
}

/** Counts the lines (awk counts a last line without a newline) and prints the range. */
async function readRange(
  context: ToolContext,
  path: ConfinedPath,
  first: number,
  last: number,
): Promise<LineRange> {
  const script = 'awk "END { print NR }" "$1" && sed -n -e "$2,$3p" -e "$3q" -- "$1"';
  const result = await execFixed(context, {
    argv: ['sh', '-c', script, 'sh', path.real, String(first), String(last)],
    action: `Reading "${path.display}"`,
    maxOutputBytes: READ_LINES_MAX_OUTPUT_BYTES,
  });
  if (result.exitCode !== 0) throw new ToolError(readFailed(path.display, describeStderr(result)));
  const countEnd = result.stdout.indexOf('\n');
  return {
    totalLines: Number.parseInt(result.stdout.subarray(0, countEnd).toString('latin1'), 10),
    data: result.stdout.subarray(countEnd + 1),
    droppedBytes: result.droppedBytes.stdout,
  };
}
