import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { SandboxError } from '../../src/errors.ts';
import { connectEngine, holdServiceOpen } from '../../src/sandbox/engine.ts';

const ROOTFUL_SOCKET = '/run/podman/podman.sock';
const REQUIRED_CONTROLLERS = ['cpu', 'memory', 'pids'];

/** Runs `fn` with some variables set (or, when undefined, unset), then restores them. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>) {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

interface ServiceProcess {
  readonly socket: string;
  readonly endpoint: string;
  readonly child: ResultPromise;
}

const services: ServiceProcess[] = [];

/** A Podman service of this user's own (rootless unless the tests run as root). */
async function startOwnService(idleSeconds: number): Promise<ServiceProcess> {
  const socket = path.join(mkdtempSync(path.join(tmpdir(), 'podman-svc-')), 'podman.sock');
  const endpoint = `unix://${socket}`;
  const child = execa('podman', ['system', 'service', `--time=${idleSeconds}`, endpoint], {
    reject: false,
    cwd: tmpdir(),
  });
  const service = { socket, endpoint, child };
  services.push(service);
  for (let waitedMs = 0; !existsSync(socket); waitedMs += 100) {
    if (child.exitCode !== null && child.exitCode !== undefined) break;
    if (waitedMs > 20_000) break;
    await sleep(100);
  }
  if (!existsSync(socket)) {
    const result = await child;
    throw new Error(`podman system service did not start: ${result.stderr}`);
  }
  return service;
}

async function controllersOf(socketPath: string): Promise<string[]> {
  const docker = new Docker({ socketPath });
  const info = await new Promise<{ host: { cgroupControllers: string[] | null } }>(
    (resolve, reject) => {
      docker.modem.dial(
        { path: '/v4.0.0/libpod/info', method: 'GET', statusCodes: { 200: true } },
        (error, value) => (error ? reject(error) : resolve(value as never)),
      );
    },
  );
  return info.host.cgroupControllers ?? [];
}

describe('podman engine selection', () => {
  after(async () => {
    for (const service of services) {
      service.child.kill('SIGTERM');
      await service.child;
    }
  });

  it('chooses Podman for engine: podman although Docker answers too', async () => {
    const engine = await withEnv({ DOCKER_HOST: undefined, CONTAINER_HOST: undefined }, () =>
      connectEngine('podman'),
    );
    assert.equal(engine.kind, 'podman');
    assert.equal(engine.endpoint, ROOTFUL_SOCKET);
    const version = await engine.docker.version();
    assert.ok(
      version.Components?.some((c) => c.Name === 'Podman Engine'),
      JSON.stringify(version.Components),
    );
  });

  it('prefers Docker under auto, and DOCKER_HOST over both', async () => {
    const plain = await withEnv({ DOCKER_HOST: undefined, CONTAINER_HOST: undefined }, () =>
      connectEngine('auto'),
    );
    assert.equal(plain.kind, 'docker');
    assert.equal(plain.endpoint, '/var/run/docker.sock');
    const pointed = await withEnv({ DOCKER_HOST: `unix://${ROOTFUL_SOCKET}` }, () =>
      connectEngine('auto'),
    );
    assert.equal(pointed.kind, 'podman');
  });

  it('refuses engine: docker when DOCKER_HOST leads to Podman, saying what it found', async () => {
    const attempt = withEnv({ DOCKER_HOST: `unix://${ROOTFUL_SOCKET}` }, () =>
      connectEngine('docker'),
    );
    await assert.rejects(attempt, (error: SandboxError) => {
      assert.ok(error instanceof SandboxError);
      assert.match(error.message, /is podman, not docker/);
      return true;
    });
  });

  it('names the missing socket and how to start the service when Podman is absent', async () => {
    const absent = path.join(mkdtempSync(path.join(tmpdir(), 'no-podman-')), 'podman.sock');
    const attempt = withEnv({ CONTAINER_HOST: `unix://${absent}` }, () => connectEngine('podman'));
    await assert.rejects(attempt, (error: SandboxError) => {
      assert.ok(error instanceof SandboxError);
      assert.match(error.message, /No podman engine answered/);
      assert.ok(error.message.includes(absent), error.message);
      assert.match(error.hint, /podman system service --time=0/);
      assert.match(error.hint, /podman\.socket/);
      return true;
    });
  });

  it('explains the idle exit when a service started without --time=0 has gone', async () => {
    const service = await startOwnService(1);
    const result = await service.child;
    assert.equal(result.exitCode, 0, 'the service exits by itself once idle');
    assert.equal(existsSync(service.socket), false);
    const attempt = withEnv({ CONTAINER_HOST: service.endpoint }, () => connectEngine('podman'));
    await assert.rejects(attempt, (error: SandboxError) => {
      assert.match(error.hint, /exits after 5 s without requests/);
      return true;
    });
  });

  it('keeps a service with an idle timeout running while the action holds it', async () => {
    const service = await startOwnService(2);
    holdServiceOpen(service.endpoint);
    await sleep(5_000);
    assert.equal(service.child.exitCode ?? null, null, 'the service is still running');
    assert.equal(String(await new Docker({ socketPath: service.socket }).ping()), 'OK');
  });

  it('refuses a Podman that cannot apply the limits instead of running without them', async () => {
    // Rootless Podman on cgroup v1 (as on this CI machine) has no controllers and would
    // silently ignore memory, CPU and pids limits; with them delegated it is accepted.
    const service = await startOwnService(0);
    const controllers = await controllersOf(service.socket);
    const canLimit = REQUIRED_CONTROLLERS.every((c) => controllers.includes(c));
    const attempt = withEnv({ CONTAINER_HOST: service.endpoint }, () => connectEngine('podman'));
    if (canLimit) {
      assert.equal((await attempt).kind, 'podman');
      return;
    }
    await assert.rejects(attempt, (error: SandboxError) => {
      assert.ok(error instanceof SandboxError);
      assert.match(error.message, /cannot apply the cpus, memory and pids-limit limits/);
      assert.ok(error.message.includes(service.endpoint), error.message);
      assert.match(error.hint, /cgroup v2/);
      return true;
    });
  });
});
