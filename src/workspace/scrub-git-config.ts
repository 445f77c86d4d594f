import { execa } from 'execa';

/**
 * Config keys that can carry credentials. actions/checkout leaves the job token in an
 * `http.<url>.extraheader` (older versions) or in a file pulled in by `includeIf` (newer ones).
 */
const CREDENTIAL_KEYS = [
  /^http\..*extraheader$/i,
  /^includeif\./i,
  /^include\.path$/i,
  /^credential\./i,
  /^url\..*\.insteadof$/i,
];

async function gitConfig(file: string, args: string[]): Promise<string> {
  const result = await execa('git', ['config', '--file', file, ...args], {
    reject: false,
    env: { GIT_CONFIG_NOSYSTEM: '1' },
  });
  // Exit 1 means "no such key", which is the normal answer for a clean config.
  if (result.exitCode !== 0 && result.exitCode !== 1) {
    throw new Error(`git config failed: ${result.stderr}`);
  }
  return result.stdout;
}

function withoutUserInfo(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url; // scp-like `git@host:path` has no password to leak
  }
}

/**
 * Removes every credential-bearing entry from a copy of a repository's config, in place.
 * Returns the names of the keys it removed or rewrote, for the audit log (never their values).
 */
export async function scrubGitConfig(file: string): Promise<string[]> {
  const names = (await gitConfig(file, ['--list', '--name-only']))
    .split('\n')
    .filter((name) => name !== '');
  const removed = [...new Set(names.filter((name) => CREDENTIAL_KEYS.some((re) => re.test(name))))];
  for (const name of removed) await gitConfig(file, ['--unset-all', name]);

  const urls = await gitConfig(file, ['--get-regexp', '^remote\\..*\\.url$']);
  for (const line of urls.split('\n').filter(Boolean)) {
    const space = line.indexOf(' ');
    const [name, url] = [line.slice(0, space), line.slice(space + 1)];
    const clean = withoutUserInfo(url);
    if (clean !== url) {
      await gitConfig(file, ['--replace-all', name, clean]);
      removed.push(name);
    }
  }
  return removed;
}
