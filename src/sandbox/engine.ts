import Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { request as httpRequest, type RequestOptions } from 'node:http';
import type { EngineChoice } from '../config/settings.ts';
import { SandboxError } from '../errors.ts';

export type EngineKind = 'docker' | 'podman';

/** What the sandbox profile needs to know about the engine that will run it. */
export interface EngineTraits {
  readonly kind: EngineKind;
  /** The engine runs as an unprivileged user: container uids are shifted unless mapped. */
  readonly rootless: boolean;
}

export interface Engine extends EngineTraits {
  readonly docker: Docker;
  /** Where it was reached, for logs: a socket path or a URL. */
  readonly endpoint: string;
}

const DOCKER_SOCKET = '/var/run/docker.sock';
/** The cgroup controllers the profile's limits need (cpus, memory, pids-limit). */
const REQUIRED_CGROUP_CONTROLLERS = ['cpu', 'memory', 'pids'] as const;
/** Podman's own API; any 4.x or later service answers under this version prefix. */
const LIBPOD_INFO_PATH = '/v4.0.0/libpod/info';
const SILENT_EVENTS_LABEL = 'io.github.sandboxed-agent.keep-service-open';
const PODMAN_HINT =
  "Start Podman's API service and keep it running: as root, " +
  '`podman system service --time=0 unix:///run/podman/podman.sock`; rootless, ' +
  '`systemctl --user enable --now podman.socket`. Without --time=0 a service started by hand ' +
  'exits after 5 s without requests. Or set CONTAINER_HOST to its socket.';

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

/** The HTTP target of an endpoint: a unix socket path, or a TCP host and port. */
function targetOf(endpoint: string): RequestOptions & { protocol?: string } {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice(7) };
  if (endpoint.startsWith('/')) return { socketPath: endpoint };
  const url = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { protocol: url.protocol, host: url.hostname, port: Number(url.port || 2375) };
}

function clientFor(endpoint: string): Docker {
  const target = targetOf(endpoint);
  // docker-modem fills unset options from DOCKER_HOST, and a host there outranks socketPath.
  if (target.socketPath) {
    return new Docker({ socketPath: target.socketPath, host: undefined, port: undefined });
  }
  return new Docker({
    protocol: target.protocol === 'https:' ? 'https' : 'http',
    host: target.host ?? 'localhost',
    port: Number(target.port),
  });
}

/**
 * The endpoints to try, in order, for the engine the user chose. CONTAINER_HOST is Podman's own
 * setting, so with engine: podman it is the only endpoint tried, like DOCKER_HOST for Docker.
 */
function candidates(choice: EngineChoice): string[] {
  const dockerHost = hostFromEnv('DOCKER_HOST');
  const containerHost = hostFromEnv('CONTAINER_HOST');
  const podman = containerHost ? [containerHost] : podmanSockets();
  if (choice === 'docker') return [dockerHost ?? DOCKER_SOCKET];
  if (choice === 'podman' && containerHost) return [containerHost];
  // DOCKER_HOST often points at Podman's socket; if it is Docker, the kind check skips it.
  if (choice === 'podman') return [...new Set([...(dockerHost ? [dockerHost] : []), ...podman])];
  // Like the docker CLI, a set DOCKER_HOST is the engine: a dead one is an error, not a hint
  // to quietly run somewhere else.
  if (dockerHost) return [dockerHost];
  return [...new Set([DOCKER_SOCKET, ...podman])];
}

function isReachableCandidate(endpoint: string): boolean {
  const socket = endpoint.startsWith('unix://') ? endpoint.slice(7) : endpoint;
  return !socket.startsWith('/') || existsSync(socket);
}

/** Podman's compatible API names itself in the version components ("Podman Engine"). */
async function detectKind(docker: Docker): Promise<EngineKind> {
  const version = await docker.version();
  const names = (version.Components ?? []).map((c) => c.Name.toLowerCase());
  return names.some((name) => name.includes('podman')) ? 'podman' : 'docker';
}

interface PodmanHostInfo {
  readonly rootless: boolean;
  readonly cgroupVersion: string;
  readonly cgroupControllers: readonly string[];
}

interface LibpodInfo {
  readonly host?: {
    readonly security?: { readonly rootless?: boolean };
    readonly cgroupVersion?: string;
    readonly cgroupControllers?: readonly string[] | null;
  };
}

function getLibpodInfo(docker: Docker): Promise<LibpodInfo> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: LIBPOD_INFO_PATH, method: 'GET', statusCodes: { 200: true } },
      (error, info) => (error ? reject(error) : resolve((info ?? {}) as LibpodInfo)),
    );
  });
}

