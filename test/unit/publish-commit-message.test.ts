import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildCommitMessage, GITHUB_ACTIONS_BOT } from '../../src/publish/commit.ts';

describe('buildCommitMessage', () => {
  test('a one-line task is the whole message', () => {
    assert.equal(buildCommitMessage('  Fix the typo  '), 'Fix the typo\n');
  });

  test('a longer task becomes the body under its first line', () => {
    assert.equal(
      buildCommitMessage('Fix the parser\n\nIt rejects 2024-W05.'),
      'Fix the parser\n\nFix the parser\n\nIt rejects 2024-W05.\n',
    );
  });

  test('the subject is at most 72 characters', () => {
    const subject = buildCommitMessage('word '.repeat(30)).split('\n', 1)[0] ?? '';
    assert.ok(subject.length <= 72, subject);
    assert.ok(subject.endsWith('…'));
  });

  test('an empty task still gives a subject', () => {
    assert.equal(buildCommitMessage(''), 'Apply agent changes\n');
  });
});

test('commits are attributed to the GitHub Actions bot by default', () => {
  assert.deepEqual(GITHUB_ACTIONS_BOT, {
    name: 'github-actions[bot]',
    email: '41898282+github-actions[bot]@users.noreply.github.com',
  });
});
