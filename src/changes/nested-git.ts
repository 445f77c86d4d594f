import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AuditRecorder } from '../audit/events.ts';
import { describeRefusal, type VetReason } from './vet.ts';

/**
 * Finds every entry named `.git` below the repository root, without following symlinks.
 *
 * Git treats a folder holding `.git` as a nested repository and, to record it, reads what that
 * `.git` names: a `gitdir:` file can point anywhere on the runner. The agent can plant one with
 * a shell, so the capture must not let git see it. Only names and types are read here.
 */
export async function findNestedGitEntries(repoRoot: string): Promise<string[]> {
  const found: string[] = [];
  const pending = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(repoRoot, relative), { withFileTypes: true });
    } catch {
      continue; // unreadable or gone: git would not read it either
    }
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.name === '.git') {
        if (relative !== '') found.push(child);
      } else if (entry.isDirectory()) {
        pending.push(child);
      }
    }
  }
  return found.sort();
}

export function nestedRepositoryReasons(paths: readonly string[]): VetReason[] {
  return paths.map((entry) => ({
    rule: 'nested-repository',
    path: entry,
    message:
      `${JSON.stringify(entry)} makes its folder a nested git repository; git would follow it ` +
      'on the runner, so the change was not captured.',
  }));
}

/**
 * Refuses the change before git looks at the working tree when it holds a nested `.git`.
 * Returns the refusal for the summary, or undefined when capture may go ahead.
 */
export async function tryRefuseNestedRepositories(
  repoRoot: string,
  audit: AuditRecorder,
): Promise<string | undefined> {
  const paths = await findNestedGitEntries(repoRoot);
  if (paths.length === 0) return undefined;
  const reasons = nestedRepositoryReasons(paths);
  audit.record('changes.refused', { reasons });
  return describeRefusal(reasons);
}
