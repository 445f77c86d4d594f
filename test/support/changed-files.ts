import assert from 'node:assert/strict';
import type { ChangedFile } from '../../src/changes/capture.ts';

/** The captured change to `path`; fails, listing what was captured, when there is none. */
export function byPath(files: readonly ChangedFile[], path: string): ChangedFile {
  const file = files.find((candidate) => candidate.path === path);
  assert.ok(file, `expected ${path} among ${files.map((f) => f.path).join(', ')}`);
  return file;
}
