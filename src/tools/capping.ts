import { StringDecoder } from 'node:string_decoder';
import { truncationNote } from './messages.ts';

export interface CapLimits {
  readonly maxLines: number;
  readonly maxBytes: number;
}

/** What one tool result may hold: enough to work with, small enough for a long run. */
export const RESULT_LIMITS: CapLimits = { maxLines: 2000, maxBytes: 50 * 1024 };

/** Longer lines (minified code, data) are cut so one line cannot take a whole result. */
export const MAX_LINE_CHARS = 2000;

export interface CapRequest extends Partial<CapLimits> {
  /** What the model can do to see what was cut; it ends the note. */
  readonly hint: string;
  /** Bytes the source had beyond `data` that never reached the host (dropped by the sandbox). */
  readonly droppedBytes?: number;
}

/** Decodes UTF-8, leaving out a character whose bytes were cut off at the end. */
export function decodeUtf8Prefix(data: Uint8Array): string {
  return new StringDecoder('utf8').write(toBuffer(data));
}

/**
 * Caps text by lines and then by bytes, cutting on character boundaries, and appends a note
 * that says what was cut and what to do instead. Text within the limits comes back unchanged.
 */
export function capText(data: Uint8Array | string, request: CapRequest): string {
  const maxLines = request.maxLines ?? RESULT_LIMITS.maxLines;
  const maxBytes = request.maxBytes ?? RESULT_LIMITS.maxBytes;
  const droppedBytes = request.droppedBytes ?? 0;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : toBuffer(data);
  const complete = droppedBytes === 0;
  const text = complete ? bytes.toString('utf8') : decodeUtf8Prefix(bytes);

  const lines = splitLines(text);
  let shown = lines.slice(0, maxLines).join('');
  const byteCut = Buffer.byteLength(shown, 'utf8') > maxBytes;
  if (byteCut) shown = cutToBytes(shown, maxBytes);
  if (complete && !byteCut && lines.length <= maxLines) return text;

  const note = truncationNote({
    shownLines: splitLines(shown).length,
    totalLines: complete ? lines.length : undefined,
    shownBytes: Buffer.byteLength(shown, 'utf8'),
    totalBytes: byteCut || !complete ? bytes.length + droppedBytes : undefined,
    hint: request.hint,
  });
  return appendNote(shown, note);
}

/** Cuts every line longer than `maxChars` characters, marking the cut. */
export function capLineLength(text: string, maxChars = MAX_LINE_CHARS): string {
  if (!text.split('\n').some((line) => line.length > maxChars)) return text;
  return text
    .split('\n')
    .map((line) =>
      line.length > maxChars ? `${sliceChars(line, maxChars)}${lineCutMark(line)}` : line,
    )
    .join('\n');
}

/** Adds a note on its own line after the text. */
export function appendNote(text: string, note: string): string {
  if (text === '') return note;
  return text.endsWith('\n') ? `${text}${note}` : `${text}\n${note}`;
}

/** Lines with their terminators kept, so joining them back gives the original text. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  return text.split(/(?<=\n)/);
}

function lineCutMark(line: string): string {
  return ` … [line cut: ${line.length} characters]`;
}

/** The longest whole-line prefix within `maxBytes`, or a character-safe cut of a single line. */
function cutToBytes(text: string, maxBytes: number): string {
  const prefix = decodeUtf8Prefix(Buffer.from(text, 'utf8').subarray(0, maxBytes));
  const lastNewline = prefix.lastIndexOf('\n');
  return lastNewline >= 0 ? prefix.slice(0, lastNewline + 1) : prefix;
}

/** Slices by UTF-16 units without leaving half of a surrogate pair at the end. */
function sliceChars(line: string, maxChars: number): string {
  const code = line.charCodeAt(maxChars - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
  return line.slice(0, end);
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
