import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { prepareWorkspace } from '../../src/workspace/prepare.ts';
import { UserError } from '../../src/errors.ts';

const TOKEN = 'ghs_workspaceTestToken000000000000000000';

function git(cwd: string, ...args: string[]) {
  return execFileSync('git', args, { cwd, encoding: 'utf8' });
}

/** A clone as actions/checkout leaves it: the token in an extraheader and an includeIf file. */
function checkoutLikeRepo(): string {
  const repo = mkdtempSync(path.join(tmpdir(), 'repo-'));
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'remote', 'add', 'origin', `https://x-access-token:${TOKEN}@github.com/o/r.git`);
  const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
  git(repo, 'config', 'http.https://github.com/.extraheader', `AUTHORIZATION: basic ${basic}`);
  git(repo, 'config', `includeIf.gitdir:${repo}/.git.path`, '/runner/temp/git-credentials.config');
  git(repo, 'config', 'core.autocrlf', 'false');
  mkdirSync(path.join(repo, 'pkg'));
  return repo;
}

describe('workspace preparation', () => {
  it('hides the checkout token from the sandbox, keeping the original config', async () => {
    const repo = checkoutLikeRepo();
    const before = readFileSync(path.join(repo, '.git', 'config'), 'utf8');
    const prepared = await prepareWorkspace(repo, 'pkg');
    const configMount = prepared.mounts.find((m) => m.target === '/workspace/.git/config');
    assert.ok(configMount?.readOnly);
    const scrubbed = readFileSync(configMount.source, 'utf8');
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    assert.ok(!scrubbed.includes(TOKEN) && !scrubbed.includes(basic), scrubbed);
    assert.doesNotMatch(scrubbed, /includeIf|extraheader/i);
    assert.match(scrubbed, /url = https:\/\/github.com\/o\/r.git/);
    assert.match(scrubbed, /autocrlf = false/);
    assert.equal(readFileSync(path.join(repo, '.git', 'config'), 'utf8'), before);
    assert.ok(
      !configMount.source.startsWith(repo),
      'the scrubbed copy must live outside the workspace',
    );
  });

  it('mounts .git read-only and confines the agent to the working directory', async () => {
    const repo = checkoutLikeRepo();
    const prepared = await prepareWorkspace(repo, 'pkg');
    assert.equal(prepared.containerWorkdir, '/workspace/pkg');
    assert.deepEqual(
      prepared.mounts.map((m) => [m.target, m.readOnly]),
      [
        ['/workspace', false],
        ['/workspace/.git', true],
        ['/workspace/.git/config', true],
      ],
    );
  });

  it('explains what to do when the folder is not a checkout', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'plain-'));
    writeFileSync(path.join(folder, 'a.txt'), 'x');
    await assert.rejects(prepareWorkspace(folder, '.'), (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.hint, /actions\/checkout/);
      return true;
    });
  });

  it('refuses a working directory that does not exist', async () => {
    await assert.rejects(prepareWorkspace(checkoutLikeRepo(), 'missing'), /is not a folder/);
  });
});
