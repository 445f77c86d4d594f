import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { DockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import { connectEngine, type Engine } from '../../src/sandbox/engine.ts';
import { readHostHardLimits } from '../../src/sandbox/host-limits.ts';
import { ensureImage } from '../../src/sandbox/image.ts';
import { SANDBOX_HOME } from '../../src/sandbox/profile.ts';
import { reapSession } from '../../src/sandbox/reaper.ts';
import { BUSYBOX_IMAGE, makeWorkspace, sandboxUser } from '../support/docker.ts';
import {
  SANDBOX_LIMITS,
  containersOfSession,
  itBehavesLikeASandbox,
  runScript,
  startTestSandbox,
} from '../support/sandbox-cases.ts';

/** Fails loudly when Podman does not answer: .ci/run starts its service, so it must be there. */
async function requirePodman(): Promise<Engine> {
  try {
    return await connectEngine('podman');
  } catch (error) {
    throw new Error(
      "These tests need Podman's API service on /run/podman/podman.sock, open to this user " +
        `(run scripts/ci/start-podman.sh as root, or .ci/run): ${error}`,
    );
  }
}

/** Prints `name=value` for each limit, from cgroup v2 files or else their v1 counterparts. */
const READ_LIMITS = [
  'show() { for f in "$@"; do [ -r "$f" ] && { cat "$f"; return; }; done; echo missing; }',
  'cd /sys/fs/cgroup',
  'echo "memory=$(show memory.max memory/memory.limit_in_bytes)"',
  'echo "swap=$(show memory.swap.max memory/memory.memsw.limit_in_bytes)"',
  'echo "pids=$(show pids.max pids/pids.max)"',
  'echo "cpu=$(show cpu.max cpu/cpu.cfs_quota_us)"',
].join('\n');

describe('podman sandbox', () => {
  let engine: Engine;
  let sandbox: DockerSandbox;
  const session = randomUUID();
  const workspace = makeWorkspace('podman-ws-');
  const startIn = async (sessionId: string) =>
    startTestSandbox(engine, sessionId, workspace, {
      namePrefix: 'podman-test-',
      hostHardLimits: await readHostHardLimits(),
    });
  const run = (script: string) => runScript(sandbox, script);

  before(async () => {
    engine = await requirePodman();
    sandbox = await startIn(session);
  });
  after(async () => {
    await sandbox?.stop();
    if (engine) await reapSession(engine.docker, session);
  });

  it('reaches Podman, not Docker, when engine: podman is chosen', () => {
    assert.equal(engine.kind, 'podman');
    assert.match(engine.endpoint, /podman\.sock$/);
  });

  it('finds a test image by its short name although Podman stores it under localhost/', async () => {
    assert.equal(await ensureImage(engine.docker, BUSYBOX_IMAGE), 'present');
    const info = await engine.docker.getImage(BUSYBOX_IMAGE).inspect();
    assert.ok(info.RepoTags?.includes(`localhost/${BUSYBOX_IMAGE}`), String(info.RepoTags));
  });

  itBehavesLikeASandbox({
    engine: () => engine,
    sandbox: () => sandbox,
    session,
    workspace,
    start: () => startIn(session),
  });

  it('has no capabilities, no network device but loopback, and no new privileges', async () => {
    const result = await run(
      'grep -E "^Cap(Eff|Prm|Bnd|Amb)" /proc/self/status; grep NoNewPrivs /proc/self/status; ' +
        'ls /sys/class/net',
    );
    const text = result.stdout.toString();
    for (const set of ['CapEff', 'CapPrm', 'CapBnd', 'CapAmb']) {
      assert.match(text, new RegExp(`${set}:\\s+0000000000000000`));
    }
    assert.match(text, /NoNewPrivs:\s+1/);
    assert.deepEqual(text.match(/^[a-z]\w*$/gm), ['lo']);
  });

  it('lets the agent write only the workspace, /tmp and home, as under Docker', async () => {
    const places = ['/', '/etc', '/run', '/var/tmp', '/usr', '/workspace', '/tmp', SANDBOX_HOME];
    const result = await run(
      `for d in ${places.join(' ')}; do touch "$d/.probe" 2>/dev/null && echo "$d"; done; ` +
        'rm -f /workspace/.probe',
    );
    assert.deepEqual(result.stdout.toString().trim().split('\n'), [
      '/workspace',
      '/tmp',
      SANDBOX_HOME,
    ]);
  });

  it('gives /tmp a quarter of the memory and a private home owned by the user', async () => {
    const result = await run(
      `grep -E " (/tmp|${SANDBOX_HOME}) " /proc/mounts; stat -c "%a %u:%g" /tmp ${SANDBOX_HOME}`,
    );
    const text = result.stdout.toString();
    const { uid, gid } = sandboxUser();
    assert.match(text, /tmpfs \/tmp tmpfs rw,nosuid,nodev,\S*size=32768k/);
    assert.match(text, new RegExp(`${SANDBOX_HOME} tmpfs rw,nosuid,nodev,\\S*size=65536k`));
    assert.match(text, new RegExp(`^1777 0:0\\n700 ${uid}:${gid}$`, 'm'));
  });

  it('applies the memory, swap, pids and CPU limits in the cgroup', async () => {
    const text = (await run(READ_LIMITS)).stdout.toString();
    assert.match(text, new RegExp(`memory=${SANDBOX_LIMITS.memoryBytes}\\n`));
    // v1 limits memory plus swap together (equal means none); v2 limits swap alone (0).
    assert.match(text, new RegExp(`swap=(${SANDBOX_LIMITS.memoryBytes}|0)\\n`));
    assert.match(text, /pids=64\n/);
    assert.match(text, /cpu=(50000|50000 100000)\n/);
  });

  it('keeps the open-files limit and a process limit Podman can grant', async () => {
    const text = (await run('ulimit -n; grep "Max processes" /proc/self/limits')).stdout.toString();
    assert.match(text, /^4096\n/);
    const nproc = Number(/Max processes\s+(\d+)/.exec(text)?.[1]);
    assert.ok(nproc > SANDBOX_LIMITS.pidsLimit && nproc <= 32768, text);
  });

  it('lets the post step remove, by label, a sandbox the main step left running', async () => {
    const orphanSession = randomUUID();
    const orphan = await startIn(orphanSession);
    assert.deepEqual(await containersOfSession(engine, orphanSession), [orphan.containerId]);
    const removed = await reapSession(engine.docker, orphanSession);
    assert.deepEqual(removed, [orphan.id]);
    assert.deepEqual(await containersOfSession(engine, orphanSession), []);
    assert.deepEqual(await reapSession(engine.docker, orphanSession), []);
  });
});
