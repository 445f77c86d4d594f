import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { hashEvent, serializeEvent, type AuditEvent } from '../../src/audit/event-format.ts';
import { Redactor } from '../../src/audit/redact.ts';
import { verifyAuditLog, type VerifyResult } from '../../src/audit/verify.ts';

/** A short but varied log: nested data, numbers, booleans, non-ASCII text. */
function writeSampleLog(): { text: string; head: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-verify-')), 'audit.jsonl');
  let tick = 0;
  const clock = () => new Date(Date.UTC(2025, 5, 1, 12, 0, 0, tick++));
  const log = AuditLog.create(path, Redactor.create([]), { clock });
  log.record('run.start', { task: 'Fix the café menu ✓', model: 'openai/gpt-5' });
  log.record('tool.call', { tool: 'edit_file', args: { path: 'a.ts', old_string: 'x', n: 1.5 } });
  log.record('tool.result', { ok: true, output: 'line 1\nline 2', truncated: false });
  log.record('run.end', { status: 'pr-opened', steps: 3 });
  return { text: readFileSync(path, 'utf8'), head: log.head };
}

function linesOf(text: string): string[] {
  return text.slice(0, -1).split('\n');
}

function joinLines(lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

function assertFailsAt(result: VerifyResult, line: number, reason?: RegExp): void {
  assert.equal(result.ok, false, `expected a failure at line ${line}`);
  if (result.ok) return;
  assert.equal(result.line, line, result.reason);
  if (reason !== undefined) assert.match(result.reason, reason);
}

describe('verifying an untouched log', () => {
  test('the log as written verifies, with its event count, completeness and head', () => {
    const { text, head } = writeSampleLog();
    assert.deepEqual(verifyAuditLog(text), { ok: true, events: 4, complete: true, head });
  });

  test('an empty log verifies as empty and incomplete', () => {
    assert.deepEqual(verifyAuditLog(''), {
      ok: true,
      events: 0,
      complete: false,
      head: '0'.repeat(64),
    });
  });

  test('a log cut short after a crash verifies but is reported incomplete', () => {
    const { text } = writeSampleLog();
    const result = verifyAuditLog(joinLines(linesOf(text).slice(0, 3)));
    assert.equal(result.ok && result.complete, false);
    assert.equal(result.ok && result.events, 3);
  });
});

describe('detecting tampering', () => {
  test('changing any byte of any line is reported at that line', () => {
    const { text } = writeSampleLog();
    const bytes = Buffer.from(text, 'utf8');
    let lineOfByte = 1;
    for (let index = 0; index < bytes.length; index += 1) {
      for (const change of [(b: number) => b ^ 0x01, () => 0x20]) {
        const edited = Buffer.from(bytes);
        edited[index] = change(bytes[index] ?? 0);
        if (edited[index] === bytes[index]) continue;
        const result = verifyAuditLog(edited.toString('utf8'));
        assertFailsAt(result, lineOfByte);
      }
      if (bytes[index] === 0x0a) lineOfByte += 1;
    }
  });

  test('an edited data value is reported as a hash mismatch on that line', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    lines[2] = (lines[2] ?? '').replace('"ok":true', '"ok":false');
    assertFailsAt(verifyAuditLog(joinLines(lines)), 3, /hash does not match/);
  });

  test('added whitespace that leaves the parsed content equal is still reported', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    lines[1] = (lines[1] ?? '').replace('"tool":', '"tool": ');
    assertFailsAt(verifyAuditLog(joinLines(lines)), 2, /exact form/);
  });

  for (const removed of [0, 1, 2]) {
    test(`deleting line ${removed + 1} is reported at the line that took its place`, () => {
      const { text } = writeSampleLog();
      const lines = linesOf(text);
      lines.splice(removed, 1);
      assertFailsAt(verifyAuditLog(joinLines(lines)), removed + 1, /sequence number/);
    });
  }

  test('deleting the last line leaves a head that no longer matches the recorded one', () => {
    const { text, head } = writeSampleLog();
    const result = verifyAuditLog(joinLines(linesOf(text).slice(0, -1)));
    assert.equal(result.ok, true);
    assert.notEqual(result.ok && result.head, head);
    assert.equal(result.ok && result.complete, false);
  });

  for (const first of [0, 1, 2]) {
    test(`swapping lines ${first + 1} and ${first + 2} is reported at line ${first + 1}`, () => {
      const { text } = writeSampleLog();
      const lines = linesOf(text);
      const [a, b] = [lines[first] ?? '', lines[first + 1] ?? ''];
      lines[first] = b;
      lines[first + 1] = a;
      assertFailsAt(verifyAuditLog(joinLines(lines)), first + 1, /sequence number/);
    });
  }

  test('moving the last line to the top is reported at line 1', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    const last = lines.pop() ?? '';
    assertFailsAt(verifyAuditLog(joinLines([last, ...lines])), 1);
  });

  test('a forged line with a correctly recomputed hash breaks the link of the next line', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    const original = JSON.parse(lines[1] ?? '') as AuditEvent;
    const forgedBody = { ...original, data: { tool: 'read_file', args: { path: 'README' } } };
    const forged: AuditEvent = { ...forgedBody, hash: hashEvent(forgedBody) };
    lines[1] = serializeEvent(forged);
    assertFailsAt(verifyAuditLog(joinLines(lines)), 3, /prev does not match/);
  });

  test('a blank line inserted between events is reported at that line', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    lines.splice(2, 0, '');
    assertFailsAt(verifyAuditLog(joinLines(lines)), 3, /empty/);
  });

  test('a missing final newline is reported at the last line', () => {
    const { text } = writeSampleLog();
    assertFailsAt(verifyAuditLog(text.slice(0, -1)), 4, /newline/);
  });

  test('a log from an unknown schema version is refused with the version named', () => {
    const { text } = writeSampleLog();
    const lines = linesOf(text);
    lines[0] = (lines[0] ?? '').replace('"v":1', '"v":2');
    assertFailsAt(verifyAuditLog(joinLines(lines)), 1, /schema version 2/);
  });
});
