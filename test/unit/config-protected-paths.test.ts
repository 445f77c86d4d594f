import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMaxFileSize } from '../../src/config/parse-settings.ts';
import { parseProtectedPaths } from '../../src/config/protected-paths.ts';
import { assertInputError, settingsFrom } from '../support/settings.ts';

describe('protected-paths input', () => {
  it('protects workflows and caps files at 1 MiB by default', () => {
    const settings = settingsFrom({});
    assert.deepEqual(settings.protectedPaths, ['.github/workflows/**']);
    assert.equal(settings.maxFileBytes, 1024 ** 2);
  });

  it('keeps the default when the input is blank, so an empty variable cannot disable it', () => {
    assert.deepEqual(settingsFrom({ 'protected-paths': ' \n ' }).protectedPaths, [
      '.github/workflows/**',
    ]);
  });

  it('protects nothing only when told none', () => {
    assert.deepEqual(parseProtectedPaths('none'), []);
    assert.deepEqual(parseProtectedPaths(' NONE '), []);
  });

  it('reads comma- and newline-separated globs, tidied and without duplicates', () => {
    assert.deepEqual(parseProtectedPaths('.github/workflows/**,\n./deploy/ ,deploy\n*.pem'), [
      '.github/workflows/**',
      'deploy',
      '*.pem',
    ]);
  });

  for (const [value, pattern] of [
    ['!docs/**', /negation/],
    ['/etc/**', /absolute/],
    ['src\\main.ts', /backslash/],
    ['../other/**', /leaves the repository/],
    ['[z-a]', /not a valid glob/],
    ['.', /names no path/],
    ['none, .github/**', /'none' alone/],
  ] as const) {
    it(`refuses '${value}', naming the input and what is accepted`, () => {
      assertInputError(
        () => settingsFrom({ 'protected-paths': value }),
        'protected-paths',
        pattern,
      );
      assertInputError(() => parseProtectedPaths(value), 'protected-paths', /Accepted: .*none/);
    });
  }
});

describe('max-file-size input', () => {
  it('reads sizes with units', () => {
    assert.equal(parseMaxFileSize('500k'), 500 * 1024);
    assert.equal(parseMaxFileSize('2m'), 2 * 1024 ** 2);
    assert.equal(parseMaxFileSize('1.5MiB'), 1.5 * 1024 ** 2);
  });

  for (const value of ['0', '512', '21m', '1g', 'big']) {
    it(`refuses '${value}', naming the input and the range`, () => {
      assertInputError(
        () => settingsFrom({ 'max-file-size': value }),
        'max-file-size',
        new RegExp(`'${value}'.*1k to 20m`),
      );
    });
  }
});
