// The sandbox behaviour every engine must show, registered once and run against Docker
// (test/integration/sandbox.test.ts) and Podman (podman-sandbox.test.ts) alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { it } from 'node:test';
import { startDockerSandbox, type DockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import type { Engine } from '../../src/sandbox/engine.ts';
import type { HostHardLimits } from '../../src/sandbox/host-limits.ts';
import { LABEL_SESSION, WORKSPACE_MOUNT } from '../../src/sandbox/profile.ts';
import { BUSYBOX_IMAGE, sandboxUser } from './docker.ts';

const MIB = 1024 ** 2;
export const SANDBOX_LIMITS = { cpus: 0.5, memoryBytes: 128 * MIB, pidsLimit: 64 };
export const OUTPUT_CAP = 64 * 1024;

export interface TestSandboxOptions {
  /** Container names start with it, so a leftover shows which test file made it. */
  namePrefix: string;
  hostHardLimits: HostHardLimits;
}

/** A busybox sandbox over `workspace`, labelled with `session` so the test can reap it. */
export function startTestSandbox(
  engine: Engine,
  session: string,
  workspace: string,
  options: TestSandboxOptions,
): Promise<DockerSandbox> {
  return startDockerSandbox(engine, {
    image: BUSYBOX_IMAGE,
    name: `${options.namePrefix}${randomUUID().slice(0, 8)}`,
    user: sandboxUser(),
    mounts: [{ source: workspace, target: WORKSPACE_MOUNT, readOnly: false }],
    limits: SANDBOX_LIMITS,
    labels: { [LABEL_SESSION]: session },
    hostHardLimits: options.hostHardLimits,
    root: WORKSPACE_MOUNT,
    workdir: WORKSPACE_MOUNT,
  });
}

export function runScript(
  sandbox: DockerSandbox,
  script: string,
  timeoutMs = 10_000,
  stdin?: string,
) {
  return sandbox.exec({
    argv: ['/bin/sh', '-c', script],
    timeoutMs,
    maxOutputBytes: OUTPUT_CAP,
    ...(stdin === undefined ? {} : { stdin }),
  });
}

/** Ids of the containers, running or not, that carry the session's label. */
export async function containersOfSession(engine: Engine, session: string): Promise<string[]> {
  const list = await engine.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_SESSION}=${session}`] },
  });
  return list.map((info) => info.Id);
}

/** What the shared cases need; getters, because the describe's before() fills them in. */
export interface SandboxUnderTest {
  engine(): Engine;
  sandbox(): DockerSandbox;
  session: string;
  workspace: string;
  /** Starts another sandbox in the same session and workspace. */
  start(): Promise<DockerSandbox>;
}

/** Registers, inside the caller's describe, the cases no engine may behave differently in. */
export function itBehavesLikeASandbox(subject: SandboxUnderTest): void {
  const run = (script: string, timeoutMs?: number, stdin?: string) =>
    runScript(subject.sandbox(), script, timeoutMs, stdin);

  it('runs commands as the workspace owner, not root, in the working directory', async () => {
    const result = await run('id -u; id -g; pwd');
    const { uid, gid } = sandboxUser();
    assert.equal(result.stdout.toString(), `${uid}\n${gid}\n${WORKSPACE_MOUNT}\n`);
    assert.equal(result.exitCode, 0);
  });

  it('passes stdin through and keeps stdout and stderr apart', async () => {
    const result = await run('cat; echo oops >&2; exit 3', 10_000, 'hello\n');
    assert.equal(result.stdout.toString(), 'hello\n');
    assert.equal(result.stderr.toString(), 'oops\n');
    assert.equal(result.exitCode, 3);
  });

  it('gives the sandbox none of the runner environment', async () => {
    process.env.SANDBOX_TEST_SECRET = 'must-not-leak';
    const result = await run('env; cat /proc/1/environ | tr "\\0" "\\n"');
    const text = result.stdout.toString();
    assert.doesNotMatch(text, /must-not-leak|GITHUB_|RUNNER_|ACTIONS_|INPUT_|CONTAINER_HOST/);
    assert.match(text, /HOME=\/home\/agent/);
  });

  it('writes into the mounted workspace as the owner', async () => {
    await run('echo made-inside > inside.txt');
    const file = `${subject.workspace}/inside.txt`;
    assert.equal(readFileSync(file, 'utf8'), 'made-inside\n');
    assert.equal(statSync(file).uid, sandboxUser().uid);
  });

  it('kills a command that outlives its timeout, with everything it started', async () => {
    const result = await run('sleep 300 & sleep 300 & sleep 300', 1_500);
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.ok(result.durationMs < 10_000, `took ${result.durationMs} ms`);
    const left = await run('ps -o comm | grep -c "^sleep" || true');
    // Only the keep-alive's own sleep may remain.
    assert.ok(Number(left.stdout.toString().trim()) <= 1, left.stdout.toString());
    const again = await run('echo still-alive');
    assert.equal(again.stdout.toString(), 'still-alive\n');
  });

  it('caps output and kills a command that floods it', async () => {
    const result = await run('yes flood', 30_000);
    assert.equal(result.flooded, true);
    assert.equal(result.stdout.length, OUTPUT_CAP);
    assert.ok(result.droppedBytes.stdout > 0);
    assert.ok(result.durationMs < 20_000, `took ${result.durationMs} ms`);
  });

  it('leaves no container behind once stopped', async () => {
    const other = await subject.start();
    await other.stop();
    await other.stop();
    const left = await containersOfSession(subject.engine(), subject.session);
    assert.deepEqual(left, [subject.sandbox().containerId]);
  });
}
