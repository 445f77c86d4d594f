import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { captureChanges } from '../../src/changes/capture.ts';
import { byPath } from '../support/changed-files.ts';
import { createScratchRepo, plantHooks } from '../support/scratch-git-repo.ts';
import type { ScratchRepo } from '../support/scratch-git-repo.ts';

const INITIAL_FILES = {
  'README.md': '# Project\n',
  'src/app.js': 'console.log("one");\nconsole.log("two");\n',
  'src/old-name.js': 'export const stable = "a file long enough to be found as a rename";\n',
  'docs/remove-me.md': 'obsolete\nnotes\n',
};

const BINARY_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x7f]);

let scratch: ScratchRepo;

beforeEach(async () => {
  scratch = await createScratchRepo(INITIAL_FILES);
});

afterEach(async () => {
  await scratch.cleanup();
});

async function makeTypicalChanges(): Promise<void> {
  await scratch.write('src/app.js', 'console.log("one");\nconsole.log("2");\nconsole.log("3");\n');
  await scratch.write('src/new.js', 'export const added = true;\n');
  await scratch.write('assets/logo.png', BINARY_BYTES);
  await rm(join(scratch.repo, 'docs/remove-me.md'));
  await rename(join(scratch.repo, 'src/old-name.js'), join(scratch.repo, 'src/new-name.js'));
}

describe('captureChanges', () => {
  test('reports added, modified, deleted, renamed and binary files with line counts', async () => {
    await makeTypicalChanges();

    const captured = await captureChanges(scratch.repo);

    assert.deepEqual(captured.files.map((file) => [file.path, file.status]).sort(), [
      ['assets/logo.png', 'added'],
      ['docs/remove-me.md', 'deleted'],
      ['src/app.js', 'modified'],
      ['src/new-name.js', 'renamed'],
      ['src/new.js', 'added'],
    ]);
    const app = byPath(captured.files, 'src/app.js');
    assert.equal(app.additions, 2);
    assert.equal(app.deletions, 1);
    assert.equal(app.mode, '100644');
    assert.equal(byPath(captured.files, 'src/new-name.js').oldPath, 'src/old-name.js');
    const removed = byPath(captured.files, 'docs/remove-me.md');
    assert.equal(removed.deletions, 2);
    const logo = byPath(captured.files, 'assets/logo.png');
    assert.equal(logo.isBinary, true);
    assert.equal(logo.additions, 0);
    assert.match(captured.patch, /GIT binary patch/);
    assert.match(captured.patch, /\+console\.log\("3"\);/);
    assert.equal(captured.stats.filesChanged, 5);
    assert.equal(captured.stats.additions, 3);
    assert.equal(captured.stats.deletions, 3);
    assert.equal(captured.stats.patchBytes, captured.patchBytes.length);
    assert.equal(captured.baseCommit, await scratch.git(['rev-parse', 'HEAD']));
  });

  test('its patch, binary parts included, rebuilds the captured tree in a clone', async () => {
    await makeTypicalChanges();
    const captured = await captureChanges(scratch.repo);
    const clone = join(scratch.root, 'clone');
    await scratch.git(['clone', '--quiet', scratch.origin, clone], scratch.root);
    const patchFile = join(scratch.root, 'change.patch');
    await writeFile(patchFile, captured.patchBytes);

    await scratch.git(['apply', '--index', patchFile], clone);

    assert.equal(await scratch.git(['write-tree'], clone), captured.tree);
    assert.deepEqual(await readFile(join(clone, 'assets/logo.png')), BINARY_BYTES);
  });

  test('returns no files and an empty patch when nothing changed', async () => {
    const captured = await captureChanges(scratch.repo);

    assert.deepEqual(captured.files, []);
    assert.equal(captured.patch, '');
    assert.equal(captured.stats.filesChanged, 0);
    assert.equal(captured.tree, await scratch.git(['rev-parse', 'HEAD^{tree}']));
  });

  test('ignores files the repository ignores', async () => {
    await scratch.write('.gitignore', 'build/\n');
    await scratch.write('build/out.js', 'generated\n');

    const captured = await captureChanges(scratch.repo);

    assert.deepEqual(
      captured.files.map((file) => file.path),
      ['.gitignore'],
    );
  });

  test('leaves the real index, HEAD, branch and working tree exactly as they were', async () => {
    await scratch.write('staged.txt', 'staged by a person\n');
    await scratch.git(['add', 'staged.txt']);
    await makeTypicalChanges();
    const indexPath = join(scratch.repo, '.git', 'index');
    const statusBefore = await scratch.git(['status', '--porcelain=v1', '--untracked-files=all']);
    const indexBefore = sha256(await readFile(indexPath));
    const headBefore = await scratch.git(['rev-parse', 'HEAD']);

    await captureChanges(scratch.repo);

    assert.equal(sha256(await readFile(indexPath)), indexBefore);
    assert.equal(await scratch.git(['rev-parse', 'HEAD']), headBefore);
    assert.equal(await scratch.git(['symbolic-ref', 'HEAD']), 'refs/heads/main');
    assert.equal(await scratch.git(['branch', '--list']), '* main');
    assert.equal(
      await scratch.git(['status', '--porcelain=v1', '--untracked-files=all']),
      statusBefore,
    );
    assert.match(statusBefore, /^A  staged\.txt$/m);
  });

  test('compares against a given base ref', async () => {
    await scratch.write('second.txt', 'second commit\n');
    await scratch.git(['add', 'second.txt']);
    await scratch.git(['commit', '--quiet', '-m', 'Second']);

    const captured = await captureChanges(scratch.repo, { baseRef: 'HEAD~1' });

    assert.deepEqual(
      captured.files.map((file) => [file.path, file.status]),
      [['second.txt', 'added']],
    );
  });

  test('captures everything as added in a repository with no commits yet', async () => {
    const empty = join(scratch.root, 'empty');
    await scratch.git(['init', '--quiet', empty], scratch.root);
    await writeFile(join(empty, 'first.txt'), 'first\n');

    const captured = await captureChanges(empty);

    assert.equal(captured.baseCommit, '');
    assert.deepEqual(
      captured.files.map((file) => [file.path, file.status]),
      [['first.txt', 'added']],
    );
  });

  test('refuses a base that is not a commit, naming it', async () => {
    await assert.rejects(captureChanges(scratch.repo, { baseRef: 'no-such-branch' }), {
      name: 'UserError',
      message: /'no-such-branch' is not a commit/,
    });
  });
});

