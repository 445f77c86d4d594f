import type { ContainerCreateOptions } from 'dockerode';
import type { SandboxLimits } from '../config/settings.ts';

/** Where the repository appears inside the sandbox. */
export const WORKSPACE_MOUNT = '/workspace';
/** The sandbox user's home: a tmpfs, since the root filesystem is read-only. */
export const SANDBOX_HOME = '/home/agent';
export const LABEL_SESSION = 'io.github.sandboxed-agent.session';
export const LABEL_REPOSITORY = 'io.github.sandboxed-agent.repository';
export const LABEL_RUN = 'io.github.sandboxed-agent.run';

const HOME_TMPFS_BYTES = 64 * 1024 ** 2;
/** /tmp takes a quarter of the memory limit: tmpfs pages count against the cgroup anyway. */
const TMP_SHARE_OF_MEMORY = 4;
const NOFILE_LIMIT = 4096;
const NPROC_LIMIT = 65536;

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
}

/**
 * The hardening profile, in one place so the audit log can record exactly what was asked of the
 * engine. The container only idles; every tool runs through an exec as the same user.
 */
export function buildContainerOptions(request: ProfileRequest): ContainerCreateOptions {
  const tmpBytes = Math.floor(request.limits.memoryBytes / TMP_SHARE_OF_MEMORY);
  const nofile = Math.min(NOFILE_LIMIT, request.hostHardLimits.nofile);
  const nproc = Math.min(NPROC_LIMIT, request.hostHardLimits.nproc);
  return {
    name: request.name,
    Image: request.image,
    // The keep-alive is PID 1 itself: the kernel shields PID 1 from `kill -9 -1`, which is how a
    // timed-out command and everything it started are killed, and its `wait` reaps orphans.
    Entrypoint: ['/bin/sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'],
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
          `rw,exec,nosuid,nodev,size=${HOME_TMPFS_BYTES},mode=0700,` +
          `uid=${request.user.uid},gid=${request.user.gid}`,
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
      AutoRemove: false,
      RestartPolicy: { Name: 'no' },
      LogConfig: { Type: 'none', Config: {} },
    },
  };
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
