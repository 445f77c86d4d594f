import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { capText } from './capping.ts';
import { TRUNCATION_HINTS } from './messages.ts';

/** A diff is a confirmation, not a copy of the file: kept short on purpose. */
const DIFF_LIMITS = { maxLines: 200, maxBytes: 16 * 1024 };
/** Diffing two large, very different texts is quadratic; past this the diff is skipped. */
const DIFF_TIMEOUT_MS = 2_000;
const CONTEXT_LINES = 3;

/** A short unified diff between two versions of a file, or undefined when it cannot be made. */
export function shortDiff(display: string, before: string, after: string): string | undefined {
  const patch = createTwoFilesPatch(
    `a/${display}`,
    `b/${display}`,
    before,
    after,
    undefined,
    undefined,
    {
      context: CONTEXT_LINES,
      timeout: DIFF_TIMEOUT_MS,
      headerOptions: FILE_HEADERS_ONLY,
    },
  );
  if (patch === undefined) return undefined;
  return capText(patch, { ...DIFF_LIMITS, hint: TRUNCATION_HINTS.diff });
}
