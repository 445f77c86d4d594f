import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startDockerSandbox, type DockerSandbox } from '../../src/sandbox/docker-sandbox.ts';
import { connectEngine, type Engine } from '../../src/sandbox/engine.ts';
import { readHostHardLimits } from '../../src/sandbox/host-limits.ts';
import { ensureImage } from '../../src/sandbox/image.ts';
import { LABEL_SESSION, SANDBOX_HOME, WORKSPACE_MOUNT } from '../../src/sandbox/profile.ts';
import { reapSession } from '../../src/sandbox/reaper.ts';
import { BUSYBOX_IMAGE, makeWorkspace, sandboxUser } from '../support/docker.ts';

const MIB = 1024 ** 2;
const LIMITS = { cpus: 0.5, memoryBytes: 128 * MIB, pidsLimit: 64 };

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

async function start(engine: Engine, session: string, workspace: string) {
  return startDockerSandbox(engine, {
    image: BUSYBOX_IMAGE,
    name: `podman-test-${randomUUID().slice(0, 8)}`,
    user: sandboxUser(),
    mounts: [{ source: workspace, target: WORKSPACE_MOUNT, readOnly: false }],
    limits: LIMITS,
    labels: { [LABEL_SESSION]: session },
    hostHardLimits: await readHostHardLimits(),
    engine,
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

async function containersOfSession(engine: Engine, session: string): Promise<string[]> {
  const list = await engine.docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_SESSION}=${session}`] },
  });
  return list.map((info) => info.Id);
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

  before(async () => {
    engine = await requirePodman();
    sandbox = await start(engine, session, workspace);
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
    assert.doesNotMatch(text, /must-not-leak|GITHUB_|RUNNER_|ACTIONS_|INPUT_|CONTAINER_HOST/);
    assert.match(text, /HOME=\/home\/agent/);
  });

  it('has no capabilities, no network device but loopback, and no new privileges', async () => {
    const result = await run(
      sandbox,
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
      sandbox,
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
      sandbox,
      `grep -E " (/tmp|${SANDBOX_HOME}) " /proc/mounts; stat -c "%a %u:%g" /tmp ${SANDBOX_HOME}`,
    );
    const text = result.stdout.toString();
    const { uid, gid } = sandboxUser();
    assert.match(text, /tmpfs \/tmp tmpfs rw,nosuid,nodev,\S*size=32768k/);
    assert.match(text, new RegExp(`${SANDBOX_HOME} tmpfs rw,nosuid,nodev,\\S*size=65536k`));
    assert.match(text, new RegExp(`^1777 0:0\\n700 ${uid}:${gid}$`, 'm'));
  });

  it('applies the memory, swap, pids and CPU limits in the cgroup', async () => {
    const text = (await run(sandbox, READ_LIMITS)).stdout.toString();
    assert.match(text, new RegExp(`memory=${LIMITS.memoryBytes}\\n`));
    // v1 limits memory plus swap together (equal means none); v2 limits swap alone (0).
    assert.match(text, new RegExp(`swap=(${LIMITS.memoryBytes}|0)\\n`));
    assert.match(text, /pids=64\n/);
    assert.match(text, /cpu=(50000|50000 100000)\n/);
  });

  it('keeps the open-files limit and a process limit Podman can grant', async () => {
    const text = (
      await run(sandbox, 'ulimit -n; grep "Max processes" /proc/self/limits')
    ).stdout.toString();
    assert.match(text, /^4096\n/);
    const nproc = Number(/Max processes\s+(\d+)/.exec(text)?.[1]);
    assert.ok(nproc > LIMITS.pidsLimit && nproc <= 32768, text);
  });

  it('writes into the mounted workspace as the owner', async () => {
    await run(sandbox, 'echo made-inside > inside.txt');
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

  it('leaves no container behind once stopped', async () => {
    const other = await start(engine, session, workspace);
    await other.stop();
    await other.stop();
    assert.deepEqual(await containersOfSession(engine, session), [sandbox.containerId]);
  });

  it('lets the post step remove, by label, a sandbox the main step left running', async () => {
    const orphanSession = randomUUID();
    const orphan = await start(engine, orphanSession, workspace);
    assert.deepEqual(await containersOfSession(engine, orphanSession), [orphan.containerId]);
    const removed = await reapSession(engine.docker, orphanSession);
    assert.deepEqual(removed, [orphan.id]);
    assert.deepEqual(await containersOfSession(engine, orphanSession), []);
    assert.deepEqual(await reapSession(engine.docker, orphanSession), []);
  });
});
