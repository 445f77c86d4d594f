import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  branchName,
  isValidBranchName,
  slugify,
  SLUG_MAX_CHARS,
} from '../../src/publish/branch.ts';

describe('slugify', () => {
  test('lowercases the task and joins its words with single dashes', () => {
    assert.equal(slugify('Make the Parser accept ISO weeks!'), 'make-the-parser-accept-iso-weeks');
  });

  test('uses only the first line of a long task', () => {
    assert.equal(slugify('Bump lodash\n\nAlso check the lockfile.'), 'bump-lodash');
  });

  test('turns accented letters into plain ASCII and drops other scripts', () => {
    assert.equal(slugify('Réécrire le café — naïve'), 'reecrire-le-cafe-naive');
    assert.equal(slugify('修复 parser 错误'), 'parser');
  });

  test('never returns an empty slug', () => {
    assert.equal(slugify(''), 'task');
    assert.equal(slugify('   '), 'task');
    assert.equal(slugify('!!! ??? 😀'), 'task');
  });

  test('keeps at most SLUG_MAX_CHARS characters and cuts between words', () => {
    const task = 'Refactor the configuration loader so that every input is validated once';
    const slug = slugify(task);
    assert.ok(slug.length <= SLUG_MAX_CHARS, slug);
    assert.equal(slug, 'refactor-the-configuration-loader-so');
  });

  test('cuts inside a word only when the first word alone is too long', () => {
    const slug = slugify('a'.repeat(60));
    assert.equal(slug, 'a'.repeat(SLUG_MAX_CHARS));
  });

  test('never starts or ends with a dash', () => {
    const tasks = ['--flag-like task--', '-x', 'trailing dash at the limit here x-y-z-w-v-u'];
    for (const task of tasks) {
      assert.doesNotMatch(slugify(task), /^-|-$/, task);
    }
  });
});

describe('branchName', () => {
  test('is the prefix, the slug and the run id', () => {
    assert.equal(
      branchName('agent/', 'Fix the typo in README', 987654),
      'agent/fix-the-typo-in-readme-987654',
    );
  });

  test('refuses a prefix that makes a name git would reject, naming the input', () => {
    assert.throws(() => branchName('agent..x/', 'task', 1), {
      name: 'InputError',
      input: 'branch-prefix',
      message: /agent\.\.x\//,
    });
    assert.throws(() => branchName('my agent/', 'task', 1), { name: 'InputError' });
  });
});

describe('isValidBranchName', () => {
  test('accepts ordinary branch names', () => {
    for (const name of ['main', 'agent/fix-1', 'a/b/c', 'feature_x', 'v1.2']) {
      assert.equal(isValidBranchName(name), true, name);
    }
  });

  test('rejects what git check-ref-format --branch rejects', () => {
    const bad = [
      '',
      '@',
      '-leading',
      'a..b',
      'a//b',
      '/a',
      'a/',
      'a.',
      '.hidden',
      'a/.b',
      'x.lock',
      'a/b.lock/c',
      'a@{b',
      'sp ace',
      'tab\tx',
      'til~de',
      'ca^ret',
      'co:lon',
      'q?',
      'st*r',
      'br[acket',
      'back\\slash',
      'del\u007f',
    ];
    for (const name of bad) assert.equal(isValidBranchName(name), false, JSON.stringify(name));
  });
});
