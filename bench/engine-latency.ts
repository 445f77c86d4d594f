// Prints how long the sandbox takes to connect, start, run one command and stop, under Docker
// and under Podman, on this machine. Run it as the user the action runs as, for example:
//   node bench/engine-latency.ts [rounds]
// Needs both engines (scripts/ci/start-docker.sh, scripts/ci/start-podman.sh) and the
// sandbox-test-busybox image in each.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EngineChoice } from '../src/config/settings.ts';
import { startDockerSandbox } from '../src/sandbox/docker-sandbox.ts';
import { connectEngine, type Engine } from '../src/sandbox/engine.ts';
import { readHostHardLimits } from '../src/sandbox/host-limits.ts';
import { LABEL_SESSION, WORKSPACE_MOUNT } from '../src/sandbox/profile.ts';
import { reapSession } from '../src/sandbox/reaper.ts';

const IMAGE = 'sandbox-test-busybox:latest';
const EXECS_PER_ROUND = 5;
const rounds = Number(process.argv[2] ?? 5);

interface Sample {
  readonly connect: number;
  readonly start: number;
  readonly exec: number;
  readonly stop: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function oneRound(choice: EngineChoice, workspace: string, session: string) {
  const [engine, connect] = await timed(() => connectEngine(choice));
  const [sandbox, start] = await timed(async () =>
    startDockerSandbox(engine, {
      image: IMAGE,
      name: `bench-${randomUUID().slice(0, 8)}`,
      user: { uid: process.getuid?.() ?? 1001, gid: process.getgid?.() ?? 1001 },
      mounts: [{ source: workspace, target: WORKSPACE_MOUNT, readOnly: false }],
      limits: { cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 128 },
      labels: { [LABEL_SESSION]: session },
      hostHardLimits: await readHostHardLimits(),
      engine,
      root: WORKSPACE_MOUNT,
      workdir: WORKSPACE_MOUNT,
    }),
  );
  let exec = 0;
  for (let i = 0; i < EXECS_PER_ROUND; i++) {
    const [, ms] = await timed(() =>
      sandbox.exec({ argv: ['true'], timeoutMs: 10_000, maxOutputBytes: 1024 }),
    );
    exec += ms / EXECS_PER_ROUND;
  }
  const [, stop] = await timed(() => sandbox.stop());
  return { sample: { connect, start, exec, stop }, engine };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function measure(choice: EngineChoice): Promise<{ engine: Engine; samples: Sample[] }> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'bench-ws-'));
  const session = randomUUID();
  const samples: Sample[] = [];
  let engine: Engine | undefined;
  try {
    for (let i = 0; i < rounds; i++) {
      const round = await oneRound(choice, workspace, session);
      samples.push(round.sample);
      engine = round.engine;
    }
  } finally {
    if (engine) await reapSession(engine.docker, session);
    rmSync(workspace, { recursive: true, force: true });
  }
  return { engine: engine!, samples };
}

const columns = ['connect', 'start', 'exec', 'stop'] as const;
console.log(`median ms over ${rounds} rounds (exec: mean of ${EXECS_PER_ROUND} per round)`);
console.log(['engine'.padEnd(8), ...columns.map((c) => c.padStart(8))].join(''));
for (const choice of ['docker', 'podman'] as const) {
  const { engine, samples } = await measure(choice);
  const cells = columns.map((c) =>
    median(samples.map((s) => s[c]))
      .toFixed(0)
      .padStart(8),
  );
  console.log([engine.kind.padEnd(8), ...cells].join(''), ` ${engine.endpoint}`);
}
