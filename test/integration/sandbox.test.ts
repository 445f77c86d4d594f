import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { reapSession } from '../../src/sandbox/reaper.ts';
import type { DockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import type { Engine } from '../../src/sandbox/engine.ts';
import { makeWorkspace, requireEngine } from '../support/docker.ts';
import { itBehavesLikeASandbox, runScript, startTestSandbox } from '../support/sandbox-cases.ts';

const HOST_HARD_LIMITS = { nofile: 4096, nproc: 4096 };

describe('docker sandbox', () => {
  let engine: Engine;
  let sandbox: DockerSandbox;
  const session = randomUUID();
  const workspace = makeWorkspace();
  const start = () =>
    startTestSandbox(engine, session, workspace, {
      namePrefix: 'sandbox-test-',
      hostHardLimits: HOST_HARD_LIMITS,
    });
  const run = (script: string, timeoutMs?: number) => runScript(sandbox, script, timeoutMs);

  before(async () => {
    engine = await requireEngine();
    sandbox = await start();
  });
  after(async () => {
    await sandbox?.stop();
    if (engine) await reapSession(engine.docker, session);
  });

  itBehavesLikeASandbox({
    engine: () => engine,
    sandbox: () => sandbox,
    session,
    workspace,
    start,
  });

  it('has no capabilities, no network and a read-only root filesystem', async () => {
    const result = await run(
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

  it('stops what a command left in the background and counts it', async () => {
    await run('sleep 600 >/dev/null 2>&1 & sleep 601 >/dev/null 2>&1 & echo started');
    const report = await sandbox.settle();
    assert.equal(report.leftoverProcesses, 2);
    const left = await run('ps -o comm | grep -c "^sleep" || true');
    assert.ok(Number(left.stdout.toString().trim()) <= 1, left.stdout.toString());
    assert.equal((await sandbox.settle()).leftoverProcesses, 0);
    assert.equal((await run('echo alive')).stdout.toString(), 'alive\n');
  });

  it('reports processes the kernel killed at the memory limit', async () => {
    // 128 MiB limit: doubling a shell variable soon asks for more than that.
    const bomb = await run('x=0123456789; while :; do x="$x$x"; done', 30_000);
    assert.equal(bomb.exitCode, 137);
    const report = await sandbox.settle();
    assert.equal(report.oomKills, 1);
    assert.equal((await sandbox.settle()).oomKills, 0, 'each kill is reported once');
  });
});
