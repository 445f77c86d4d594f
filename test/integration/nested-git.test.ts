import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { findNestedGitEntries } from '../../src/changes/nested-git.ts';

describe('nested .git entries in the working tree', () => {
  it('finds gitdir files and folders below the root, never the root .git', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'nested-'));
    mkdirSync(path.join(root, '.git'));
    mkdirSync(path.join(root, 'vendor/lib'), { recursive: true });
    writeFileSync(path.join(root, 'vendor/lib/.git'), 'gitdir: /somewhere/else\n');
    mkdirSync(path.join(root, 'tools/sub/.git'), { recursive: true });
    assert.deepEqual(await findNestedGitEntries(root), ['tools/sub/.git', 'vendor/lib/.git']);
  });

  it('does not follow a symlink to a folder that holds a repository', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'nested-'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'elsewhere-'));
    mkdirSync(path.join(elsewhere, '.git'));
    symlinkSync(elsewhere, path.join(root, 'linked'));
    assert.deepEqual(await findNestedGitEntries(root), []);
  });
});
