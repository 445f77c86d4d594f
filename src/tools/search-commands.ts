/**
 * Command lines for the two search tools, for images with ripgrep and for the POSIX fallback.
 * Every model value is its own argument and sits where it cannot be read as an option: after
 * `--glob`, `--regexp` / `-e`, `-name` / `-path`, or as a path that starts with `.`.
 */

export interface GrepQuery {
  readonly pattern: string;
  /** Relative to the command's working directory, starting with `.` (see searchLocation). */
  readonly target: string;
  readonly fileGlob: string | undefined;
  readonly caseSensitive: boolean;
}

export interface FindQuery {
  readonly pattern: string;
  readonly target: string;
  readonly maxDepth: number | undefined;
}

/** Ripgrep's defaults, made explicit so a config file in the image cannot change them. */
const RIPGREP_BASE = [
  'rg',
  '--no-config',
  // Honour .gitignore even where the sandbox cannot see a .git folder.
  '--no-require-git',
  '--hidden',
  '--color',
  'never',
];

/** Last among the globs: ripgrep lets later globs win, and a model's `*` must not reopen .git. */
const RIPGREP_SKIP_GIT = ['--glob', '!.git'];

export function ripgrepSearch(query: GrepQuery): string[] {
  return [
    ...RIPGREP_BASE,
    '--line-number',
    '--with-filename',
    '--no-heading',
    '--sort',
    'path',
    query.caseSensitive ? '--case-sensitive' : '--ignore-case',
    ...(query.fileGlob === undefined ? [] : ['--glob', query.fileGlob]),
    ...RIPGREP_SKIP_GIT,
    '--regexp',
    query.pattern,
    '--',
    query.target,
  ];
}

/** POSIX find feeding grep -E; prunes `.git`, cannot read .gitignore. */
export function posixSearch(query: GrepQuery): string[] {
  return [
    'find',
    query.target,
    ...PRUNE_GIT,
    '-type',
    'f',
    ...(query.fileGlob === undefined ? [] : globTest(query.fileGlob)),
    '-exec',
    'grep',
    '-n',
    '-H',
    '-E',
    ...(query.caseSensitive ? [] : ['-i']),
    '-e',
    query.pattern,
    '--',
    '{}',
    '+',
  ];
}

export function ripgrepFiles(query: FindQuery): string[] {
  return [
    ...RIPGREP_BASE,
    '--files',
    '--glob',
    query.pattern,
    ...RIPGREP_SKIP_GIT,
    ...(query.maxDepth === undefined ? [] : ['--max-depth', String(query.maxDepth)]),
    '--',
    query.target,
  ];
}

export function posixFiles(query: FindQuery): string[] {
  return [
    'find',
    query.target,
    ...(query.maxDepth === undefined ? [] : ['-maxdepth', String(query.maxDepth)]),
    ...PRUNE_GIT,
    '-type',
    'f',
    ...globTest(query.pattern),
    '-print',
  ];
}

const PRUNE_GIT = ['-name', '.git', '-prune', '-o'];

/**
 * A glob without a slash matches file names anywhere, as in ripgrep and .gitignore. One with a
 * slash matches paths below the searched folder (where the search runs); find's `-path` lets
 * `*` cross slashes, so `**` becomes `*`, which matches at least as much as ripgrep would.
 */
export function globTest(glob: string): string[] {
  if (!glob.includes('/')) return ['-name', glob];
  const relative = glob
    .replace(/^\/+/, '')
    .replace(/\*\*\/?/g, '*')
    .replace(/\*+/g, '*');
  return ['-path', `./${relative}`];
}
