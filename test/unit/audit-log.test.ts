import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/audit/audit-log.ts';
import { Redactor } from '../../src/audit/redact.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';

const API_KEY = 'sk-live-0123456789abcdefABCDEF';
const GITHUB_TOKEN = 'ghs_0123456789abcdefghijABCDEFGHIJ012345';

function tempLogPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'audit-log-')), 'nested', 'audit.jsonl');
}

function fixedClock(): () => Date {
  let tick = 0;
  return () => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, tick++));
}

function readEvents(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Independent of the module's own canonical form: sorted keys at every depth, no spaces. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1)))
      : item,
  );
}

describe('the audit log file', () => {
  test('each event is one JSON line with version, sequence, time, type, data and links', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([]), { clock: fixedClock() });
    log.record('run.start', { task: 'fix the parser' });
    log.record('tool.call', { tool: 'read_file', args: { path: 'src/a.ts' } });

    const [first, second] = readEvents(log.path);
    assert.deepEqual(Object.keys(first ?? {}), [
      'v',
      'seq',
      'time',
      'type',
      'data',
      'prev',
      'hash',
    ]);
    assert.equal(first?.['v'], 1);
    assert.equal(first?.['seq'], 0);
    assert.equal(first?.['time'], '2025-01-02T03:04:05.000Z');
    assert.equal(first?.['type'], 'run.start');
    assert.deepEqual(first?.['data'], { task: 'fix the parser' });
    assert.equal(first?.['prev'], '0'.repeat(64));
    assert.equal(second?.['seq'], 1);
    assert.equal(second?.['time'], '2025-01-02T03:04:05.001Z');
    assert.equal(second?.['prev'], first?.['hash']);
  });

  test('the hash is SHA-256 over the sorted-key JSON of the event without its hash', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([]), { clock: fixedClock() });
    log.record('model.call', { zeta: 1, alpha: { b: [2, { y: 1, x: 0 }], a: 'é ✓' } });

    const [event] = readEvents(log.path);
    const { hash, ...rest } = event ?? {};
    const expected = createHash('sha256').update(sortedJson(rest)).digest('hex');
    assert.equal(hash, expected);
    assert.equal(log.head, expected);
  });

  test('every line is on disk as soon as record returns', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([]));
    log.record('run.start', {});
    assert.equal(readEvents(log.path).length, 1);
    log.record('sandbox.start', { id: 'abc' });
    assert.equal(readEvents(log.path).length, 2);
  });

  test('creating a log starts a new file in place of an old one, creating its folder', () => {
    const path = tempLogPath();
    AuditLog.create(path, Redactor.create([])).record('run.start', { attempt: 1 });
    const log = AuditLog.create(path, Redactor.create([]));
    log.record('run.start', { attempt: 2 });
    const events = readEvents(path);
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]?.['data'], { attempt: 2 });
  });

  test('a log written by AuditLog verifies, ends with run.end and matches its head', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([API_KEY]), { clock: fixedClock() });
    log.record('run.start', { task: 'x' });
    log.record('tool.call', { tool: 'grep', args: { pattern: API_KEY } });
    log.record('run.end', { status: 'no-changes' });
    const result = verifyAuditLog(readFileSync(log.path, 'utf8'));
    assert.deepEqual(result, { ok: true, events: 3, complete: true, head: log.head });
  });
});

describe('secrets in the audit log', () => {
  test('no registered secret, encoding of it or token shape reaches the file', () => {
    const path = tempLogPath();
    const log = AuditLog.create(path, Redactor.create([API_KEY, GITHUB_TOKEN]));
    const basicAuth = Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64');
    log.record('run.start', { env: { OPENAI_API_KEY: API_KEY }, [GITHUB_TOKEN]: 'as a key' });
    log.record('tool.call', {
      tool: 'run_shell',
      args: { cmd: `echo ${encodeURIComponent(API_KEY)}` },
    });
    log.record('tool.result', {
      stdout: Buffer.from(`AUTHORIZATION: basic ${basicAuth}\n`),
      stderr: `remote: https://x-access-token:${GITHUB_TOKEN}@github.com/o/r`,
      lines: [Buffer.from(API_KEY).toString('base64'), 'AKIAIOSFODNN7EXAMPLE'],
    });
    log.record('model.call', { error: new Error(`401 for key ${API_KEY}`) });

    const written = readFileSync(path, 'utf8');
    const forbidden = [
      API_KEY,
      GITHUB_TOKEN,
      basicAuth,
      encodeURIComponent(API_KEY),
      Buffer.from(API_KEY).toString('base64'),
      'AKIAIOSFODNN7EXAMPLE',
    ];
    for (const secret of forbidden) assert.ok(!written.includes(secret), `found ${secret}`);
    assert.ok(written.includes('"***":"as a key"'));
    assert.equal(verifyAuditLog(written).ok, true);
  });
});

describe('the tally the job summary reads', () => {
  test('tool calls are counted per tool, refused ones also counted apart, tokens summed', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([]));
    log.record('model.call', { promptTokens: 1200, completionTokens: 80 });
    log.record('tool.call', { tool: 'read_file', args: { path: 'a' } });
    log.record('tool.call', { tool: 'read_file', args: { path: 'b' } });
    log.record('tool.call', { tool: 'run_shell' });
    log.record('tool.result', { tool: 'run_shell', refused: true, output: 'not enabled' });
    log.record('model.call', { promptTokens: 1500, completionTokens: 40 });
    log.record('tool.call', { tool: '__proto__' });

    assert.deepEqual(log.tally, {
      events: 7,
      modelCalls: 2,
      promptTokens: 2700,
      completionTokens: 120,
      toolCalls: { read_file: 2, run_shell: 1, ['__proto__']: 1 },
      refusedToolCalls: 1,
    });
  });

  test('the tally handed out is a copy that recording does not change afterwards', () => {
    const log = AuditLog.create(tempLogPath(), Redactor.create([]));
    log.record('tool.call', { tool: 'find' });
    const before = log.tally;
    log.record('tool.call', { tool: 'find' });
    assert.equal(before.toolCalls['find'], 1);
    assert.equal(log.tally.toolCalls['find'], 2);
  });
});
