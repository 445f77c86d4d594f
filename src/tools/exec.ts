import { SandboxError } from '../errors.ts';
import type { ExecResult } from '../sandbox/sandbox.ts';
import { slowOperation } from './messages.ts';
import { type ToolContext, ToolError } from './tool.ts';

/** Enough for a file the tools will show or edit, with room to notice that there is more. */
const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
/** The shell's "command not found": for a fixed script it means the image lacks a tool. */
const COMMAND_NOT_FOUND = 127;
const MAX_DETAIL_CHARS = 600;

export interface FixedCommand {
  /** A fixed program or script; every model value travels as a separate argument. */
  readonly argv: readonly string[];
  /** What the command does, for the message if it runs too long, e.g. "Reading src/a.ts". */
  readonly action: string;
  readonly stdin?: string | Uint8Array;
  readonly cwd?: string;
  readonly maxOutputBytes?: number;
}

/**
 * Runs one of the tools' own commands. A timeout becomes a `ToolError` the model can act on
 * (narrow the request); a missing program is an image problem and ends the run.
 */
export async function execFixed(context: ToolContext, command: FixedCommand): Promise<ExecResult> {
  const result = await context.sandbox.exec({
    argv: command.argv,
    stdin: command.stdin,
    cwd: command.cwd,
    timeoutMs: context.commandTimeoutMs,
    maxOutputBytes: command.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
  });
  if (result.timedOut) {
    throw new ToolError(slowOperation(command.action, Math.round(context.commandTimeoutMs / 1000)));
  }
  if (result.exitCode === COMMAND_NOT_FOUND) {
    throw new SandboxError(
      `The sandbox image lacks a program the tools need (${describeStderr(result)}).`,
      'Use an image with a POSIX shell and utilities; busybox is enough.',
    );
  }
  return result;
}

/** The command's error output, trimmed to a length the model can read at a glance. */
export function describeStderr(result: ExecResult): string {
  const text = result.stderr.toString('utf8').trim();
  if (text === '') return `exit code ${result.exitCode ?? 'none'}`;
  return text.length > MAX_DETAIL_CHARS ? `${text.slice(0, MAX_DETAIL_CHARS)} …` : text;
}
