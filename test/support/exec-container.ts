import { randomUUID } from 'node:crypto';
import { chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startDockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import { WORKSPACE_MOUNT, LABEL_SESSION } from '../../src/sandbox/profile.ts';
import { reapSession } from '../../src/sandbox/reaper.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';
import type { ToolContext } from '../../src/tools/tool.ts';
import { BUSYBOX_IMAGE, makeWorkspace, requireEngine, sandboxUser } from './docker.ts';

const MIB = 1024 ** 2;

export interface ToolSandbox {
  /** Host folder mounted at /workspace: tests check outcomes here, from outside. */
  readonly workspace: string;
  readonly sandbox: Sandbox;
  readonly context: ToolContext;
  /** Removes the container and the host folder. */
  stop(): Promise<void>;
}

export interface ToolSandboxOptions {
  readonly image?: string;
  /** Sub-folder of the workspace the agent is confined to, e.g. `pkg`. */
  readonly subdir?: string;
  readonly commandTimeoutMs?: number;
}

/**
 * A real sandbox, started through the action's own engine code, with a scratch workspace that
 * the host can inspect. Fails loudly when Docker is missing.
 */
export async function startToolSandbox(options: ToolSandboxOptions = {}): Promise<ToolSandbox> {
  const engine = await requireEngine();
  const session = randomUUID();
  const workspace = makeWorkspace('tools-');
  if (options.subdir) makeOwnedFolder(workspace, options.subdir);
  const workdir = options.subdir ? `${WORKSPACE_MOUNT}/${options.subdir}` : WORKSPACE_MOUNT;
  const sandbox = await startDockerSandbox(engine, {
    image: options.image ?? BUSYBOX_IMAGE,
    name: `tools-test-${session.slice(0, 8)}`,
    user: sandboxUser(),
    mounts: [{ source: workspace, target: WORKSPACE_MOUNT, readOnly: false }],
    limits: { cpus: 1, memoryBytes: 256 * MIB, pidsLimit: 128 },
    labels: { [LABEL_SESSION]: session },
    hostHardLimits: { nofile: 4096, nproc: 4096 },
    root: WORKSPACE_MOUNT,
    workdir,
  });
  return {
    workspace,
    sandbox,
    context: { sandbox, commandTimeoutMs: options.commandTimeoutMs ?? 20_000 },
    async stop() {
      await sandbox.stop();
      await reapSession(engine.docker, session);
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/**
 * Writes files into the workspace from the host, owned by the sandbox user as a checkout would
 * be, creating folders on the way.
 */
export function seedFiles(
  workspace: string,
  files: Readonly<Record<string, string | Buffer>>,
): void {
  for (const [relative, content] of Object.entries(files)) {
    makeOwnedFolder(workspace, dirname(relative));
    const file = join(workspace, relative);
    writeFileSync(file, content);
    chownToSandboxUser(file);
  }
}

function makeOwnedFolder(workspace: string, relative: string): void {
  let current = workspace;
  for (const part of relative.split('/').filter((p) => p !== '' && p !== '.')) {
    current = join(current, part);
    mkdirSync(current, { recursive: true });
    chownToSandboxUser(current);
  }
}

function chownToSandboxUser(path: string): void {
  const { uid, gid } = sandboxUser();
  if (process.getuid?.() === 0) chownSync(path, uid, gid);
}
