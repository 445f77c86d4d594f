import { createGit } from './git.ts';

/**
 * Paths that differ from HEAD before the agent starts: tracked changes and untracked files that
 * are not ignored. Capture compares the final tree with HEAD, so these would join the change.
 */
export async function listUncommittedPaths(repoDir: string): Promise<string[]> {
  const git = await createGit(repoDir);
  try {
    const status = await git.text(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    // Each entry is "XY path"; a rename adds the old path as a separate NUL-terminated field.
    const paths: string[] = [];
    const fields = status.split('\0');
    for (let i = 0; i < fields.length; i++) {
      const entry = fields[i]!;
      if (entry.length < 4) continue;
      paths.push(entry.slice(3));
      if (entry[0] === 'R' || entry[0] === 'C') i++;
    }
    return paths;
  } finally {
    await git.dispose();
  }
}
