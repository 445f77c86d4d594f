/**
 * The one way the action touches anything the model controls: a running container with the
 * workspace mounted. Every tool goes through `exec`; the host never opens a path the model named.
 */
export interface Sandbox {
  /** Short container id, for log lines. */
  readonly id: string;
  /** Absolute container path the agent is confined to, e.g. `/workspace` or `/workspace/pkg`. */
  readonly workdir: string;
  /** Absolute container path of the repository root (`/workspace`). */
  readonly root: string;
  exec(request: ExecRequest): Promise<ExecResult>;
  /**
   * Kills every process still running in the sandbox (what a command left in the background)
   * and reports what the limits did since the last call.
   */
  settle(): Promise<SettleReport>;
  /** Removes the container. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface ExecRequest {
  /** Program and arguments; never joined into a shell string by the sandbox. */
  readonly argv: readonly string[];
  /** Written to the command's standard input, then closed. */
  readonly stdin?: string | Uint8Array;
  /** Container path to run in; defaults to `workdir`. */
  readonly cwd?: string;
  /** Wall-clock limit; on expiry the command and everything it started are killed. */
  readonly timeoutMs: number;
  /**
   * Bytes kept of each stream; the rest is counted and dropped. A command that keeps writing
   * far past this is killed as a flood (see `flooded`).
   */
  readonly maxOutputBytes: number;
}

export interface ExecResult {
  /** Null when the command was killed before it exited. */
  readonly exitCode: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly timedOut: boolean;
  /** Killed because it wrote far more than `maxOutputBytes`. */
  readonly flooded: boolean;
  /** Bytes dropped past `maxOutputBytes`, per stream. */
  readonly droppedBytes: { readonly stdout: number; readonly stderr: number };
  readonly durationMs: number;
}

export interface SettleReport {
  /** Processes that were still running and were killed. */
  readonly leftoverProcesses: number;
  /** Processes the kernel killed for exceeding the memory limit since the last settle. */
  readonly oomKills: number;
}
