import Docker from 'dockerode';
import { existsSync } from 'node:fs';
import type { EngineChoice } from '../config/settings.ts';
import { SandboxError } from '../errors.ts';

export type EngineKind = 'docker' | 'podman';

export interface Engine {
  readonly kind: EngineKind;
  readonly docker: Docker;
  /** Where it was reached, for logs: a socket path or a URL. */
  readonly endpoint: string;
}

const DOCKER_SOCKET = '/var/run/docker.sock';

function podmanSockets(): string[] {
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  return [
    ...(runtimeDir ? [`${runtimeDir}/podman/podman.sock`] : []),
    '/run/podman/podman.sock',
    '/var/run/podman/podman.sock',
  ];
}

function hostFromEnv(name: 'DOCKER_HOST' | 'CONTAINER_HOST'): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

function clientFor(endpoint: string): Docker {
  if (endpoint.startsWith('unix://')) return new Docker({ socketPath: endpoint.slice(7) });
  if (endpoint.startsWith('/')) return new Docker({ socketPath: endpoint });
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return new Docker({
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    port: Number(url.port || 2375),
  });
}

/** The endpoints to try, in order, for the engine the user chose. */
function candidates(choice: EngineChoice): string[] {
  const dockerHost = hostFromEnv('DOCKER_HOST');
  const containerHost = hostFromEnv('CONTAINER_HOST');
  const docker = dockerHost ? [dockerHost] : [DOCKER_SOCKET];
  const podman = [...(containerHost ? [containerHost] : []), ...podmanSockets()];
  if (choice === 'docker') return docker;
  if (choice === 'podman') return dockerHost ? [dockerHost, ...podman] : podman;
  return [...new Set([...(dockerHost ? [dockerHost] : []), DOCKER_SOCKET, ...podman])];
}

function isReachableCandidate(endpoint: string): boolean {
  const socket = endpoint.startsWith('unix://') ? endpoint.slice(7) : endpoint;
  return !socket.startsWith('/') || existsSync(socket);
}

/** Podman's compatible API names itself in the version components. */
async function detectKind(docker: Docker): Promise<EngineKind> {
  const version = await docker.version();
  const names = (version.Components ?? []).map((c) => c.Name.toLowerCase());
  return names.some((name) => name.includes('podman')) ? 'podman' : 'docker';
}

/** Connects to the first engine that answers a ping; else fails with what was tried and the fix. */
export async function connectEngine(choice: EngineChoice): Promise<Engine> {
  const tried: string[] = [];
  for (const endpoint of candidates(choice).filter(isReachableCandidate)) {
    const docker = clientFor(endpoint);
    try {
      await docker.ping();
      const kind = await detectKind(docker);
      if (choice !== 'auto' && kind !== choice) {
        tried.push(`${endpoint} (is ${kind}, not ${choice})`);
        continue;
      }
      return { kind, docker, endpoint };
    } catch (error) {
      tried.push(`${endpoint} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  throw new SandboxError(
    `No ${choice === 'auto' ? 'container' : choice} engine answered` +
      (tried.length > 0 ? `: tried ${tried.join('; ')}.` : ': no engine socket exists.'),
    choice === 'podman'
      ? 'Start it with `podman system service --time=0` or set CONTAINER_HOST to its socket.'
      : 'Run the job on a runner with Docker (GitHub-hosted Ubuntu runners have it), ' +
          'set DOCKER_HOST, or use engine: podman.',
  );
}
