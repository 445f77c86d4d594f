import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { UserError } from '../errors.ts';
import { createGit, GIT_MAX_OUTPUT_BYTES, GitError } from './git.ts';
import type { Git, GitCommandOptions } from './git.ts';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'renamed';

export interface ChangedFile {
  /** Repository-relative, `/`-separated; the new path of a rename. */
  readonly path: string;
  /** Set for renames only. */
  readonly oldPath?: string;
  readonly status: ChangeStatus;
  /** Lines; 0 for binary files. */
  readonly additions: number;
  readonly deletions: number;
  readonly isBinary: boolean;
  readonly isSymlink: boolean;
  /** A nested repository recorded as a gitlink (mode 160000), before or after the change. */
  readonly isSubmodule: boolean;
  /** Octal git mode after the change (before it, for a deletion): 100644, 100755, 120000... */
  readonly mode: string;
  /** Octal git mode before the change; 000000 for an added file. */
  readonly oldMode: string;
  /**
   * Bytes of the content after the change, read from the captured blob (for a symlink, its
   * target's text); 0 for a deletion and for a submodule.
   */
  readonly size: number;
  /** What a new or changed symlink points at, read from the staged blob, never followed. */
  readonly symlinkTarget?: string;
  /** The symlink is absolute, or resolves outside the repository or into `.git`. */
  readonly symlinkEscapes: boolean;
}

export interface ChangeStats {
  readonly filesChanged: number;
  readonly additions: number;
  readonly deletions: number;
  readonly patchBytes: number;
  /** Sum of the changed files' sizes after the change: what the change adds to the tree. */
  readonly contentBytes: number;
}

export interface CapturedChanges {
  /** The commit the change is measured against. */
  readonly baseCommit: string;
  /** The tree of the working tree as captured; equals the base's tree when nothing changed. */
  readonly tree: string;
  readonly files: readonly ChangedFile[];
  /** `git diff --binary` decoded as UTF-8: exact whenever the changed text files are UTF-8. */
  readonly patch: string;
  /** The same patch byte for byte, for `git apply` and the audit artifact. */
  readonly patchBytes: Buffer;
  /**
   * The change was too large to hold as a patch (see MAX_PATCH_SOURCE_BYTES): `patch` and
   * `patchBytes` are empty, while `tree` and `files` are complete.
   */
  readonly patchOmitted: boolean;
  readonly stats: ChangeStats;
}

export interface CaptureOptions {
  /** What to compare against. Default: `HEAD`. */
  readonly baseRef?: string;
  readonly signal?: AbortSignal;
}

/** Empty-tree id for SHA-1 repositories; an unborn HEAD is compared with it. */
const EMPTY_TREE_SHA1 = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const SYMLINK_MODE = '120000';
export const GITLINK_MODE = '160000';
const NO_OBJECT = /^0+$/;
/**
 * Most bytes of old plus new file content that the capture turns into a patch. A text patch
 * holds both with a prefix per line (at worst 1.5 times their size) and a binary one holds
 * both compressed in base85 (about 1.3 times), so this keeps `git diff` within git's output
 * cap. A larger change is still captured (tree and files) and refused by the vetting instead
 * of failing the run.
 */
export const MAX_PATCH_SOURCE_BYTES = Math.floor(GIT_MAX_OUTPUT_BYTES / 1.6);
const DIFF_FLAGS = [
  '--cached',
  '--no-ext-diff',
  '--no-textconv',
  '--no-color',
  '--no-relative',
  '--find-renames',
];

/**
 * Captures what the agent changed in `repoDir` relative to the base, without touching the
 * repository's own index, HEAD or working tree: everything is staged into a temporary index
 * seeded from the base. Symlinks are recorded as links; their targets are never opened.
 */
export async function captureChanges(
  repoDir: string,
  options: CaptureOptions = {},
): Promise<CapturedChanges> {
  const git = await createGit(repoDir);
  const scratch = await mkdtemp(join(tmpdir(), 'agent-capture-'));
  try {
    await refuseSparseCheckout(git);
    const baseCommit = await resolveBase(git, options.baseRef ?? 'HEAD');
    const indexed: GitCommandOptions = {
      env: { GIT_INDEX_FILE: join(scratch, 'index') },
      ...(options.signal ? { signal: options.signal } : {}),
    };
    const baseTree = baseCommit === '' ? EMPTY_TREE_SHA1 : `${baseCommit}^{tree}`;
    await runCapture(git, ['read-tree', baseTree], indexed);
    await runCapture(git, ['add', '--all'], indexed);
    const tree = await git.text(['write-tree'], indexed);
    const base = baseCommit === '' ? EMPTY_TREE_SHA1 : baseCommit;
    return await describeChanges(git, base, baseCommit, tree, indexed);
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await git.dispose();
  }
}

