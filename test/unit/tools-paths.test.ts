import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInside, resolveLexically } from '../../src/tools/paths.ts';
import { ToolRefusal } from '../../src/tools/tool.ts';

const refusedAsOutside = (error: unknown) =>
  error instanceof ToolRefusal && /is outside the working directory/.test(error.message);

describe('lexical path confinement', () => {
  it('resolves relative paths against the working directory', () => {
    assert.deepEqual(resolveLexically('/workspace', 'src/./a.ts'), {
      absolute: '/workspace/src/a.ts',
      display: 'src/a.ts',
    });
    assert.deepEqual(resolveLexically('/workspace', './'), {
      absolute: '/workspace',
      display: '.',
    });
    assert.deepEqual(resolveLexically('/workspace', 'src//lib/'), {
      absolute: '/workspace/src/lib',
      display: 'src/lib',
    });
  });

  it('accepts an absolute path only when it lies inside the working directory', () => {
    assert.equal(resolveLexically('/workspace/pkg', '/workspace/pkg/a.ts').display, 'a.ts');
    assert.throws(
      () => resolveLexically('/workspace/pkg', '/workspace/other.ts'),
      refusedAsOutside,
    );
    assert.throws(() => resolveLexically('/workspace', '/etc/passwd'), refusedAsOutside);
  });

  it('refuses .. that climbs out, however it is written', () => {
    for (const raw of ['..', '../x', 'a/../../x', '/workspace/../etc', 'a/b/../../../x']) {
      assert.throws(() => resolveLexically('/workspace', raw), refusedAsOutside, raw);
    }
    assert.equal(resolveLexically('/workspace', 'a/../b').display, 'b');
  });

  it('does not take a sibling that shares a prefix for the working directory', () => {
    assert.throws(() => resolveLexically('/workspace', '/workspace-evil/x'), refusedAsOutside);
    assert.throws(() => resolveLexically('/workspace/pkg', '../pkg2/x'), refusedAsOutside);
    assert.equal(isInside('/workspace', '/workspacefoo'), false);
    assert.equal(isInside('/workspace', '/workspace/foo'), true);
  });

  it('refuses paths with control characters', () => {
    assert.throws(
      () => resolveLexically('/workspace', 'a\nb'),
      (error: unknown) => error instanceof ToolRefusal && /control character/.test(error.message),
    );
  });

  it('keeps a file name that looks like an option as a plain name', () => {
    assert.deepEqual(resolveLexically('/workspace', '--help'), {
      absolute: '/workspace/--help',
      display: '--help',
    });
  });
});
