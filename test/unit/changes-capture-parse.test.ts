import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  doesSymlinkEscape,
  parseBatchCheck,
  parseNumstat,
  parseRawDiff,
} from '../../src/changes/capture.ts';

const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

describe('parseRawDiff', () => {
  test('reads modes, status and both paths of a rename', () => {
    const output =
      `:100644 100644 ${SHA_A} ${SHA_B} M\0src/a.ts\0` +
      `:000000 120000 ${ZERO} ${SHA_B} A\0link\0` +
      `:100644 100644 ${SHA_A} ${SHA_A} R100\0old name.ts\0new\nname.ts\0`;

    assert.deepEqual(parseRawDiff(output), [
      {
        status: 'M',
        oldMode: '100644',
        newMode: '100644',
        oldBlob: SHA_A,
        newBlob: SHA_B,
        path: 'src/a.ts',
      },
      {
        status: 'A',
        oldMode: '000000',
        newMode: '120000',
        oldBlob: ZERO,
        newBlob: SHA_B,
        path: 'link',
      },
      {
        status: 'R100',
        oldMode: '100644',
        newMode: '100644',
        oldBlob: SHA_A,
        newBlob: SHA_A,
        path: 'new\nname.ts',
        oldPath: 'old name.ts',
      },
    ]);
  });

  test('is empty for no output', () => {
    assert.deepEqual(parseRawDiff(''), []);
  });
});

describe('parseNumstat', () => {
  test('reads counts, binary markers and renamed paths', () => {
    const counts = parseNumstat('3\t1\tsrc/a.ts\0-\t-\tlogo.png\0' + '0\t0\t\0old.ts\0new.ts\0');

    assert.deepEqual(Object.fromEntries(counts), {
      'src/a.ts': { additions: 3, deletions: 1, isBinary: false },
      'logo.png': { additions: 0, deletions: 0, isBinary: true },
      'new.ts': { additions: 0, deletions: 0, isBinary: false },
    });
  });
});

describe('doesSymlinkEscape', () => {
  test('a link that stays inside the repository does not escape', () => {
    assert.equal(doesSymlinkEscape('docs/link', '../README.md'), false);
    assert.equal(doesSymlinkEscape('link', 'src/./a/../b.ts'), false);
    assert.equal(doesSymlinkEscape('a/b/link', '..'), false);
  });

  test('absolute targets, climbs above the root and links into .git escape', () => {
    assert.equal(doesSymlinkEscape('link', '/etc/passwd'), true);
    assert.equal(doesSymlinkEscape('link', 'C:\\Windows'), true);
    assert.equal(doesSymlinkEscape('a/link', '../../x'), true);
    assert.equal(doesSymlinkEscape('link', 'src/../../x'), true);
    assert.equal(doesSymlinkEscape('link', '.git/config'), true);
    assert.equal(doesSymlinkEscape('sub/link', '../.GIT'), true);
    assert.equal(doesSymlinkEscape('link', '..'), true);
  });
});

describe('parseBatchCheck', () => {
  test('reads blob sizes and skips missing objects and other types', () => {
    const output = `${SHA_A} blob 2097152\n${SHA_B} missing\n${ZERO} commit 250\n`;

    assert.deepEqual(Object.fromEntries(parseBatchCheck(output)), { [SHA_A]: 2097152 });
  });
});
