import picomatch from 'picomatch';
import { InputError } from '../errors.ts';

/**
 * How protected-path globs match. `dot`: `**` and `*` match names that start with a dot, or
 * `.github` itself would slip through `**`. Case stays significant: GitHub paths are
 * case-sensitive and GitHub reads workflows only from `.github/workflows`, so a file under
 * `.GitHub/Workflows` is not a workflow and is not protected by the default. `nonegate`:
 * a leading `!` is refused when parsing; it must never flip a pattern into "everything else".
 */
export const GLOB_OPTIONS: picomatch.PicomatchOptions = Object.freeze({
  dot: true,
  nocase: false,
  nonegate: true,
  windows: false,
});

/** The value of `protected-paths` that turns the check off. */
export const NO_PROTECTED_PATHS = 'none';

const ACCEPTED =
  'comma- or newline-separated globs relative to the repository root, e.g. ' +
  "'.github/workflows/**, deploy/**', or 'none' to protect nothing";

/**
 * Parses `protected-paths` into normalised globs; an empty list means nothing is protected.
 * Trailing slashes are dropped because a pattern also covers everything beneath what it
 * matches (`.github/workflows` protects the files in it).
 */
export function parseProtectedPaths(raw: string): readonly string[] {
  const items = raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (items.length === 1 && items[0]!.toLowerCase() === NO_PROTECTED_PATHS) return [];
  const globs = items.map(parseGlob);
  return Object.freeze([...new Set(globs)]);
}

function parseGlob(item: string): string {
  const glob = item.replace(/^\.\/+/, '').replace(/\/+$/, '');
  const problem = findGlobProblem(glob);
  if (problem !== undefined) {
    throw new InputError('protected-paths', `'${item}' ${problem}`, `Accepted: ${ACCEPTED}.`);
  }
  return glob;
}

function findGlobProblem(glob: string): string | undefined {
  if (glob.toLowerCase() === NO_PROTECTED_PATHS) {
    return "cannot be combined with other patterns; give 'none' alone to protect nothing.";
  }
  if (glob === '' || glob === '.') return 'names no path.';
  if (glob.startsWith('!'))
    return 'is a negation, which is not supported: list only what to protect.';
  if (glob.startsWith('/')) return 'is absolute; patterns are relative to the repository root.';
  if (glob.includes('\\')) return "holds a backslash; separate folders with '/'.";
  if (glob.split('/').includes('..')) return "leaves the repository through '..'.";
  // picomatch compiles a malformed class or brace (`[z-a]`, `{a`) to a regex that never matches.
  if (picomatch.makeRe(glob, GLOB_OPTIONS).source === '$^') return 'is not a valid glob.';
  return undefined;
}
