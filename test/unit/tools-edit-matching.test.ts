import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locateEdit } from '../../src/tools/edit-file.ts';
import { closestLines, similarity } from '../../src/tools/text-match.ts';
import { ToolError } from '../../src/tools/tool.ts';

const SOURCE = 'function a() {\n  return 1;\n}\n\nfunction b() {\n  return 1;\n}\n';

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof ToolError) return error.message;
    throw error;
  }
  assert.fail('expected a ToolError');
}

describe('edit_file matching', () => {
  it('finds the single occurrence', () => {
    const edit = locateEdit(
      'a.js',
      SOURCE,
      'function b() {\n  return 1;',
      'function b() {\n  return 2;',
    );
    assert.equal(edit.index, SOURCE.indexOf('function b'));
  });

  it('lists the lines of every occurrence when the match is ambiguous', () => {
    const message = messageOf(() => locateEdit('a.js', SOURCE, '  return 1;', '  return 2;'));
    assert.equal(
      message,
      'old_string occurs 2 times in "a.js" (starting on lines 2, 6), so nothing changed. ' +
        'Include more of the surrounding text so it matches exactly once.',
    );
  });

  it('counts overlapping occurrences as ambiguous', () => {
    const message = messageOf(() => locateEdit('x.txt', 'aaa', 'aa', 'b'));
    assert.match(message, /occurs 2 times/);
  });

  it('shows the closest lines when nothing matches', () => {
    const message = messageOf(() => locateEdit('a.js', SOURCE, 'function  b() {', 'x'));
    assert.equal(
      message,
      'old_string was not found in "a.js", so nothing changed.\n' +
        'The closest lines to its first line are:\n' +
        '     5\tfunction b() {\n' +
        '     1\tfunction a() {\n' +
        'Copy the text exactly, whitespace and indentation included; read_lines shows the ' +
        'current text.',
    );
  });

  it('points out line numbers copied from read_lines', () => {
    const message = messageOf(() => locateEdit('a.js', SOURCE, '     2\t  return 1;', 'x'));
    assert.match(message, /seems to include line numbers from read_lines: leave them out\.$/);
  });

  it('matches LF text against a CRLF file and keeps its line ends', () => {
    const text = 'one\r\ntwo\r\n';
    const edit = locateEdit('w.txt', text, 'one\ntwo', 'one\n2');
    assert.deepEqual(edit, { index: 0, target: 'one\r\ntwo', replacement: 'one\r\n2' });
  });

  it('ranks lines by likeness, ignoring indentation', () => {
    assert.equal(similarity('return x;', 'return x;'), 1);
    assert.ok(similarity('return total;', 'return totl;') > 0.7);
    assert.deepEqual(closestLines('    if (ready) {\nelse\n', 'if (ready) {'), [
      { number: 1, text: '    if (ready) {' },
    ]);
  });
});
