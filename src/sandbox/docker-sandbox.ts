import type Docker from 'dockerode';
import type { Container, Exec } from 'dockerode';
import type { Duplex } from 'node:stream';
import { SandboxError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { CappedBuffer } from './output-buffer.ts';
import { buildContainerOptions, type ProfileRequest } from './profile.ts';
import type { ExecRequest, ExecResult, Sandbox } from './sandbox.ts';

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
  const options = buildContainerOptions(request);
  let container: Container | undefined;
  try {
    container = await engine.docker.createContainer(options);
    await container.start();
    return new DockerSandbox(engine.docker, container, request.root, request.workdir);
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

  /**
   * Docker has no call that kills a running exec, so a second exec, as the same user, sends
   * SIGKILL to every process it may signal: the command, its children, anything it left in the
   * background. The kernel spares PID 1, the container's keep-alive, and the killer itself.
   */
  async #killCommands(): Promise<void> {
    try {
      const killer = await this.#container.exec({
        Cmd: ['/bin/sh', '-c', 'kill -9 -1'],
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = (await killer.start({ hijack: true, stdin: false })) as Duplex;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, KILL_TIMEOUT_MS);
        stream.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        stream.on('end', () => {
          clearTimeout(timer);
          resolve();
        });
        stream.resume();
      });
    } catch {
      // The container may be gone (memory limit, removed by a signal handler): nothing to kill.
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