describe('captureChanges and symlinks', () => {
  test('records symlinks as links, unread, and flags those that leave the repo', async () => {
    const outside = join(scratch.root, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret.txt'), 'TOP-SECRET-CONTENT\n');
    await symlink('README.md', join(scratch.repo, 'inside-link'));
    await symlink(join(outside, 'secret.txt'), join(scratch.repo, 'absolute-link'));
    await mkdir(join(scratch.repo, 'nested'));
    await symlink('../../outside/secret.txt', join(scratch.repo, 'nested/relative-up'));
    await symlink('../.git/config', join(scratch.repo, 'nested/into-git'));
    await symlink(outside, join(scratch.repo, 'dir-link'));

    const captured = await captureChanges(scratch.repo);

    const expectations: Array<[string, string, boolean]> = [
      ['inside-link', 'README.md', false],
      ['absolute-link', join(outside, 'secret.txt'), true],
      ['nested/relative-up', '../../outside/secret.txt', true],
      ['nested/into-git', '../.git/config', true],
      ['dir-link', outside, true],
    ];
    for (const [path, target, escapes] of expectations) {
      const file = byPath(captured.files, path);
      assert.equal(file.isSymlink, true, path);
      assert.equal(file.mode, '120000', path);
      assert.equal(file.symlinkTarget, target, path);
      assert.equal(file.symlinkEscapes, escapes, path);
    }
    assert.equal(captured.files.length, expectations.length);
    assert.doesNotMatch(captured.patch, /TOP-SECRET-CONTENT/);
    assert.doesNotMatch(captured.patch, /repositoryformatversion/);
  });

  test('a directory replaced by a symlink shows as deleted files plus one link', async () => {
    const outside = join(scratch.root, 'elsewhere');
    await mkdir(outside);
    await writeFile(join(outside, 'app.js'), 'FOREIGN-CONTENT\n');
    await rm(join(scratch.repo, 'src'), { recursive: true });
    await symlink(outside, join(scratch.repo, 'src'));

    const captured = await captureChanges(scratch.repo);

    assert.equal(byPath(captured.files, 'src').symlinkEscapes, true);
    assert.equal(byPath(captured.files, 'src/app.js').status, 'deleted');
    assert.doesNotMatch(captured.patch, /FOREIGN-CONTENT/);
  });
});

describe('captureChanges with a hostile repository', () => {
  test('never runs hooks planted in .git/hooks or a configured fsmonitor', async () => {
    await plantHooks(scratch);
    await plantFsmonitor(scratch);
    await makeTypicalChanges();

    await captureChanges(scratch.repo);

    assert.deepEqual(await scratch.listMarkers(), []);
    // The same hooks do run for plain git, so an empty marker folder means something.
    await scratch.git(['update-ref', 'refs/tests/control', 'HEAD']);
    await scratch.git(['status', '--porcelain']);
    assert.ok((await scratch.listMarkers()).includes('reference-transaction'));
    assert.ok((await scratch.listMarkers()).includes('fsmonitor'));
  });

  test('never runs a filter named by a planted .gitattributes and defined in config', async () => {
    const marker = join(scratch.markers, 'filter-clean');
    await scratch.git(['config', 'filter.evil.clean', `sh -c 'touch ${marker}; tr a-z A-Z'`]);
    await scratch.git(['config', 'filter.evil.smudge', `sh -c 'touch ${marker}; cat'`]);
    await scratch.git(['config', 'filter.evil.required', 'true']);
    await scratch.git(['config', 'diff.evil.textconv', `sh -c 'touch ${marker}-textconv; cat'`]);
    await scratch.git(['config', 'diff.evil.command', `sh -c 'touch ${marker}-command'`]);
    await scratch.write('.gitattributes', '*.txt filter=evil diff=evil\n');
    await scratch.write('notes.txt', 'lower case text\n');

    const captured = await captureChanges(scratch.repo);

    assert.deepEqual(await scratch.listMarkers(), []);
    assert.match(captured.patch, /\+lower case text/);
    const blob = await scratch.git(['cat-file', 'blob', `${captured.tree}:notes.txt`]);
    assert.equal(blob, 'lower case text');
    // Control: plain git does run the filter, into a throwaway index.
    await scratch.git(['add', 'notes.txt']);
    assert.deepEqual(await scratch.listMarkers(), ['filter-clean']);
  });
});

async function plantFsmonitor(repo: ScratchRepo): Promise<void> {
  const script = join(repo.root, 'fsmonitor.sh');
  await writeFile(script, `#!/bin/sh\ntouch '${join(repo.markers, 'fsmonitor')}'\nexit 1\n`);
  await chmod(script, 0o755);
  await repo.git(['config', 'core.fsmonitor', script]);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
