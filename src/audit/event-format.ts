import { createHash } from 'node:crypto';
import type { JsonObject, JsonValue } from './redact.ts';

/** Bumped whenever a field's meaning changes; readers refuse versions they do not know. */
export const AUDIT_SCHEMA_VERSION = 1 as const;

/** The `prev` of the first event: there is no previous hash to link to. */
export const GENESIS_HASH = '0'.repeat(64);

/** One line of the audit log, as written and as read back. */
export interface AuditEvent {
  readonly v: typeof AUDIT_SCHEMA_VERSION;
  /** 0-based position in the log. */
  readonly seq: number;
  /** ISO 8601, UTC. */
  readonly time: string;
  /** An `AuditEventType` when written by this version; kept as text so newer logs still verify. */
  readonly type: string;
  /** Redacted before it is hashed or written. */
  readonly data: JsonObject;
  readonly prev: string;
  /** SHA-256, hex, over the canonical JSON of every other field. */
  readonly hash: string;
}

/** JSON with keys sorted at every depth and no whitespace, so equal content hashes equally. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const members = Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`);
  return `{${members.join(',')}}`;
}

export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  const { v, seq, time, type, data, prev } = event;
  const body = canonicalJson({ v, seq, time, type, data, prev });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * The exact line the log writes for an event: fields in reading order, data canonical. The
 * verifier rebuilds it, so a change that leaves the parsed content equal (added whitespace, a
 * different escape) is still caught.
 */
export function serializeEvent(event: AuditEvent): string {
  const fields = [
    `"v":${event.v}`,
    `"seq":${event.seq}`,
    `"time":${JSON.stringify(event.time)}`,
    `"type":${JSON.stringify(event.type)}`,
    `"data":${canonicalJson(event.data)}`,
    `"prev":${JSON.stringify(event.prev)}`,
    `"hash":${JSON.stringify(event.hash)}`,
  ];
  return `{${fields.join(',')}}`;
}