async function readPodmanHostInfo(docker: Docker): Promise<PodmanHostInfo> {
  const { host } = await getLibpodInfo(docker);
  return {
    rootless: host?.security?.rootless === true,
    cgroupVersion: host?.cgroupVersion ?? 'unknown',
    cgroupControllers: host?.cgroupControllers ?? [],
  };
}

/**
 * Why this Podman cannot hold the limits, or undefined when it can. A rootless Podman on
 * cgroup v1 accepts memory, CPU and pids limits and then ignores them, with a note only in the
 * service's own log: the sandbox would start without any. So the controllers must be there.
 */
function podmanLimitsProblem(info: PodmanHostInfo): string | undefined {
  const missing = REQUIRED_CGROUP_CONTROLLERS.filter((c) => !info.cgroupControllers.includes(c));
  if (missing.length === 0) return undefined;
  const who = info.rootless ? 'rootless Podman' : 'Podman';
  return (
    `${who} on cgroup ${info.cgroupVersion} cannot apply the cpus, memory and pids-limit ` +
    `limits (no ${missing.join(', ')} cgroup controller)`
  );
}

/** Docker reports a rootless daemon among its security options. */
async function isRootlessDocker(docker: Docker): Promise<boolean> {
  const info = (await docker.info()) as { SecurityOptions?: string[] };
  return (info.SecurityOptions ?? []).some((option) => option.includes('name=rootless'));
}

/**
 * Podman's service exits once no request has been open for its `--time` (5 s unless started
 * with 0), even while our container runs: the run would lose its sandbox between two model
 * calls, and the post step could not reach the engine to remove it. An open event stream is a
 * request in progress, so one is held for the life of the process; its socket is unref'd so it
 * never keeps the action's process from exiting.
 */
export function holdServiceOpen(endpoint: string): void {
  const target = targetOf(endpoint);
  if (target.protocol === 'https:') return;
  // A label no container carries: the stream stays silent and costs nothing to read.
  const filters = encodeURIComponent(JSON.stringify({ label: [SILENT_EVENTS_LABEL] }));
  const { protocol: _protocol, ...options } = target;
  const request = httpRequest({ ...options, method: 'GET', path: `/events?filters=${filters}` });
  request.on('socket', (socket) => socket.unref());
  request.on('response', (response) => response.resume());
  request.on('error', () => undefined);
  request.end();
}

type Verdict = { readonly engine: Engine } | { readonly skipped: string };

/** Connects to one endpoint and says whether it is an engine of the chosen kind that we can use. */
async function tryEndpoint(endpoint: string, choice: EngineChoice): Promise<Verdict> {
  const docker = clientFor(endpoint);
  await docker.ping();
  // Podman answers each of these in about half a second, so both are asked at once; Docker
  // answers Podman's own path with a quick 404.
  const [kind, podmanInfo] = await Promise.all([
    detectKind(docker),
    readPodmanHostInfo(docker).catch(() => undefined),
  ]);
  if (choice !== 'auto' && kind !== choice) return { skipped: `is ${kind}, not ${choice}` };
  if (kind === 'docker') {
    return { engine: { kind, docker, endpoint, rootless: await isRootlessDocker(docker) } };
  }
  const info = podmanInfo ?? (await readPodmanHostInfo(docker));
  const problem = podmanLimitsProblem(info);
  if (problem) return { skipped: problem };
  holdServiceOpen(endpoint);
  return { engine: { kind, docker, endpoint, rootless: info.rootless } };
}

/** Connects to the first usable engine; else fails with what was tried and the fix. */
export async function connectEngine(choice: EngineChoice): Promise<Engine> {
  const all = candidates(choice);
  const tried: string[] = [];
  for (const endpoint of all.filter(isReachableCandidate)) {
    try {
      const verdict = await tryEndpoint(endpoint, choice);
      if ('engine' in verdict) return verdict.engine;
      tried.push(`${endpoint} (${verdict.skipped})`);
    } catch (error) {
      tried.push(`${endpoint} (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  throw new SandboxError(
    `No ${choice === 'auto' ? 'container' : choice} engine answered: ` +
      (tried.length > 0 ? `tried ${tried.join('; ')}.` : `no socket exists at ${all.join(', ')}.`),
    choice === 'podman'
      ? `${PODMAN_HINT} A rootless Podman needs cgroup v2 with the cpu, memory and pids ` +
          'controllers delegated to the user.'
      : hostFromEnv('DOCKER_HOST')
        ? 'DOCKER_HOST names the engine to use: start that engine, or unset DOCKER_HOST.'
        : 'Run the job on a runner with Docker (GitHub-hosted Ubuntu runners have it), ' +
          'set DOCKER_HOST, or use engine: podman.',
  );
}
