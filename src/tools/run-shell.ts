import { z } from 'zod';
import type { ExecResult, SettleReport } from '../sandbox/sandbox.ts';
import { appendNote, capText } from './capping.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  formatBytes,
  SHELL_NO_OUTPUT,
  shellExitCode,
  shellFlooded,
  shellLeftovers,
  shellOutOfMemory,
  shellTimedOut,
  TOOL_DESCRIPTIONS,
  TRUNCATION_HINTS,
} from './messages.ts';
import { defineTool } from './tool.ts';

/** Kept per stream; the description promises these numbers. */
export const SHELL_STREAM_LIMITS = { maxLines: 2000, maxBytes: 50 * 1024 };

const schema = z.strictObject({
  cmd: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.cmd),
});

export const runShellTool = defineTool({
  name: 'run_shell',
  description: TOOL_DESCRIPTIONS.run_shell,
  schema,
  async run(args, runtime) {
    const result = await runtime.sandbox.exec({
      argv: ['sh', '-c', args.cmd],
      timeoutMs: runtime.commandTimeoutMs,
      maxOutputBytes: SHELL_STREAM_LIMITS.maxBytes,
    });
    const settled = await runtime.sandbox.settle();
    return formatShellResult(result, Math.round(runtime.commandTimeoutMs / 1000), settled);
  },
});

/** Exit code first, then each stream that said something, then why the command was stopped. */
export function formatShellResult(
  result: ExecResult,
  timeoutSeconds: number,
  settled: SettleReport = { leftoverProcesses: 0, oomKills: 0 },
): string {
  const parts = [shellExitCode(result.exitCode)];
  parts.push(...formatStream('stdout', result.stdout, result.droppedBytes.stdout));
  parts.push(...formatStream('stderr', result.stderr, result.droppedBytes.stderr));
  if (result.stdout.length === 0 && result.stderr.length === 0) parts.push(SHELL_NO_OUTPUT);
  let text = parts.join('\n');
  if (result.timedOut) text = appendNote(text, shellTimedOut(timeoutSeconds));
  else if (result.flooded)
    text = appendNote(text, shellFlooded(formatBytes(SHELL_STREAM_LIMITS.maxBytes)));
  if (settled.oomKills > 0) text = appendNote(text, shellOutOfMemory(settled.oomKills));
  if (settled.leftoverProcesses > 0)
    text = appendNote(text, shellLeftovers(settled.leftoverProcesses));
  return text;
}

function formatStream(label: string, data: Buffer, droppedBytes: number): string[] {
  if (data.length === 0) return [];
  const body = capText(data, {
    ...SHELL_STREAM_LIMITS,
    droppedBytes,
    hint: TRUNCATION_HINTS.shell,
  });
  return [`${label}:`, body.endsWith('\n') ? body.slice(0, -1) : body];
}
