import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxLimits } from '../config/settings.ts';
import type { EngineTraits } from './engine.ts';

/** Where the repository appears inside the sandbox. */
export const WORKSPACE_MOUNT = '/workspace';
/** The sandbox user's home: a tmpfs, since the root filesystem is read-only. */
export const SANDBOX_HOME = '/home/agent';
export const LABEL_SESSION = 'io.github.sandboxed-agent.session';
export const LABEL_RUN = 'io.github.sandboxed-agent.run';

/** Sleeps (about 68 years) in a loop that restarts the sleep if a command kills it. */
const KEEP_ALIVE = 'trap "exit 0" TERM INT; while :; do sleep 2147483647 & wait $!; done';
const HOME_TMPFS_BYTES = 64 * 1024 ** 2;
/** /tmp takes a quarter of the memory limit: tmpfs pages count against the cgroup anyway. */
const TMP_SHARE_OF_MEMORY = 4;
const NOFILE_LIMIT = 4096;
const NPROC_LIMIT = 65536;
/**
 * Podman lowers its own RLIMIT_NPROC to the kernel's pid_max (32768 by default, the least it can
 * be without an admin lowering it) and the containers it starts may not exceed it: without the
 * CAP_SYS_RESOURCE some hosts withhold, asking for more fails with "error setting rlimit type 6".
 * The pids cgroup (PidsLimit) is what stops a fork bomb; this rlimit is only a backstop.
 */
const PODMAN_NPROC_CEILING = 32768;

/**
 * With a read-only root, Podman mounts writable tmpfs of half the host's memory on /run and
 * /var/tmp (its `read-only-tmpfs` default, which the Docker-compatible API cannot turn off).
 * Mounting them read-only ourselves keeps what the agent may write the same as under Docker:
 * the workspace, /tmp and home, each with a size.
 */
const PODMAN_READ_ONLY_TMPFS: Readonly<Record<string, string>> = {
  '/run': 'ro,nosuid,nodev,noexec,size=1m,mode=0755',
  '/var/tmp': 'ro,nosuid,nodev,noexec,size=1m,mode=1777',
};

export interface Mount {
  readonly source: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export interface ProfileRequest {
  readonly image: string;
  readonly name: string;
  readonly user: { readonly uid: number; readonly gid: number };
  readonly mounts: readonly Mount[];
  readonly limits: SandboxLimits;
  readonly labels: Readonly<Record<string, string>>;
  /** The host's hard rlimits: Podman refuses to start a container that asks for more. */
  readonly hostHardLimits: { readonly nofile: number; readonly nproc: number };
  readonly workdir: string;
  /** The engine that will run it: Podman takes a few options in its own spelling. Default Docker. */
  readonly engine?: EngineTraits;
}

/**
 * The hardening profile, in one place so the audit log can record exactly what was asked of the
 * engine. The container only idles; every tool runs through an exec as the same user.
 */
export function buildContainerOptions(request: ProfileRequest): ContainerCreateOptions {
  const tmpBytes = Math.floor(request.limits.memoryBytes / TMP_SHARE_OF_MEMORY);
  const nofile = Math.min(NOFILE_LIMIT, request.hostHardLimits.nofile);
  const podman = request.engine?.kind === 'podman';
  const nprocCeiling = podman ? PODMAN_NPROC_CEILING : NPROC_LIMIT;
  const nproc = Math.min(nprocCeiling, request.hostHardLimits.nproc);
  return {
    name: request.name,
    Image: request.image,
    // The keep-alive is PID 1 itself: the kernel shields PID 1 from `kill -9 -1`, which is how a
    // timed-out command and everything it started are killed, and its `wait` reaps orphans.
    Entrypoint: ['/bin/sh', '-c', KEEP_ALIVE],
    Cmd: [],
    User: `${request.user.uid}:${request.user.gid}`,
    WorkingDir: request.workdir,
    Env: sandboxEnvironment(),
    Labels: { ...request.labels },
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    HostConfig: {
      Init: false,
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: true,
      Privileged: false,
      Tmpfs: {
        '/tmp': `rw,exec,nosuid,nodev,size=${tmpBytes},mode=1777`,
        [SANDBOX_HOME]:
          `rw,exec,nosuid,nodev,size=${HOME_TMPFS_BYTES},mode=0700,` + homeOwnerOption(request),
        ...(podman ? PODMAN_READ_ONLY_TMPFS : {}),
      },
      Binds: request.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`),
      NanoCpus: Math.round(request.limits.cpus * 1e9),
      Memory: request.limits.memoryBytes,
      // Equal to Memory: no swap, so a memory bomb is killed instead of thrashing the runner.
      MemorySwap: request.limits.memoryBytes,
      PidsLimit: request.limits.pidsLimit,
      Ulimits: [
        { Name: 'nofile', Soft: nofile, Hard: nofile },
        { Name: 'nproc', Soft: nproc, Hard: nproc },
      ],
      IpcMode: 'private',
      // Rootless Podman maps container uid 0 to the user running it and every other uid to a
      // subordinate one, so the workspace owner would be a stranger to its own files.
      // keep-id maps that user to the same uid inside; rootful Podman refuses the mode.
      ...(podman && request.engine?.rootless ? { UsernsMode: 'keep-id' } : {}),
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * Makes the home tmpfs belong to the sandbox user. Podman (4.x) refuses `uid=`/`gid=` as
 * "unknown mount option" and has its own `U` instead, which chowns the mount to the container's
 * `User`; Docker passes options to mount(2) and would reject `U`.
 */
function homeOwnerOption(request: ProfileRequest): string {
  if (request.engine?.kind === 'podman') return 'U';
  return `uid=${request.user.uid},gid=${request.user.gid}`;
}

/** The whole environment the sandbox gets: nothing from the runner, no token, no key. */
export function sandboxEnvironment(): string[] {
  return [
    `HOME=${SANDBOX_HOME}`,
    'USER=agent',
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'LANG=C.UTF-8',
    'TMPDIR=/tmp',
    // .git is read-only to the agent; git status must not try to take the index lock.
    'GIT_OPTIONAL_LOCKS=0',
  ];
}