async function describeChanges(
  git: Git,
  base: string,
  baseCommit: string,
  tree: string,
  indexed: GitCommandOptions,
): Promise<CapturedChanges> {
  // Full ids: blob sizes are looked up by the full ids that `cat-file` prints.
  const raw = await git.run(['diff', ...DIFF_FLAGS, '--raw', '--no-abbrev', '-z', base], indexed);
  const numstat = await git.run(['diff', ...DIFF_FLAGS, '--numstat', '-z', base], indexed);
  const entries = parseRawDiff(raw.stdout.toString('utf8'));
  const counts = parseNumstat(numstat.stdout.toString('utf8'));
  const sizes = await readBlobSizes(git, entries);
  const files = await Promise.all(
    entries.map((entry) => toChangedFile(git, entry, counts.get(entry.path), sizes)),
  );
  const sourceBytes = sum(
    entries.flatMap((entry) => [sizes.get(entry.oldBlob) ?? 0, sizes.get(entry.newBlob) ?? 0]),
  );
  const patchOmitted = sourceBytes > MAX_PATCH_SOURCE_BYTES;
  const patchBytes = patchOmitted ? Buffer.alloc(0) : await diffPatch(git, base, indexed);
  return {
    baseCommit,
    tree,
    files,
    patch: patchBytes.toString('utf8'),
    patchBytes,
    patchOmitted,
    stats: {
      filesChanged: files.length,
      additions: sum(files.map((file) => file.additions)),
      deletions: sum(files.map((file) => file.deletions)),
      patchBytes: patchBytes.length,
      contentBytes: sum(files.map((file) => file.size)),
    },
  };
}

async function diffPatch(git: Git, base: string, indexed: GitCommandOptions): Promise<Buffer> {
  const args = ['diff', ...DIFF_FLAGS, '--binary', '--src-prefix=a/', '--dst-prefix=b/', base];
  return (await git.run(args, indexed)).stdout;
}

/**
 * Sizes of the blobs before and after the change, from the object database that the capture
 * wrote into: never from the working tree, which the agent could still be changing or could
 * have filled with links. Gitlinks name commits of other repositories and are left out.
 */
async function readBlobSizes(git: Git, entries: readonly RawEntry[]): Promise<Map<string, number>> {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (entry.oldMode !== GITLINK_MODE && !NO_OBJECT.test(entry.oldBlob)) ids.add(entry.oldBlob);
    if (entry.newMode !== GITLINK_MODE && !NO_OBJECT.test(entry.newBlob)) ids.add(entry.newBlob);
  }
  if (ids.size === 0) return new Map();
  const output = await git.text(
    ['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'],
    { input: [...ids].join('\n') + '\n' },
  );
  return parseBatchCheck(output);
}

/** Parses `git cat-file --batch-check` lines `<id> <type> <size>`; missing objects are skipped. */
export function parseBatchCheck(output: string): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of output.split('\n')) {
    const [id = '', type = '', size = ''] = line.split(' ');
    if (type === 'blob' && /^\d+$/.test(size)) sizes.set(id, Number(size));
  }
  return sizes;
}

async function refuseSparseCheckout(git: Git): Promise<void> {
  const sparse = await git.text(['config', '--bool', 'core.sparseCheckout'], {
    okExitCodes: [0, 1],
  });
  if (sparse === 'true') {
    throw new UserError(
      'The checkout is sparse, so files outside the sparse set would look deleted.',
      'Check the repository out in full (no `sparse-checkout` input) for agent runs.',
    );
  }
}

/** The base commit id, or '' when the base is an unborn HEAD (a repository with no commits). */
async function resolveBase(git: Git, ref: string): Promise<string> {
  const output = await git.run(
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    { okExitCodes: [0, 1] },
  );
  const sha = output.stdout.toString('utf8').trim();
  if (output.exitCode === 0 && sha !== '') return sha;
  if (ref === 'HEAD') return '';
  throw new UserError(
    `The base '${ref}' is not a commit in the repository.`,
    'Set `base-branch` to a branch that exists, or fetch it before the agent runs.',
  );
}

async function runCapture(git: Git, args: string[], options: GitCommandOptions): Promise<void> {
  try {
    await git.run(args, options);
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    throw new UserError(
      `Could not record the agent's changes: ${error.message}`,
      'See the git message above; a nested repository without commits or an unreadable ' +
        'file in the workspace are the usual causes.',
      { cause: error },
    );
  }
}

