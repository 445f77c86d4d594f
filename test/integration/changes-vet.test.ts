import assert from 'node:assert/strict';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { captureChanges, MAX_PATCH_SOURCE_BYTES } from '../../src/changes/capture.ts';
import { vetChanges, vetPolicyFor } from '../../src/changes/vet.ts';
import { byPath } from '../support/changed-files.ts';
import { createScratchRepo } from '../support/scratch-git-repo.ts';
import type { ScratchRepo } from '../support/scratch-git-repo.ts';

const MIB = 1024 ** 2;
const POLICY = vetPolicyFor({
  protectedPaths: ['.github/workflows/**'],
  maxFileBytes: MIB,
  workingDirectory: '.',
});

let scratch: ScratchRepo;

beforeEach(async () => {
  scratch = await createScratchRepo({
    'README.md': '# Project\n',
    'src/app.js': 'console.log("a fairly long line so that the edit stays small");\n',
    '.github/workflows/ci.yml': 'on: push\njobs: {}\n# long enough to be found as a rename\n',
  });
});

afterEach(async () => {
  await scratch.cleanup();
});

function rulesOf(changes: Awaited<ReturnType<typeof captureChanges>>): string[] {
  const verdict = vetChanges(changes, POLICY);
  return verdict.ok ? [] : verdict.reasons.map((reason) => `${reason.rule} ${reason.path}`);
}

/** A repository with one commit, made inside the checkout as an agent could leave it. */
async function embedRepository(path: string): Promise<void> {
  const nested = join(scratch.repo, path);
  await mkdir(nested, { recursive: true });
  await scratch.git(['init', '--quiet', nested]);
  await writeFile(join(nested, 'lib.js'), 'export {};\n');
  await scratch.git(['add', 'lib.js'], nested);
  await scratch.git(['commit', '--quiet', '-m', 'nested'], nested);
}

describe('captured sizes', () => {
  test('come from the captured blobs: content after the change, 0 for a deletion', async () => {
    await scratch.write('big.bin', Buffer.alloc(2 * MIB, 7));
    await scratch.write('src/app.js', 'short\n');
    await rm(join(scratch.repo, 'README.md'));

    const captured = await captureChanges(scratch.repo);

    assert.equal(byPath(captured.files, 'big.bin').size, 2 * MIB);
    assert.equal(byPath(captured.files, 'src/app.js').size, 'short\n'.length);
    assert.equal(byPath(captured.files, 'README.md').size, 0);
    assert.equal(captured.stats.contentBytes, 2 * MIB + 'short\n'.length);
    assert.equal(captured.patchOmitted, false);
    assert.deepEqual(rulesOf(captured), ['file-size big.bin']);
  });

  test('of a symlink are the length of its target, never of the file it points at', async () => {
    const outside = join(scratch.root, 'outside.bin');
    await writeFile(outside, Buffer.alloc(3 * MIB));
    await symlink(outside, join(scratch.repo, 'leak'));

    const captured = await captureChanges(scratch.repo);

    const leak = byPath(captured.files, 'leak');
    assert.equal(leak.size, Buffer.byteLength(outside));
    assert.equal(leak.symlinkEscapes, true);
    assert.deepEqual(rulesOf(captured), ['escaping-symlink leak']);
  });

  test('a change too large for a patch is still captured, without one, and refused', async () => {
    const bytes = MAX_PATCH_SOURCE_BYTES + MIB;
    await scratch.write('dump.bin', Buffer.alloc(bytes));

    const captured = await captureChanges(scratch.repo);

    assert.equal(captured.patchOmitted, true);
    assert.equal(captured.patchBytes.length, 0);
    assert.equal(byPath(captured.files, 'dump.bin').size, bytes);
    const blob = await scratch.git(['cat-file', '-s', `${captured.tree}:dump.bin`]);
    assert.equal(Number(blob), bytes);
    assert.deepEqual(rulesOf(captured), ['file-size dump.bin', 'change-size .']);
  });
});

describe('captured submodules and protected paths, vetted', () => {
  test('a nested repository left in the tree is a gitlink and is refused', async () => {
    await embedRepository('vendor/lib');

    const captured = await captureChanges(scratch.repo);

    const lib = byPath(captured.files, 'vendor/lib');
    assert.equal(lib.isSubmodule, true);
    assert.equal(lib.mode, '160000');
    assert.equal(lib.size, 0);
    assert.deepEqual(rulesOf(captured), ['submodule vendor/lib']);
  });

  test('a submodule replaced by a plain file still counts as a submodule change', async () => {
    await embedRepository('vendor/lib');
    await scratch.git(['add', 'vendor/lib']);
    await scratch.git(['commit', '--quiet', '-m', 'add gitlink']);
    await rm(join(scratch.repo, 'vendor/lib'), { recursive: true });
    await scratch.write('vendor/lib', 'now a file\n');

    const captured = await captureChanges(scratch.repo);

    const lib = byPath(captured.files, 'vendor/lib');
    assert.equal(lib.oldMode, '160000');
    assert.equal(lib.mode, '100644');
    assert.equal(lib.isSubmodule, true);
    assert.deepEqual(rulesOf(captured), ['submodule vendor/lib']);
  });

  test('moving a workflow out of .github/workflows is refused through its old path', async () => {
    await rename(join(scratch.repo, '.github/workflows/ci.yml'), join(scratch.repo, 'ci.yml'));

    const captured = await captureChanges(scratch.repo);

    assert.equal(byPath(captured.files, 'ci.yml').oldPath, '.github/workflows/ci.yml');
    assert.deepEqual(rulesOf(captured), ['protected-path .github/workflows/ci.yml']);
  });

  test('replacing .github with a symlink is refused', async () => {
    await rm(join(scratch.repo, '.github'), { recursive: true });
    await mkdir(join(scratch.repo, 'ci/workflows'), { recursive: true });
    await writeFile(join(scratch.repo, 'ci/workflows/evil.yml'), 'on: push\n');
    await symlink('ci', join(scratch.repo, '.github'));

    const captured = await captureChanges(scratch.repo);

    assert.deepEqual(rulesOf(captured).sort(), [
      'protected-path .github',
      'protected-path .github/workflows/ci.yml',
    ]);
  });
});
