import type Docker from 'dockerode';
import type { Container, Exec } from 'dockerode';
import type { Duplex } from 'node:stream';
import { SandboxError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { CappedBuffer } from './output-buffer.ts';
import { buildContainerOptions, type ProfileRequest } from './profile.ts';
import type { ExecRequest, ExecResult, Sandbox, SettleReport } from './sandbox.ts';

/**
 * Kills every process but PID 1, the keep-alive's `sleep` (its pid is $1) and itself, then
 * prints how many it killed and the cgroup's OOM-kill count (cgroup v2, else v1). Zombies are
 * already dead and are left for PID 1 to reap.
 */
const SETTLE_SCRIPT = [
  'n=0',
  'for d in /proc/[0-9]*; do',
  '  p=${d#/proc/}',
  '  if [ "$p" = 1 ] || [ "$p" = "$$" ] || [ "$p" = "$1" ]; then continue; fi',
  '  read -r stat < "$d/stat" 2>/dev/null || continue',
  '  case "$stat" in *") Z "*) continue ;; esac',
  '  if kill -9 "$p" 2>/dev/null; then n=$((n+1)); fi',
  'done',
  'oom=$(sed -n "s/^oom_kill //p" /sys/fs/cgroup/memory.events 2>/dev/null)',
  'v1=/sys/fs/cgroup/memory/memory.oom_control',
  '[ -n "$oom" ] || oom=$(sed -n "s/^oom_kill //p" "$v1" 2>/dev/null)',
  'echo "$n ${oom:-0}"',
].join('\n');

/** Prints the pid of PID 1's only child right after start: the keep-alive's `sleep`. */
const KEEP_ALIVE_SCRIPT = [
  'for d in /proc/[0-9]*; do',
  '  read -r stat < "$d/stat" 2>/dev/null || continue',
  '  case "$stat" in *") "?" 1 "*) echo "${d#/proc/}" ;; esac',
  'done',
].join('\n');

/** A command that writes this many times its cap is a flood: it is killed, not drained forever. */
const FLOOD_FACTOR = 64;
/** How long a killed command's stream may take to close before the action stops waiting. */
const KILL_GRACE_MS = 5_000;
const KILL_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 30_000;

export interface StartSandboxRequest extends ProfileRequest {
  /** Container path of the repository root. */
  readonly root: string;
}

/** Creates and starts the container; on any failure, removes what was created. */
export async function startDockerSandbox(
  engine: Engine,
  request: StartSandboxRequest,
): Promise<DockerSandbox> {
  // The profile spells a few options Podman's way; the engine, not the caller, says which.
  const options = buildContainerOptions({ ...request, engine });
  let container: Container | undefined;
  try {
    container = await engine.docker.createContainer(options);
    await container.start();
    const sandbox = new DockerSandbox(engine.docker, container, request.root, request.workdir);
    await sandbox.findKeepAlive();
    return sandbox;
  } catch (error) {
    if (container) await container.remove({ force: true }).catch(() => undefined);
    throw new SandboxError(
      `The ${engine.kind} engine could not start the sandbox: ${(error as Error).message}`,
      'Check that the image has /bin/sh and that the engine allows the requested limits ' +
        '(cpus, memory, pids-limit).',
      { cause: error },
    );
  }
}

export class DockerSandbox implements Sandbox {
  readonly id: string;
  readonly root: string;
  readonly workdir: string;
  readonly #docker: Docker;
  readonly #container: Container;
  #stopped = false;
  #oomKillsSeen = 0;
  #keepAlivePid = '';

  constructor(docker: Docker, container: Container, root: string, workdir: string) {
    this.#docker = docker;
    this.#container = container;
    this.id = container.id.slice(0, 12);
    this.root = root;
    this.workdir = workdir;
  }

  get containerId(): string {
    return this.#container.id;
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    if (this.#stopped)
      throw new SandboxError('The sandbox was already removed.', 'Report this bug.');
    const started = Date.now();
    const exec = await this.#container.exec({
      Cmd: [...request.argv],
      AttachStdin: request.stdin !== undefined,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      WorkingDir: request.cwd ?? this.workdir,
    });
    const stream = (await exec.start({
      hijack: true,
      stdin: request.stdin !== undefined,
    })) as Duplex;
    const outcome = await this.#collect(stream, request);
    const exitCode = outcome.killed ? null : await this.#exitCode(exec);
    return {
      exitCode,
      stdout: outcome.stdout.contents(),
      stderr: outcome.stderr.contents(),
      timedOut: outcome.timedOut,
      flooded: outcome.flooded,
      droppedBytes: { stdout: outcome.stdout.dropped, stderr: outcome.stderr.dropped },
      durationMs: Date.now() - started,
    };
  }

  async #collect(stream: Duplex, request: ExecRequest) {
    const floodBytes = request.maxOutputBytes * FLOOD_FACTOR;
    let timedOut = false;
    let flooded = false;
    let killing: Promise<void> | undefined;
    const kill = () => {
      killing ??= this.#killCommands().then(() => {
        setTimeout(() => stream.destroy(), KILL_GRACE_MS).unref();
      });
    };
    const checkFlood = () => {
      if (!flooded && stdout.dropped + stderr.dropped > floodBytes) {
        flooded = true;
        kill();
      }
    };
    const stdout = new CappedBuffer(request.maxOutputBytes, checkFlood);
    const stderr = new CappedBuffer(request.maxOutputBytes, checkFlood);
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, request.timeoutMs);
    try {
      await new Promise<void>((resolve) => {
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', () => resolve());
        this.#docker.modem.demuxStream(stream, stdout, stderr);
        if (request.stdin !== undefined) stream.end(Buffer.from(request.stdin));
      });
    } finally {
      clearTimeout(timer);
    }
    if (killing) await killing;
    return { stdout, stderr, timedOut, flooded, killed: timedOut || flooded };
  }

  /** Called once at start, before any command could leave an orphan that PID 1 adopts. */
  async findKeepAlive(): Promise<void> {
    for (let attempt = 0; attempt < 20 && this.#keepAlivePid === ''; attempt++) {
      const output = await this.#runScript(KEEP_ALIVE_SCRIPT);
      this.#keepAlivePid = /^\d+$/.test(output.trim()) ? output.trim() : '';
      if (this.#keepAlivePid === '') await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async settle(): Promise<SettleReport> {
    const output = await this.#runScript(SETTLE_SCRIPT, this.#keepAlivePid);
    const [killed, oom] = output.trim().split(/\s+/).map(Number);
    const oomTotal = Number.isInteger(oom) ? oom! : this.#oomKillsSeen;
    const oomKills = Math.max(0, oomTotal - this.#oomKillsSeen);
    this.#oomKillsSeen = oomTotal;
    return { leftoverProcesses: Number.isInteger(killed) ? killed! : 0, oomKills };
  }

  /**
   * Docker has no call that kills a running exec, so a second exec, as the same user, kills
   * every process in the sandbox: the command, its children, anything it left in the
   * background. The kernel shields PID 1, the container's keep-alive.
   */
  async #killCommands(): Promise<void> {
    await this.#runScript(SETTLE_SCRIPT, this.#keepAlivePid);
  }

  /** Runs one of the action's own fixed scripts; an empty answer when the container is gone. */
  async #runScript(script: string, ...args: string[]): Promise<string> {
    try {
      const killer = await this.#container.exec({
        Cmd: ['/bin/sh', '-c', script, 'sh', ...args],
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = (await killer.start({ hijack: true, stdin: false })) as Duplex;
      const stdout = new CappedBuffer(4096, () => undefined);
      const stderr = new CappedBuffer(4096, () => undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, KILL_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        stream.on('close', done);
        stream.on('end', done);
        stream.on('error', done);
        this.#docker.modem.demuxStream(stream, stdout, stderr);
      });
      return stdout.contents().toString();
    } catch {
      // The container may be gone (removed by a signal handler): nothing is left to kill.
      return '';
    }
  }

  async #exitCode(exec: Exec): Promise<number | null> {
    const info = await exec.inspect();
    return info.Running ? null : info.ExitCode;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await removeContainer(this.#container);
  }
}

async function removeContainer(container: Container): Promise<void> {
  const removal = container.remove({ force: true, v: true });
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error('timed out removing the sandbox')), STOP_TIMEOUT_MS).unref();
  });
  try {
    await Promise.race([removal, timeout]);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return;
    throw error;
  }
}
