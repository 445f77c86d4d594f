import type { ExecResult } from '../../src/sandbox/sandbox.ts';

/** A command's result as the sandbox reports it: a quick, quiet success unless overridden. */
export function execResult(overrides: Partial<ExecResult> = {}): ExecResult {
  return {
    exitCode: 0,
    stdout: Buffer.alloc(0),
    stderr: Buffer.alloc(0),
    timedOut: false,
    flooded: false,
    droppedBytes: { stdout: 0, stderr: 0 },
    durationMs: 5,
    ...overrides,
  };
}
