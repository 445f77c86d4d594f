import { InputError } from '../errors.ts';

export const SLUG_MAX_CHARS = 40;
const FALLBACK_SLUG = 'task';

/**
 * A short, readable branch fragment from the task's first line: ASCII lowercase letters,
 * digits and single dashes, at most SLUG_MAX_CHARS long, cut at a word boundary when one is
 * near, never empty.
 */
export function slugify(task: string): string {
  const words = (task.trim().split('\n', 1)[0] ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return trimToWordBoundary(words, SLUG_MAX_CHARS) || FALLBACK_SLUG;
}

function trimToWordBoundary(slug: string, maxChars: number): string {
  if (slug.length <= maxChars) return slug;
  const cut = slug.slice(0, maxChars);
  const lastDash = cut.lastIndexOf('-');
  // A boundary in the last half keeps whole words; earlier, a cut word reads better than one.
  const trimmed = lastDash >= maxChars / 2 ? cut.slice(0, lastDash) : cut;
  return trimmed.replace(/-+$/, '');
}

/**
 * `<prefix><slug>-<runId>`. The prefix comes from the `branch-prefix` input, so the whole
 * name is checked against git's rules for branch names.
 */
export function branchName(prefix: string, task: string, runId: string | number): string {
  const name = `${prefix}${slugify(task)}-${runId}`;
  if (!isValidBranchName(name)) {
    throw new InputError(
      'branch-prefix',
      `'${prefix}' makes the branch name '${name}', which git does not accept.`,
      'Use letters, digits, `-`, `_` and `/` (for example `agent/`), without `..`, spaces ' +
        'or a leading `-`.',
    );
  }
  return name;
}

/** Git's `check-ref-format --branch` rules, applied to a name without `refs/heads/`. */
export function isValidBranchName(name: string): boolean {
  if (name === '' || name === '@' || name.startsWith('-')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('//') || name.includes('@{')) return false;
  // Control characters, space, and ~ ^ : ? * [ \ are never allowed in a ref.
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}
