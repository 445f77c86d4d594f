import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** A config key and value set for one git command only. */
export type GitConfigEntry = readonly [key: string, value: string];

export interface GitCommandOptions {
  /** Extra environment, e.g. GIT_INDEX_FILE or the author identity. Default: none. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Config for this command only. It travels in GIT_CONFIG_COUNT/KEY/VALUE variables, so a
   * value (a credential header) never appears on a command line. Default: none.
   */
  readonly config?: readonly GitConfigEntry[];
  /** Written to git's standard input. Default: nothing (stdin closed). */
  readonly input?: string | Uint8Array;
  /** Default: GIT_COMMAND_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Largest stdout accepted, in bytes. Default: GIT_MAX_OUTPUT_BYTES. */
  readonly maxOutputBytes?: number;
  readonly signal?: AbortSignal;
  /** Exit codes that are answers rather than failures (1 for "no such key"). Default: [0]. */
  readonly okExitCodes?: readonly number[];
}

export interface GitOutput {
  readonly exitCode: number;
  /** Raw bytes: patches and -z listings may hold bytes that are not UTF-8. */
  readonly stdout: Buffer;
  readonly stderr: string;
}

/**
 * Git for a repository whose working tree is untrusted. Every command runs with hooks, the
 * fsmonitor, credential helpers, external diff and textconv programs, and every filter driver
 * of the repository's config switched off, without system or user config, and with an
 * environment that holds none of the action's variables.
 */
export interface Git {
  readonly repoDir: string;
  run(args: readonly string[], options?: GitCommandOptions): Promise<GitOutput>;
  /** Like run, with stdout decoded as UTF-8 and its trailing newline removed. */
  text(args: readonly string[], options?: GitCommandOptions): Promise<string>;
  /** Removes the empty home folder git was given. */
  dispose(): Promise<void>;
}

/** A git command that failed; the message holds its arguments and stderr, never its env. */
export class GitError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  readonly timedOut: boolean;

  constructor(args: readonly string[], exitCode: number | undefined, stderr: string, why: string) {
    super(`git ${args.join(' ')} ${why}${stderr ? `: ${stderr.trim()}` : ''}`);
    this.name = 'GitError';
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.timedOut = why === 'timed out';
  }
}

export const GIT_COMMAND_TIMEOUT_MS = 120_000;
export const GIT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const KILL_GRACE_MS = 5_000;

/**
 * Set on every command. Each names a program or a behaviour that repository config could
 * point at something the agent controls, or that would write outside the temporary index.
 * An empty value resets a multi-valued key (credential.helper) or disables a command.
 */
const FIXED_CONFIG: readonly string[] = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.splitIndex=false',
  'core.askPass=',
  'credential.helper=',
  'diff.external=',
  'commit.gpgSign=false',
  'push.gpgSign=false',
  'gc.auto=0',
  'maintenance.auto=false',
];

