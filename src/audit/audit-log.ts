import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEventType, AuditRecorder } from './events.ts';
import {
  AUDIT_SCHEMA_VERSION,
  GENESIS_HASH,
  hashEvent,
  serializeEvent,
  type AuditEvent,
} from './event-format.ts';
import type { JsonObject, Redactor } from './redact.ts';

export interface AuditLogOptions {
  /** Default: the system clock. Tests pass a fixed one. */
  readonly clock?: () => Date;
}

/**
 * What the job summary needs, counted as events are recorded. It reads these fields:
 * - `model.call`: `promptTokens` and `completionTokens` (numbers) add to the token totals;
 * - `tool.call`: `tool` (the name the model asked for) counts one call of that tool;
 * - `tool.result`: `refused: true` counts the call as refused (a tool that is not enabled, a
 *   path outside the working directory), since only the result knows.
 */
export interface AuditTally {
  readonly events: number;
  readonly modelCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Calls per tool name, refused ones included. */
  readonly toolCalls: Readonly<Record<string, number>>;
  readonly refusedToolCalls: number;
}

/**
 * The audit log: one JSON line per event, hash-chained, appended synchronously so that a crash
 * loses nothing already recorded. A write failure throws: a run must not go on unaudited.
 */
export class AuditLog implements AuditRecorder {
  readonly #path: string;
  readonly #redactor: Redactor;
  readonly #clock: () => Date;
  #seq = 0;
  #head = GENESIS_HASH;
  #tally: MutableTally = emptyTally();

  private constructor(path: string, redactor: Redactor, clock: () => Date) {
    this.#path = path;
    this.#redactor = redactor;
    this.#clock = clock;
  }

  /** Starts a new log at `filePath`, creating its folder and replacing any file already there. */
  static create(filePath: string, redactor: Redactor, options: AuditLogOptions = {}): AuditLog {
    mkdirSync(dirname(filePath), { recursive: true });
    writeFileSync(filePath, '');
    return new AuditLog(filePath, redactor, options.clock ?? (() => new Date()));
  }

  get path(): string {
    return this.#path;
  }

  /** The last event's hash: quoted in the job summary so that a truncated copy is noticed. */
  get head(): string {
    return this.#head;
  }

  get tally(): AuditTally {
    return { ...this.#tally, toolCalls: Object.fromEntries(this.#tally.toolCalls) };
  }

  record(type: AuditEventType, data: Readonly<Record<string, unknown>>): void {
    const unsigned: Omit<AuditEvent, 'hash'> = {
      v: AUDIT_SCHEMA_VERSION,
      seq: this.#seq,
      time: this.#clock().toISOString(),
      type,
      data: this.#redactor.redactJson(data) as JsonObject,
      prev: this.#head,
    };
    const event: AuditEvent = { ...unsigned, hash: hashEvent(unsigned) };
    appendFileSync(this.#path, `${serializeEvent(event)}\n`);
    this.#seq += 1;
    this.#head = event.hash;
    countEvent(this.#tally, type, event.data);
  }
}

/** Tool names come from the model, so they are counted in a Map (a `__proto__` key stays data). */
type MutableTally = { -readonly [K in Exclude<keyof AuditTally, 'toolCalls'>]: AuditTally[K] } & {
  readonly toolCalls: Map<string, number>;
};

function emptyTally(): MutableTally {
  return {
    events: 0,
    modelCalls: 0,
    promptTokens: 0,
    completionTokens: 0,
    toolCalls: new Map(),
    refusedToolCalls: 0,
  };
}

function countEvent(tally: MutableTally, type: AuditEventType, data: JsonObject): void {
  tally.events += 1;
  if (type === 'model.call') {
    tally.modelCalls += 1;
    tally.promptTokens += countOf(data['promptTokens']);
    tally.completionTokens += countOf(data['completionTokens']);
  }
  if (type === 'tool.call') {
    const tool = typeof data['tool'] === 'string' ? data['tool'] : '(unnamed)';
    tally.toolCalls.set(tool, (tally.toolCalls.get(tool) ?? 0) + 1);
  }
  if (type === 'tool.result' && data['refused'] === true) tally.refusedToolCalls += 1;
}

function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}
