import {
  AUDIT_SCHEMA_VERSION,
  GENESIS_HASH,
  hashEvent,
  serializeEvent,
  type AuditEvent,
} from './event-format.ts';

/**
 * `complete`: the last event is `run.end`. A log cut short after a crash still verifies, but
 * is not complete. `head` is the last event's hash; compare it with the one in the job summary
 * to notice lines removed from the end, which the chain alone cannot show.
 */
export type VerifyResult =
  | {
      readonly ok: true;
      readonly events: number;
      readonly complete: boolean;
      readonly head: string;
    }
  | { readonly ok: false; readonly line: number; readonly reason: string };

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Checks an audit log's text: sequence, links and hashes. Reports the first bad line (1-based). */
export function verifyAuditLog(text: string): VerifyResult {
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== '') {
    const line = lines.length + 1;
    return { ok: false, line, reason: 'the last line does not end with a newline (cut or edited)' };
  }
  let previous: AuditEvent | undefined;
  for (const [index, line] of lines.entries()) {
    const checked = checkLine(line, index, previous);
    if (typeof checked === 'string') return { ok: false, line: index + 1, reason: checked };
    previous = checked;
  }
  return {
    ok: true,
    events: lines.length,
    complete: previous?.type === 'run.end',
    head: previous?.hash ?? GENESIS_HASH,
  };
}

/** The event on this line, or why it is not the one the chain expects. */
function checkLine(
  line: string,
  seq: number,
  previous: AuditEvent | undefined,
): AuditEvent | string {
  if (line === '') return 'the line is empty';
  const parsed = parseEvent(line);
  if (typeof parsed === 'string') return parsed;
  if (parsed.seq !== seq) {
    return `sequence number is ${parsed.seq}, expected ${seq}: a line was removed, added or moved`;
  }
  const expectedPrev = previous?.hash ?? GENESIS_HASH;
  if (parsed.prev !== expectedPrev) {
    const what = previous === undefined ? 'the start-of-log value' : "the previous line's hash";
    return `prev does not match ${what}: the chain is broken here`;
  }
  if (hashEvent(parsed) !== parsed.hash) {
    return "hash does not match the line's content: the line was edited";
  }
  if (serializeEvent(parsed) !== line) {
    return 'the line is not in the exact form the log writes: it was edited';
  }
  return parsed;
}

function parseEvent(line: string): AuditEvent | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not valid JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!isRecord(value)) return 'not a JSON object';
  if (value['v'] !== AUDIT_SCHEMA_VERSION) {
    return `schema version ${JSON.stringify(value['v'])} is not supported (expected 1)`;
  }
  const problem = describeShapeProblem(value);
  return problem ?? (value as unknown as AuditEvent);
}

function describeShapeProblem(value: Record<string, unknown>): string | undefined {
  if (!Number.isSafeInteger(value['seq'])) return '`seq` is not an integer';
  if (typeof value['time'] !== 'string') return '`time` is not a string';
  if (typeof value['type'] !== 'string') return '`type` is not a string';
  if (!isRecord(value['data'])) return '`data` is not an object';
  if (!isHash(value['prev'])) return '`prev` is not a 64-digit hex hash';
  if (!isHash(value['hash'])) return '`hash` is not a 64-digit hex hash';
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHash(value: unknown): value is string {
  return typeof value === 'string' && HASH_PATTERN.test(value);
}
