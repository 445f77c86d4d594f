import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { captureChanges } from '../../src/changes/capture.ts';
import { createGit } from '../../src/changes/git.ts';
import type { Git } from '../../src/changes/git.ts';
import { branchName } from '../../src/publish/branch.ts';
import { buildCommitMessage, createBranchCommit } from '../../src/publish/commit.ts';
import { pushBranch } from '../../src/publish/push.ts';
import { createScratchRepo, plantHooks } from '../support/scratch-git-repo.ts';
import type { ScratchRepo } from '../support/scratch-git-repo.ts';

const TASK = 'Make the parser accept ISO weeks\n\nWeeks look like 2024-W05.';

let scratch: ScratchRepo;
let git: Git;

beforeEach(async () => {
  scratch = await createScratchRepo({ 'src/parse.js': 'export const parse = () => null;\n' });
  git = await createGit(scratch.repo);
});

afterEach(async () => {
  await git.dispose();
  await scratch.cleanup();
});

async function captureAndCommit(branch: string): Promise<string> {
  await scratch.write('src/parse.js', 'export const parse = (s) => s.split("-W");\n');
  await scratch.write('src/weeks.js', 'export const WEEKS = 53;\n');
  const captured = await captureChanges(scratch.repo);
  const commit = await createBranchCommit(git, {
    tree: captured.tree,
    parent: captured.baseCommit,
    branch,
    message: buildCommitMessage(TASK),
  });
  assert.equal(commit.ref, `refs/heads/${branch}`);
  return captured.tree;
}

describe('committing and pushing the captured change', () => {
  test('puts the captured tree on origin as a bot commit on the new branch', async () => {
    const branch = branchName('agent/', TASK, 4242);
    const tree = await captureAndCommit(branch);

    const pushed = await pushBranch(git, { branch, token: 'must-not-be-used' });

    assert.equal(pushed.authenticated, false);
    const show = (format: string): Promise<string> =>
      scratch.git(['log', '-1', `--format=${format}`, branch], scratch.origin);
    assert.equal(await show('%T'), tree);
    assert.equal(
      await show('%an <%ae>'),
      'github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>',
    );
    assert.equal(await show('%cn'), 'github-actions[bot]');
    assert.equal(await show('%s'), 'Make the parser accept ISO weeks');
    assert.match(await show('%b'), /Weeks look like 2024-W05\./);
    assert.equal(await show('%P'), await scratch.git(['rev-parse', 'main']));
    assert.equal(branch, 'agent/make-the-parser-accept-iso-weeks-4242');
    await scratch.git(['check-ref-format', '--branch', branch]);
  });

  test('never checks the branch out: HEAD, index and working tree stay put', async () => {
    const headBefore = await scratch.git(['symbolic-ref', 'HEAD']);
    const branch = 'agent/stay-put-1';
    await captureAndCommit(branch);
    const index = await readFile(join(scratch.repo, '.git', 'index'));

    await pushBranch(git, { branch, token: '' });

    assert.equal(await scratch.git(['symbolic-ref', 'HEAD']), headBefore);
    assert.deepEqual(await readFile(join(scratch.repo, '.git', 'index')), index);
    assert.equal(
      await readFile(join(scratch.repo, 'src/weeks.js'), 'utf8'),
      'export const WEEKS = 53;\n',
    );
    assert.match(await scratch.git(['status', '--porcelain']), /^\?\? src\/weeks\.js$/m);
  });

  test('runs none of the repository hooks while committing and pushing', async () => {
    await plantHooks(scratch);
    const branch = 'agent/no-hooks-7';

    await captureAndCommit(branch);
    await pushBranch(git, { branch, token: '' });

    assert.deepEqual(await scratch.listMarkers(), []);
    assert.equal(
      await scratch.git(['rev-parse', branch], scratch.origin),
      await scratch.git(['rev-parse', branch]),
    );
  });

  test('refuses to move a branch that already exists locally', async () => {
    await scratch.git(['branch', 'agent/taken-1']);

    await assert.rejects(captureAndCommit('agent/taken-1'), {
      name: 'PublishError',
      hint: /already exists locally/,
    });
  });

  test('replaces the remote branch left by an earlier attempt of the same run', async () => {
    const branch = 'agent/retry-9';
    await scratch.git(['push', '--quiet', 'origin', `main:refs/heads/${branch}`]);
    const tree = await captureAndCommit(branch);

    await pushBranch(git, { branch, token: '' });

    assert.equal(await scratch.git(['rev-parse', `${branch}^{tree}`], scratch.origin), tree);
  });

  test('without force, a remote branch of that name is a PublishError with a hint', async () => {
    const branch = 'agent/exists-3';
    await scratch.git(['push', '--quiet', 'origin', `main:refs/heads/${branch}`]);
    await scratch.git(['commit', '--quiet', '--allow-empty', '-m', 'diverge'], scratch.repo);
    await scratch.git(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
    await scratch.git(['reset', '--quiet', '--hard', 'HEAD~1']);
    await captureAndCommit(branch);

    await assert.rejects(pushBranch(git, { branch, token: '', force: false }), {
      name: 'PublishError',
      message: /the remote rejected the branch/,
      hint: /exists on the remote/,
    });
  });

  test('every branch name made from an awkward task is one git itself accepts', async () => {
    const tasks = ['', '..', '@{u}', '-rf /', 'a.lock', '~^:?*[\\', 'Ünïcödé — ✓'];
    tasks.push('x'.repeat(300));
    for (const task of tasks) {
      const name = branchName('agent/', task, 17);
      await scratch.git(['check-ref-format', '--branch', name]);
    }
  });

  test('refuses to commit when the captured tree equals the base', async () => {
    const captured = await captureChanges(scratch.repo);

    await assert.rejects(
      createBranchCommit(git, {
        tree: captured.tree,
        parent: captured.baseCommit,
        branch: 'agent/empty-1',
        message: 'nothing',
      }),
      { name: 'PublishError', message: /nothing to commit/ },
    );
  });
});
