import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { capLineLength, capText, decodeUtf8Prefix } from '../../src/tools/capping.ts';

const HINT = 'narrow the search or read a range with read_lines';

describe('capping tool results', () => {
  it('returns text within the limits unchanged', () => {
    assert.equal(capText('a\nb\n', { hint: HINT }), 'a\nb\n');
    assert.equal(capText(Buffer.from('no newline'), { hint: HINT }), 'no newline');
  });

  it('cuts by lines and says how many of how many were shown', () => {
    const text = Array.from({ length: 15433 }, (_, i) => `${i + 1}`).join('\n');
    const capped = capText(text, { hint: HINT });
    assert.ok(capped.startsWith('1\n2\n'));
    assert.ok(
      capped.endsWith(
        '\n2000\n[output truncated: showed 2000 of 15433 lines; narrow the search or read a ' +
          'range with read_lines]',
      ),
    );
  });

  it('cuts by bytes at a whole line and names both counts', () => {
    const capped = capText('aaaa\nbbbb\ncccc\n', { maxBytes: 12, hint: HINT });
    assert.equal(
      capped,
      'aaaa\nbbbb\n[output truncated: showed 2 of 3 lines, 10 bytes of 15 bytes; ' + `${HINT}]`,
    );
  });

  it('never splits a multibyte character at the byte cut', () => {
    // 'é' is two bytes and '😀' four: a cut at 5 bytes falls inside the emoji.
    const capped = capText('éé😀tail', { maxBytes: 5, hint: HINT });
    const note = '[output truncated: showed 1 of 1 line, 4 bytes of 12 bytes';
    assert.ok(capped.startsWith(`éé\n${note}`));
    assert.doesNotMatch(capped, /\uFFFD/);
  });

  it('drops a character whose bytes the sandbox cut off, and reports the full size', () => {
    const bytes = Buffer.from('ok ✓', 'utf8').subarray(0, 5); // '✓' is cut after its first byte
    const capped = capText(bytes, { droppedBytes: 1000, hint: HINT });
    assert.equal(
      capped,
      'ok \n[output truncated: showed the first 1 line (3 bytes) of 1005 bytes; ' + `${HINT}]`,
    );
  });

  it('decodes a UTF-8 prefix without a replacement character', () => {
    assert.equal(decodeUtf8Prefix(Buffer.from('日本', 'utf8').subarray(0, 4)), '日');
  });

  it('cuts overlong lines and marks how long they were', () => {
    const line = 'x'.repeat(30);
    assert.equal(
      capLineLength(`short\n${line}`, 10),
      `short\n${'x'.repeat(10)} … [line cut: 30 characters]`,
    );
  });
});
