import { posix } from 'node:path';
import { SandboxError } from '../errors.ts';
import { describeStderr, execFixed } from './exec.ts';
import {
  insideGitFolder,
  pathHasControlCharacters,
  pathLinksOutside,
  pathOutside,
  pathDanglingLink,
  pathUnresolvable,
} from './messages.ts';
import { type ToolContext, ToolError, ToolRefusal } from './tool.ts';

export type PathKind = 'file' | 'folder' | 'missing' | 'other';

export interface LexicalPath {
  /** Absolute, normalised container path: no `.`, `..`, doubled or trailing slashes. */
  readonly absolute: string;
  /** As the model should see it: relative to the working directory, `.` for the directory. */
  readonly display: string;
}

export interface ConfinedPath extends LexicalPath {
  /** The container path with every symbolic link resolved: what a tool acts on. */
  readonly real: string;
  /** The working directory with its links resolved; `real` lies inside it. */
  readonly realRoot: string;
  readonly kind: PathKind;
}

// Control characters in a path are almost always a mistake, and a newline would break the
// line-based answer of the resolution script below.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const KINDS: readonly PathKind[] = ['file', 'folder', 'missing', 'other'];

/**
 * Resolves symbolic links inside the container, where they mean what they will mean to the
 * command that follows. `readlink -f` (busybox and GNU) needs an existing path, so the script
 * walks up to the nearest existing ancestor, resolves that, and re-appends the rest. The
 * sentinel `.` keeps `$(...)` from eating trailing newlines of a link target.
 * Prints: kind, the resolved working directory, the resolved path (last, so it may hold
 * anything).
 */
const RESOLVE_SCRIPT = `
root=$(readlink -f -- "$1") || exit 3
p=$2
rest=
while [ ! -e "$p" ] && [ ! -L "$p" ]; do
  rest="/\${p##*/}$rest"
  p=\${p%/*}
  [ -n "$p" ] || p=/
done
if ! real=$(readlink -f -- "$p" && echo .); then
  [ -L "$p" ] || exit 4
  printf '%s' "$(readlink -- "$p")"
  exit 5
fi
real=\${real%.}
real=\${real%?}
[ "$real" = / ] && [ -n "$rest" ] && real=
full="$real$rest"
if [ -n "$rest" ] || [ ! -e "$full" ]; then kind=missing
elif [ -d "$full" ]; then kind=folder
elif [ -f "$full" ]; then kind=file
else kind=other
fi
printf '%s\\n%s\\n%s' "$kind" "$root" "$full"
`;

/** Whether `candidate` is `root` or lies below it; both absolute and normalised. */
export function isInside(root: string, candidate: string): boolean {
  if (root === '/') return candidate.startsWith('/');
  return candidate === root || candidate.startsWith(`${root}/`);
}

/**
 * The host-side check: interprets the model's path against the working directory without
 * touching any file system, and refuses what lies outside it on its face.
 */
export function resolveLexically(workdir: string, raw: string): LexicalPath {
  if (CONTROL_CHARACTERS.test(raw)) throw new ToolRefusal(pathHasControlCharacters(raw));
  const root = stripTrailingSlash(posix.normalize(workdir));
  const joined = posix.isAbsolute(raw) ? raw : posix.join(root, raw);
  const absolute = stripTrailingSlash(posix.normalize(joined));
  if (!isInside(root, absolute)) throw new ToolRefusal(pathOutside(raw, root));
  return { absolute, display: posix.relative(root, absolute) || '.' };
}

/**
 * Confines a path the model named: the lexical check on the host, then link resolution in the
 * sandbox. Refuses anything that resolves outside the working directory.
 */
export async function confinePath(context: ToolContext, raw: string): Promise<ConfinedPath> {
  const lexical = resolveLexically(context.sandbox.workdir, raw);
  const result = await execFixed(context, {
    argv: ['sh', '-c', RESOLVE_SCRIPT, 'sh', context.sandbox.workdir, lexical.absolute],
    action: `Resolving "${lexical.display}"`,
    maxOutputBytes: 64 * 1024,
  });
  if (result.exitCode === 3) {
    throw new SandboxError(
      `The working directory ${context.sandbox.workdir} does not exist in the sandbox.`,
      'Check the working-directory input: it must name a folder of the repository.',
    );
  }
  if (result.exitCode === 5) {
    // A link whose target's folder does not exist: `readlink -f` cannot follow it, so the link
    // text itself is judged. Nothing may be read or written through it either way.
    const target = result.stdout.toString('utf8');
    const outside = posix.isAbsolute(target) && !isInside(context.sandbox.workdir, target);
    throw new ToolRefusal(
      outside
        ? pathLinksOutside(raw, target, context.sandbox.workdir)
        : pathDanglingLink(raw, target),
    );
  }
  if (result.exitCode !== 0) throw new ToolError(pathUnresolvable(raw, describeStderr(result)));
  const resolved = parseResolution(result.stdout.toString('utf8'));
  if (!isInside(resolved.realRoot, resolved.real)) {
    throw new ToolRefusal(pathLinksOutside(raw, resolved.real, context.sandbox.workdir));
  }
  return { ...lexical, ...resolved };
}

/**
 * Refuses a write into a `.git` folder: hooks and config there would run on the runner when
 * the action commits. The workspace mounts `.git` read-only; this keeps the refusal explicit.
 */
export function refuseGitInternals(path: ConfinedPath, raw: string): void {
  const parts = posix.relative(path.realRoot, path.real).split('/');
  if (parts.includes('.git')) throw new ToolRefusal(insideGitFolder(raw));
}

export interface SearchLocation {
  /** Where the search command runs: the folder searched, or the folder of the file searched. */
  readonly cwd: string;
  /** `.` or `./name`: an argument that no command can mistake for an option. */
  readonly target: string;
  /** The working-directory-relative path of `cwd`, to put in front of what the command prints. */
  readonly prefix: string;
}

/**
 * Runs searches from inside the searched folder so that globs with a slash are anchored there,
 * for ripgrep and find alike.
 */
export function searchLocation(path: ConfinedPath): SearchLocation {
  const cwd = path.kind === 'folder' ? path.real : posix.dirname(path.real);
  const target = path.kind === 'folder' ? '.' : `./${posix.basename(path.real)}`;
  return { cwd, target, prefix: posix.relative(path.realRoot, cwd) };
}

/** A path the search command printed (`./a/b`), as the model should see it. */
export function displayFromSearch(location: SearchLocation, printed: string): string {
  const relative = printed.startsWith('./') ? printed.slice(2) : printed;
  return location.prefix === '' ? relative : `${location.prefix}/${relative}`;
}

function parseResolution(stdout: string): Pick<ConfinedPath, 'kind' | 'realRoot' | 'real'> {
  const firstBreak = stdout.indexOf('\n');
  const secondBreak = stdout.indexOf('\n', firstBreak + 1);
  const kind = stdout.slice(0, firstBreak) as PathKind;
  if (firstBreak < 0 || secondBreak < 0 || !KINDS.includes(kind)) {
    throw new SandboxError(
      `Resolving a path in the sandbox gave an unexpected answer: ${JSON.stringify(stdout)}`,
      'The image may lack readlink -f; use an image with busybox or GNU coreutils.',
    );
  }
  return {
    kind,
    realRoot: stdout.slice(firstBreak + 1, secondBreak),
    real: stdout.slice(secondBreak + 1),
  };
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