/** Variables passed through from the action's environment; everything else is withheld. */
const INHERITED_ENV = [
  'PATH',
  'TMPDIR',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
  'GIT_SSL_CAINFO',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/** Filter driver settings that run a program; `required` is reset so a disabled one is no error. */
const FILTER_OVERRIDES: readonly GitConfigEntry[] = [
  ['clean', ''],
  ['smudge', ''],
  ['process', ''],
  ['required', 'false'],
];

/**
 * Creates the one real Git. It reads which filter drivers the repository's config defines and
 * overrides each with empty commands: a planted `.gitattributes` can name any driver, but only
 * a configured one runs, so emptying every configured one leaves nothing to run.
 */
export async function createGit(repoDir: string): Promise<Git> {
  const home = await mkdtemp(join(tmpdir(), 'agent-git-home-'));
  await chmod(home, 0o500);
  const base = baseEnvironment(home);
  const probe = new GitRunner(repoDir, base, []);
  try {
    const filterOverrides = await readFilterOverrides(probe);
    return new GitRunner(repoDir, base, filterOverrides, home);
  } catch (error) {
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}

function baseEnvironment(home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    // Empty, not unset: an unset GIT_ASKPASS falls back to core.askPass and SSH_ASKPASS.
    GIT_ASKPASS: '',
    GIT_OPTIONAL_LOCKS: '0',
    LC_ALL: 'C',
    LANG: 'C',
  };
}

async function readFilterOverrides(git: Git): Promise<GitConfigEntry[]> {
  const listing = await git.run(['config', '--null', '--get-regexp', '^filter\\.'], {
    okExitCodes: [0, 1],
  });
  const names = new Set<string>();
  for (const entry of listing.stdout.toString('utf8').split('\0')) {
    const key = entry.split('\n', 1)[0] ?? '';
    const match = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return [...names].flatMap((name) =>
    FILTER_OVERRIDES.map(([setting, value]): GitConfigEntry => [
      `filter.${name}.${setting}`,
      value,
    ]),
  );
}

/** Turns config entries into GIT_CONFIG_COUNT/KEY_n/VALUE_n variables. */
export function configEnvironment(entries: readonly GitConfigEntry[]): Record<string, string> {
  if (entries.length === 0) return {};
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

class GitRunner implements Git {
  readonly repoDir: string;
  readonly #env: Readonly<Record<string, string>>;
  readonly #config: readonly GitConfigEntry[];
  readonly #home: string | undefined;

  constructor(
    repoDir: string,
    env: Record<string, string>,
    config: readonly GitConfigEntry[],
    home?: string,
  ) {
    this.repoDir = repoDir;
    this.#env = env;
    this.#config = config;
    this.#home = home;
  }

  async run(args: readonly string[], options: GitCommandOptions = {}): Promise<GitOutput> {
    const fullArgs = [...FIXED_CONFIG.flatMap((entry) => ['-c', entry]), ...args];
    const result = await execa('git', fullArgs, {
      cwd: this.repoDir,
      env: {
        ...this.#env,
        ...options.env,
        ...configEnvironment([...this.#config, ...(options.config ?? [])]),
      },
      extendEnv: false,
      input: options.input ?? '',
      encoding: 'buffer',
      stripFinalNewline: false,
      maxBuffer: options.maxOutputBytes ?? GIT_MAX_OUTPUT_BYTES,
      timeout: options.timeoutMs ?? GIT_COMMAND_TIMEOUT_MS,
      forceKillAfterDelay: KILL_GRACE_MS,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      reject: false,
    });
    const stdout = Buffer.from(result.stdout ?? new Uint8Array());
    const stderr = Buffer.from(result.stderr ?? new Uint8Array()).toString('utf8');
    const why = failureReason(result, options.okExitCodes ?? [0]);
    if (why !== undefined) throw new GitError(args, result.exitCode, stderr, why);
    return { exitCode: result.exitCode ?? 0, stdout, stderr };
  }

  async text(args: readonly string[], options?: GitCommandOptions): Promise<string> {
    const output = await this.run(args, options);
    return output.stdout.toString('utf8').replace(/\n$/, '');
  }

  async dispose(): Promise<void> {
    if (this.#home !== undefined) await rm(this.#home, { recursive: true, force: true });
  }
}

interface FinishedCommand {
  readonly exitCode?: number | undefined;
  readonly timedOut: boolean;
  readonly isMaxBuffer: boolean;
  readonly isCanceled: boolean;
  readonly signal?: string | undefined;
  readonly originalMessage?: string | undefined;
}

function failureReason(result: FinishedCommand, ok: readonly number[]): string | undefined {
  if (result.timedOut) return 'timed out';
  if (result.isMaxBuffer) return 'printed more output than allowed';
  if (result.isCanceled) return 'was cancelled';
  if (result.signal) return `was killed by ${result.signal}`;
  if (result.exitCode === undefined) return `could not start (${result.originalMessage ?? ''})`;
  if (!ok.includes(result.exitCode)) return `exited with code ${result.exitCode}`;
  return undefined;
}
