import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';

/** A repository with one commit on `main` and a bare `origin` reached by a file path. */
export interface ScratchRepo {
  /** Parent folder of everything below; removed by cleanup. */
  readonly root: string;
  readonly repo: string;
  readonly origin: string;
  /** Where planted hooks and filters leave marker files. */
  readonly markers: string;
  /** Plain git as a person would run it: hooks and config all live. */
  git(args: readonly string[], cwd?: string): Promise<string>;
  write(path: string, content: string | Uint8Array): Promise<void>;
  listMarkers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export const TEST_AUTHOR = { name: 'Test Person', email: 'person@example.test' };

export async function createScratchRepo(files: Record<string, string>): Promise<ScratchRepo> {
  const root = await mkdtemp(join(tmpdir(), 'scratch-git-'));
  const repo = join(root, 'repo');
  const origin = join(root, 'origin.git');
  const markers = join(root, 'markers');
  const home = join(root, 'home');
  await Promise.all([mkdir(repo), mkdir(markers), mkdir(home)]);
  const git = async (args: readonly string[], cwd = repo): Promise<string> => {
    const result = await execa('git', args, {
      cwd,
      env: {
        HOME: home,
        XDG_CONFIG_HOME: home,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_AUTHOR_NAME: TEST_AUTHOR.name,
        GIT_AUTHOR_EMAIL: TEST_AUTHOR.email,
        GIT_COMMITTER_NAME: TEST_AUTHOR.name,
        GIT_COMMITTER_EMAIL: TEST_AUTHOR.email,
        MARKERS: markers,
        GIT_TERMINAL_PROMPT: '0',
      },
    });
    return result.stdout;
  };
  const write = async (path: string, content: string | Uint8Array): Promise<void> => {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  };
  await git(['init', '--quiet', '--bare', '--initial-branch=main', origin], root);
  await git(['init', '--quiet', '--initial-branch=main', repo], root);
  for (const [path, content] of Object.entries(files)) await write(path, content);
  await git(['add', '--all']);
  await git(['commit', '--quiet', '--message', 'Initial commit']);
  await git(['remote', 'add', 'origin', origin]);
  await git(['push', '--quiet', 'origin', 'main']);
  return {
    root,
    repo,
    origin,
    markers,
    git,
    write,
    listMarkers: async () => (await readdir(markers)).sort(),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

/** The hooks a commit, a ref update, an index write and a push would run. */
export const PLANTED_HOOKS = [
  'pre-commit',
  'commit-msg',
  'post-commit',
  'post-index-change',
  'reference-transaction',
  'pre-push',
] as const;

/** Hooks that leave a marker named after themselves, as an attacker's hook would act. */
export async function plantHooks(scratch: ScratchRepo): Promise<void> {
  for (const hook of PLANTED_HOOKS) {
    const path = join(scratch.repo, '.git', 'hooks', hook);
    await writeFile(path, `#!/bin/sh\ntouch '${join(scratch.markers, hook)}'\nexit 0\n`);
    await chmod(path, 0o755);
  }
}
