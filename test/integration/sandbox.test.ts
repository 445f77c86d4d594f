import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { reapSession } from '../../src/sandbox/reaper.ts';
import { startDockerSandbox, type DockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import type { Engine } from '../../src/sandbox/engine.ts';
import { LABEL_SESSION, WORKSPACE_MOUNT } from '../../src/sandbox/profile.ts';
import {
  BUSYBOX_IMAGE,
  containersWithLabel,
  makeWorkspace,
  requireEngine,
  sandboxUser,
} from '../support/docker.ts';

const MIB = 1024 ** 2;

async function start(engine: Engine, session: string, workspace: string) {
  return startDockerSandbox(engine, {
    image: BUSYBOX_IMAGE,
    name: `sandbox-test-${randomUUID().slice(0, 8)}`,
    user: sandboxUser(),
    mounts: [{ source: workspace, target: WORKSPACE_MOUNT, readOnly: false }],
    limits: { cpus: 0.5, memoryBytes: 128 * MIB, pidsLimit: 64 },
    labels: { [LABEL_SESSION]: session },
    hostHardLimits: { nofile: 4096, nproc: 4096 },
    root: WORKSPACE_MOUNT,
    workdir: WORKSPACE_MOUNT,
  });
}

function run(sandbox: DockerSandbox, script: string, timeoutMs = 10_000, stdin?: string) {
  return sandbox.exec({
    argv: ['/bin/sh', '-c', script],
    timeoutMs,
    maxOutputBytes: 64 * 1024,
    ...(stdin === undefined ? {} : { stdin }),
  });
}

describe('docker sandbox', () => {
  let engine: Engine;
  let sandbox: DockerSandbox;
  const session = randomUUID();
  const workspace = makeWorkspace();

  before(async () => {
    engine = await requireEngine();
    sandbox = await start(engine, session, workspace);
  });
  after(async () => {
    await sandbox?.stop();
    if (engine) await reapSession(engine.docker, session);
  });

  it('runs commands as the workspace owner, not root, in the working directory', async () => {
    const result = await run(sandbox, 'id -u; id -g; pwd');
    const { uid, gid } = sandboxUser();
    assert.equal(result.stdout.toString(), `${uid}\n${gid}\n${WORKSPACE_MOUNT}\n`);
    assert.equal(result.exitCode, 0);
  });

  it('passes stdin through and keeps stdout and stderr apart', async () => {
    const result = await run(sandbox, 'cat; echo oops >&2; exit 3', 10_000, 'hello\n');
    assert.equal(result.stdout.toString(), 'hello\n');
    assert.equal(result.stderr.toString(), 'oops\n');
    assert.equal(result.exitCode, 3);
  });

  it('gives the sandbox none of the runner environment', async () => {
    process.env.SANDBOX_TEST_SECRET = 'must-not-leak';
    const result = await run(sandbox, 'env; cat /proc/1/environ | tr "\\0" "\\n"');
    const text = result.stdout.toString();
    assert.doesNotMatch(text, /must-not-leak|GITHUB_|RUNNER_|ACTIONS_|INPUT_/);
    assert.match(text, /HOME=\/home\/agent/);
  });

  it('has no capabilities, no network and a read-only root filesystem', async () => {
    const result = await run(
      sandbox,
      'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status; grep NoNewPrivs /proc/self/status; ' +
        'ls /sys/class/net; touch /etc/x 2>&1; touch /tmp/ok && echo tmp-writable',
    );
    const text = result.stdout.toString() + result.stderr.toString();
    assert.match(text, /CapEff:\s+0000000000000000/);
    assert.match(text, /CapBnd:\s+0000000000000000/);
    assert.match(text, /NoNewPrivs:\s+1/);
    assert.deepEqual(text.match(/^(eth|ens)\w*/gm), null);
    assert.match(text, /Read-only file system/);
    assert.match(text, /tmp-writable/);
  });

  it('writes into the mounted workspace as the owner', async () => {
    await run(sandbox, 'echo made-inside > inside.txt');
    const { readFileSync, statSync } = await import('node:fs');
    assert.equal(readFileSync(`${workspace}/inside.txt`, 'utf8'), 'made-inside\n');
    assert.equal(statSync(`${workspace}/inside.txt`).uid, sandboxUser().uid);
  });

  it('kills a command that outlives its timeout, with everything it started', async () => {
    const result = await run(sandbox, 'sleep 300 & sleep 300 & sleep 300', 1_500);
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.ok(result.durationMs < 10_000, `took ${result.durationMs} ms`);
    const left = await run(sandbox, 'ps -o comm | grep -c "^sleep" || true');
    // Only the keep-alive's own sleep may remain.
    assert.ok(Number(left.stdout.toString().trim()) <= 1, left.stdout.toString());
    const again = await run(sandbox, 'echo still-alive');
    assert.equal(again.stdout.toString(), 'still-alive\n');
  });

  it('caps output and kills a command that floods it', async () => {
    const result = await run(sandbox, 'yes flood', 30_000);
    assert.equal(result.flooded, true);
    assert.equal(result.stdout.length, 64 * 1024);
    assert.ok(result.droppedBytes.stdout > 0);
    assert.ok(result.durationMs < 20_000, `took ${result.durationMs} ms`);
  });

  it('stops what a command left in the background and counts it', async () => {
    await run(sandbox, 'sleep 600 >/dev/null 2>&1 & sleep 601 >/dev/null 2>&1 & echo started');
    const report = await sandbox.settle();
    assert.equal(report.leftoverProcesses, 2);
    const left = await run(sandbox, 'ps -o comm | grep -c "^sleep" || true');
    assert.ok(Number(left.stdout.toString().trim()) <= 1, left.stdout.toString());
    assert.equal((await sandbox.settle()).leftoverProcesses, 0);
    assert.equal((await run(sandbox, 'echo alive')).stdout.toString(), 'alive\n');
  });

  it('reports processes the kernel killed at the memory limit', async () => {
    // 128 MiB limit: doubling a shell variable soon asks for more than that.
    const bomb = await run(sandbox, 'x=0123456789; while :; do x="$x$x"; done', 30_000);
    assert.equal(bomb.exitCode, 137);
    const report = await sandbox.settle();
    assert.equal(report.oomKills, 1);
    assert.equal((await sandbox.settle()).oomKills, 0, 'each kill is reported once');
  });

  it('leaves no container behind once stopped', async () => {
    const other = await start(engine, session, workspace);
    await other.stop();
    await other.stop();
    assert.equal(containersWithLabel(`${LABEL_SESSION}=${session}`).length, 1);
  });
});
