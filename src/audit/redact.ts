import { TOKEN_PATTERNS } from './token-patterns.ts';

/** What every secret and token shape is replaced with. */
export const REDACTED = '***';

/**
 * Values shorter than this are not treated as secrets: no real credential is this short, and
 * masking a placeholder key such as `ollama` would shred every model name in the log.
 */
export const MIN_SECRET_LENGTH = 8;

/** Shifted base64 fragments shorter than this would match unrelated base64 text. */
const MIN_FRAGMENT_LENGTH = 8;

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Replaces registered secrets, in every encoding they take on the way out, and common token
 * shapes with `***`. Registered values go first so that a token inside a longer encoded blob
 * is caught before the shape patterns look at the text.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #matcher: RegExp | undefined;

  static create(secrets: readonly string[]): Redactor {
    const redactor = new Redactor();
    for (const secret of secrets) redactor.add(secret);
    return redactor;
  }

  /** Registers a secret that appeared after start (a token minted mid-run). */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    for (const variant of encodingsOf(secret)) this.#secrets.add(variant);
    this.#matcher = buildMatcher(this.#secrets);
  }

  redactText(text: string): string {
    let result = this.#matcher === undefined ? text : text.replace(this.#matcher, REDACTED);
    for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern.regex, REDACTED);
    return result;
  }

  /**
   * Turns any value into JSON with every string, key included, redacted. Values JSON cannot
   * hold are made readable first (bytes decoded as UTF-8, errors as name and message) so that
   * a secret cannot slip through as, say, an array of byte values.
   */
  redactJson(value: unknown): JsonValue {
    return this.#redactNode(value, new Set()) ?? null;
  }

  #redactNode(value: unknown, ancestors: Set<object>): JsonValue | undefined {
    if (typeof value === 'string') return this.redactText(value);
    if (typeof value === 'number') return Number.isFinite(value) ? value : null;
    if (typeof value === 'boolean' || value === null) return value;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object') return undefined;
    if (ancestors.has(value)) return '[circular]';
    ancestors.add(value);
    try {
      return this.#redactObject(toPlain(value), ancestors);
    } finally {
      ancestors.delete(value);
    }
  }

  #redactObject(value: unknown, ancestors: Set<object>): JsonValue | undefined {
    if (typeof value !== 'object' || value === null) return this.#redactNode(value, ancestors);
    if (Array.isArray(value)) {
      return value.map((item: unknown) => this.#redactNode(item, ancestors) ?? null);
    }
    const entries: [string, JsonValue][] = [];
    const usedKeys = new Set<string>();
    for (const [key, item] of Object.entries(value)) {
      const redactedItem = this.#redactNode(item, ancestors);
      if (redactedItem === undefined) continue;
      const redactedKey = uniqueKey(this.redactText(key), usedKeys);
      entries.push([redactedKey, redactedItem]);
    }
    // fromEntries defines own properties, so a `__proto__` key stays data.
    return Object.fromEntries(entries);
  }
}

/** Every form a secret takes in text this action handles: raw, base64, URL- and JSON-encoded. */
export function encodingsOf(secret: string): string[] {
  const variants = new Set<string>([secret]);
  const urlEncoded = encodeURIComponent(secret);
  variants.add(urlEncoded);
  variants.add(urlEncoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()));
  variants.add(JSON.stringify(secret).slice(1, -1));
  // git sends a token as HTTP basic auth, `x-access-token:<token>` in base64.
  variants.add(Buffer.from(`x-access-token:${secret}`).toString('base64'));
  for (const fragment of base64Fragments(Buffer.from(secret))) {
    variants.add(fragment);
    variants.add(fragment.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...variants];
}

/**
 * The base64 of a value changes with its byte offset inside a longer encoded blob. For each of
 * the three offsets, the characters that depend only on the secret's own bytes are stable, so
 * those are what the blob is searched for. The unencoded standalone form is included too.
 */
function base64Fragments(bytes: Buffer): string[] {
  const fragments = [bytes.toString('base64')];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = shift === 0 ? 0 : shift + 1;
    const tail = (shift + bytes.length) % 3;
    const end = encoded.length - (tail === 0 ? 0 : 4 - tail);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_FRAGMENT_LENGTH) fragments.push(fragment);
  }
  return fragments;
}

function buildMatcher(secrets: ReadonlySet<string>): RegExp | undefined {
  if (secrets.size === 0) return undefined;
  // Longest first, so a value is replaced whole rather than around a shorter variant inside it.
  const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join('|'), 'g');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function toPlain(value: object): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if ('toJSON' in value && typeof value.toJSON === 'function') return value.toJSON() as unknown;
  return value;
}

/** Two keys that redact to the same text must not overwrite each other's values. */
function uniqueKey(key: string, used: Set<string>): string {
  let candidate = key;
  for (let n = 2; used.has(candidate); n += 1) candidate = `${key}#${n}`;
  used.add(candidate);
  return candidate;
}