interface RawEntry {
  readonly status: string;
  readonly oldMode: string;
  readonly newMode: string;
  readonly oldBlob: string;
  readonly newBlob: string;
  readonly path: string;
  readonly oldPath?: string;
}

/** Parses `git diff --raw -z`: `:old new oldsha newsha STATUS\0path\0[path\0]`. */
export function parseRawDiff(output: string): RawEntry[] {
  const tokens = output.split('\0');
  const entries: RawEntry[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const header = tokens[i] ?? '';
    if (!header.startsWith(':')) continue;
    const [oldMode = '', newMode = '', oldBlob = '', newBlob = '', status = ''] = header
      .slice(1)
      .split(' ');
    const twoPaths = status.startsWith('R') || status.startsWith('C');
    const first = tokens[i + 1] ?? '';
    const second = tokens[i + 2] ?? '';
    entries.push({
      status,
      oldMode,
      newMode,
      oldBlob,
      newBlob,
      path: twoPaths ? second : first,
      ...(twoPaths ? { oldPath: first } : {}),
    });
    i += twoPaths ? 2 : 1;
  }
  return entries;
}

interface LineCounts {
  readonly additions: number;
  readonly deletions: number;
  readonly isBinary: boolean;
}

/** Parses `git diff --numstat -z`; a rename's counts are followed by its two paths. */
export function parseNumstat(output: string): Map<string, LineCounts> {
  const tokens = output.split('\0');
  const counts = new Map<string, LineCounts>();
  for (let i = 0; i < tokens.length; i += 1) {
    const match = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(tokens[i] ?? '');
    if (!match) continue;
    const [, added = '-', deleted = '-', inlinePath = ''] = match;
    let path = inlinePath;
    if (inlinePath === '') {
      path = tokens[i + 2] ?? '';
      i += 2;
    }
    const isBinary = added === '-' && deleted === '-';
    counts.set(path, {
      additions: isBinary ? 0 : Number(added),
      deletions: isBinary ? 0 : Number(deleted),
      isBinary,
    });
  }
  return counts;
}

async function toChangedFile(
  git: Git,
  entry: RawEntry,
  counts: LineCounts | undefined,
  sizes: ReadonlyMap<string, number>,
): Promise<ChangedFile> {
  const status = toStatus(entry.status);
  const mode = status === 'deleted' ? entry.oldMode : entry.newMode;
  const isSymlink = mode === SYMLINK_MODE;
  const symlinkTarget =
    isSymlink && status !== 'deleted' ? await readBlob(git, entry.newBlob) : undefined;
  return {
    path: entry.path,
    ...(entry.oldPath !== undefined ? { oldPath: entry.oldPath } : {}),
    status,
    additions: counts?.additions ?? 0,
    deletions: counts?.deletions ?? 0,
    isBinary: counts?.isBinary ?? false,
    isSymlink,
    isSubmodule: mode === GITLINK_MODE || entry.oldMode === GITLINK_MODE,
    mode,
    oldMode: entry.oldMode,
    size: status === 'deleted' ? 0 : (sizes.get(entry.newBlob) ?? 0),
    ...(symlinkTarget !== undefined ? { symlinkTarget } : {}),
    symlinkEscapes: symlinkTarget !== undefined && doesSymlinkEscape(entry.path, symlinkTarget),
  };
}

function toStatus(code: string): ChangeStatus {
  switch (code.charAt(0)) {
    case 'A':
      return 'added';
    case 'D':
      return 'deleted';
    case 'R':
      return 'renamed';
    default:
      // M (content or mode) and T (type change, e.g. file to symlink).
      return 'modified';
  }
}

async function readBlob(git: Git, blob: string): Promise<string> {
  return (await git.run(['cat-file', 'blob', blob])).stdout.toString('utf8');
}

/**
 * Whether a symlink at `linkPath` (repository-relative) pointing at `target` leaves the
 * repository's tracked tree, judged from the text alone. `.git` counts as outside: a link
 * into it would expose the repository's config and credentials to whoever reads the link.
 */
export function doesSymlinkEscape(linkPath: string, target: string): boolean {
  if (target.startsWith('/') || /^[A-Za-z]:[\\/]/.test(target) || target.includes('\0')) {
    return true;
  }
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  const first = resolved.split('/')[0] ?? '';
  return first === '..' || first.toLowerCase() === '.git';
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
