import type { NumberedLine } from './messages.ts';

/** Enough to tell "unique" from "ambiguous" and to list where; more would only cost time. */
const MAX_OCCURRENCES = 1000;
const CLOSEST_LIMIT = 3;
const MIN_SIMILARITY = 0.5;
const MAX_SHOWN_CHARS = 200;
/** The shape of read_lines' prefix: right-aligned number, then a tab. */
const LINE_NUMBER_PREFIX = /^\s*\d+\t/;

/** Start offsets of every occurrence, overlapping ones included (they make a match ambiguous). */
export function findOccurrences(text: string, needle: string): number[] {
  const found: number[] = [];
  let index = text.indexOf(needle);
  while (index !== -1 && found.length < MAX_OCCURRENCES) {
    found.push(index);
    index = text.indexOf(needle, index + 1);
  }
  return found;
}

/** 1-based line number of the character at `index`. */
export function lineNumberAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export function hasLineNumberPrefix(needle: string): boolean {
  return LINE_NUMBER_PREFIX.test(needle);
}

/**
 * The lines most like the first non-blank line of `needle`, best first, ignoring leading and
 * trailing whitespace: what the model most likely meant to match.
 */
export function closestLines(text: string, needle: string): NumberedLine[] {
  const target = needle
    .split('\n')
    .find((line) => line.trim() !== '')
    ?.trim();
  if (target === undefined) return [];
  return text
    .split('\n')
    .map((line, index) => ({
      number: index + 1,
      text: shorten(line.replace(/\r$/, '')),
      score: similarity(line.trim(), target),
    }))
    .filter((line) => line.score >= MIN_SIMILARITY)
    .sort((a, b) => b.score - a.score || a.number - b.number)
    .slice(0, CLOSEST_LIMIT)
    .map(({ number, text: shown }) => ({ number, text: shown }));
}

/** Dice coefficient over character pairs: 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const pairs = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const pair = a.slice(i, i + 2);
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const pair = b.slice(i, i + 2);
    const count = pairs.get(pair) ?? 0;
    if (count > 0) {
      pairs.set(pair, count - 1);
      shared++;
    }
  }
  return (2 * shared) / (a.length + b.length - 2);
}

function shorten(line: string): string {
  return line.length > MAX_SHOWN_CHARS ? `${line.slice(0, MAX_SHOWN_CHARS)} …` : line;
}
