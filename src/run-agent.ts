import type { AgentResult } from './agent/loop.ts';
import { runAgent } from './agent/loop.ts';
import { createModelClient } from './agent/model-client.ts';
import { buildSystemPrompt, buildTaskMessage } from './agent/system-prompt.ts';
import type { AuditRecorder } from './audit/events.ts';
import type { Settings } from './config/settings.ts';
import { registerCleanup } from './lifecycle.ts';
import { startDockerSandbox } from './sandbox/docker-sandbox.ts';
import { connectEngine } from './sandbox/engine.ts';
import { readHostHardLimits } from './sandbox/host-limits.ts';
import { ensureImage } from './sandbox/image.ts';
import {
  buildContainerOptions,
  LABEL_RUN,
  LABEL_SESSION,
  WORKSPACE_MOUNT,
} from './sandbox/profile.ts';
import { createToolbox } from './tools/registry.ts';
import { prepareWorkspace, type PreparedWorkspace } from './workspace/prepare.ts';

export interface SandboxedRun {
  readonly settings: Settings;
  readonly repoRoot: string;
  /** Unique per invocation; the label the post step reaps by. */
  readonly session: string;
  /** Names the run in labels, e.g. `owner/repo#run-id`. */
  readonly runLabel: string;
  readonly scratchDir: string;
  readonly audit: AuditRecorder;
  readonly log: (message: string) => void;
  /** Aborted when the job is cancelled: the loop stops before its next model call. */
  readonly cancel: AbortSignal;
}

/** Stages 3 to 6: prepare the workspace, start the sandbox, run the agent, remove the sandbox. */
export async function runSandboxedAgent(run: SandboxedRun): Promise<AgentResult> {
  const { settings } = run;
  const workspace = await prepareWorkspace(run.repoRoot, settings.workingDirectory, run.scratchDir);
  const forget = registerCleanup(() => workspace.restoreOwnership());
  try {
    return await runInWorkspace(run, workspace);
  } finally {
    await workspace.restoreOwnership();
    forget();
  }
}

async function runInWorkspace(
  run: SandboxedRun,
  workspace: PreparedWorkspace,
): Promise<AgentResult> {
  const { settings, audit } = run;
  audit.record('workspace.prepared', {
    workingDirectory: settings.workingDirectory,
    sandboxUser: workspace.owner,
    checkoutOwner: workspace.originalOwner,
    credentialKeysHidden: workspace.scrubbedKeys,
  });

  const engine = await connectEngine(settings.engine);
  const image = await ensureImage(engine.docker, settings.image);
  run.log(
    `Sandbox engine: ${engine.kind} at ${engine.endpoint}; image ${settings.image} (${image}).`,
  );
  const request = {
    image: settings.image,
    name: `agent-sandbox-${run.session.slice(0, 12)}`,
    user: workspace.owner,
    mounts: workspace.mounts,
    limits: settings.limits,
    labels: { [LABEL_SESSION]: run.session, [LABEL_RUN]: run.runLabel },
    hostHardLimits: await readHostHardLimits(),
    engine,
    root: WORKSPACE_MOUNT,
    workdir: workspace.containerWorkdir,
  };
  const sandbox = await startDockerSandbox(engine, request);
  const forget = registerCleanup(() => sandbox.stop());
  const { HostConfig, User, Env, NetworkDisabled } = buildContainerOptions(request);
  audit.record('sandbox.start', {
    engine: engine.kind,
    container: sandbox.id,
    image: settings.image,
    user: User,
    env: Env,
    networkDisabled: NetworkDisabled,
    hostConfig: HostConfig,
  });
  run.log(`Sandbox ${sandbox.id} started as uid ${workspace.owner.uid}, network none.`);

  const budget = AbortSignal.timeout(settings.timeoutMinutes * 60_000);
  try {
    return await runAgent({
      client: createModelClient(settings.model),
      model: settings.model.name,
      systemPrompt: buildSystemPrompt({
        task: settings.task,
        workdir: workspace.containerWorkdir,
        tools: settings.tools,
        maxSteps: settings.maxSteps,
        commandTimeoutSeconds: settings.commandTimeoutSeconds,
      }),
      taskMessage: buildTaskMessage(settings.task),
      tools: createToolbox(settings.tools, {
        sandbox,
        commandTimeoutMs: settings.commandTimeoutSeconds * 1000,
      }),
      maxSteps: settings.maxSteps,
      audit,
      signal: AbortSignal.any([budget, run.cancel]),
    });
  } finally {
    await sandbox.stop();
    forget();
    audit.record('sandbox.stop', { container: sandbox.id });
  }
}
