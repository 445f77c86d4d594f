import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  buildPullRequestBody,
  neutraliseMentions,
  pullRequestTitle,
  TITLE_MAX_CHARS,
} from '../../src/publish/pull-request-body.ts';
import type { BodyFile } from '../../src/publish/pull-request-body.ts';

const FILE: BodyFile = {
  path: 'src/parse.ts',
  status: 'modified',
  additions: 12,
  deletions: 3,
  isBinary: false,
  isSymlink: false,
};

const RUN_URL = 'https://github.com/octo/widgets/actions/runs/42';

describe('pullRequestTitle', () => {
  test('is the first line of the task with whitespace collapsed', () => {
    assert.equal(pullRequestTitle('  Fix   the parser\n\nDetails here'), 'Fix the parser');
  });

  test('is cut to TITLE_MAX_CHARS with an ellipsis', () => {
    const title = pullRequestTitle('word '.repeat(40));
    assert.equal(title.length, TITLE_MAX_CHARS);
    assert.ok(title.endsWith('…'));
  });

  test('has a fallback when the task is empty', () => {
    assert.equal(pullRequestTitle('\n  \n'), 'Changes from the coding agent');
  });
});

describe('buildPullRequestBody', () => {
  test('has summary, task, changed files and the run link, in that order', () => {
    const body = buildPullRequestBody({
      task: 'Fix the parser',
      summary: 'Accepts ISO weeks now.\n\nAdded tests.',
      files: [FILE],
      runUrl: RUN_URL,
    });

    const order = ['## Summary', '## Task', '## Changed files (1)', RUN_URL].map((part) =>
      body.indexOf(part),
    );
    assert.ok(
      order.every((index) => index >= 0),
      body,
    );
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
    );
    assert.match(body, /^> Accepts ISO weeks now\.\n>\n> Added tests\.$/m);
    assert.match(body, /^> Fix the parser$/m);
    assert.match(body, /^\| `src\/parse\.ts` \| modified \| \+12 −3 \|$/m);
  });

  test('shows renames, binaries and symlinks for what they are', () => {
    const body = buildPullRequestBody({
      task: 't',
      summary: '',
      files: [
        { ...FILE, path: 'new.ts', oldPath: 'old.ts', status: 'renamed' },
        { ...FILE, path: 'logo.png', status: 'added', isBinary: true },
        { ...FILE, path: 'link', status: 'added', isSymlink: true },
      ],
      runUrl: '',
    });

    assert.match(body, /\| `old\.ts` → `new\.ts` \| renamed \|/);
    assert.match(body, /\| `logo\.png` \| added \| binary \|/);
    assert.match(body, /\| `link` \| added \(symlink\) \|/);
    assert.match(body, /_The agent gave no summary\._/);
    assert.match(body, /from a local run/);
  });

  test('keeps a hostile file name inside its table cell', () => {
    const body = buildPullRequestBody({
      task: 't',
      summary: 's',
      files: [{ ...FILE, path: 'a|b`c\n| injected | row |' }],
      runUrl: RUN_URL,
    });

    const rows = body.split('\n').filter((line) => line.startsWith('| '));
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.match(rows[2] ?? '', /^\| `` a\\\|b`c\?\\\| injected \\\| row \\\| `` \| modified \|/);
  });

  test('cannot ping people or close issues through the summary or the task', () => {
    const body = buildPullRequestBody({
      task: 'Ask @octocat, fixes #12',
      summary: 'cc @org/team; closes #7',
      files: [],
      runUrl: RUN_URL,
    });

    assert.doesNotMatch(body, /@[A-Za-z]/);
    assert.doesNotMatch(body, /#\d/);
    assert.match(body, /_No files changed\._/);
  });

  test('lists at most 100 files and says how many more there are', () => {
    const files = Array.from({ length: 130 }, (_, i) => ({ ...FILE, path: `f${i}.ts` }));

    const body = buildPullRequestBody({ task: 't', summary: 's', files, runUrl: RUN_URL });

    assert.equal(body.split('\n').filter((line) => line.startsWith('| `f')).length, 100);
    assert.match(body, /…and 30 more/);
    assert.match(body, /## Changed files \(130\)/);
  });

  test("stays under GitHub's body limit however long the summary is", () => {
    const body = buildPullRequestBody({
      task: 'x'.repeat(50_000),
      summary: 'y'.repeat(200_000),
      files: [FILE],
      runUrl: RUN_URL,
    });

    assert.ok(body.length < 65_536, String(body.length));
    assert.match(body, /cut at 20000 characters/);
  });
});

describe('neutraliseMentions', () => {
  test('leaves e-mail-free prose alone', () => {
    assert.equal(neutraliseMentions('plain text, nothing to see'), 'plain text, nothing to see');
  });
});
