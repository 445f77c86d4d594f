import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  globTest,
  posixFiles,
  posixSearch,
  ripgrepFiles,
  ripgrepSearch,
} from '../../src/tools/search-commands.ts';

const query = { pattern: '-rf', target: '.', fileGlob: '*.ts', caseSensitive: false };

describe('search command lines', () => {
  it('gives ripgrep the pattern as the value of --regexp, and paths after --', () => {
    const argv = ripgrepSearch(query);
    assert.equal(argv[argv.indexOf('--regexp') + 1], '-rf');
    assert.deepEqual(argv.slice(-2), ['--', '.']);
    assert.ok(argv.includes('--ignore-case'));
  });

  it('keeps .git out even when the model globs for everything', () => {
    const argv = ripgrepFiles({ pattern: '*', target: '.', maxDepth: undefined });
    const globs = argv.flatMap((arg, i) => (argv[i - 1] === '--glob' ? [arg] : []));
    assert.deepEqual(globs, ['*', '!.git']);
  });

  it('gives grep the pattern after -e and the files after --', () => {
    const argv = posixSearch(query);
    assert.deepEqual(argv.slice(argv.indexOf('-e')), ['-e', '-rf', '--', '{}', '+']);
    assert.deepEqual(argv.slice(0, 6), ['find', '.', '-name', '.git', '-prune', '-o']);
    assert.ok(argv.includes('-i'));
  });

  it('puts the depth limit before any test, as GNU find requires', () => {
    assert.deepEqual(posixFiles({ pattern: '*.md', target: '.', maxDepth: 2 }), [
      'find',
      '.',
      '-maxdepth',
      '2',
      '-name',
      '.git',
      '-prune',
      '-o',
      '-type',
      'f',
      '-name',
      '*.md',
      '-print',
    ]);
  });

  it('matches names for plain globs and paths below the folder for globs with a slash', () => {
    assert.deepEqual(globTest('*.py'), ['-name', '*.py']);
    assert.deepEqual(globTest('docs/*.md'), ['-path', './docs/*.md']);
    assert.deepEqual(globTest('src/**/*.ts'), ['-path', './src/*.ts']);
    assert.deepEqual(globTest('/top/x'), ['-path', './top/x']);
  });
});
