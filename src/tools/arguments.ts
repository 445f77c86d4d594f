import { z } from 'zod';
import { ARGUMENT_PROBLEMS, invalidArguments, malformedJson } from './messages.ts';
import type { Tool } from './tool.ts';

export type ParsedArguments =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/** The tool's parameters as JSON Schema, as the model is shown them. */
export function parametersOf(tool: Tool): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(tool.schema, { io: 'input' });
  return schema;
}

/**
 * Parses and validates the model's raw argument string. Never throws: every mistake becomes a
 * message that names the argument, what was expected and what arrived.
 */
export function parseArguments(tool: Tool, raw: string): ParsedArguments {
  let json: unknown;
  try {
    json = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: malformedJson(tool.name, detail, signatureOf(tool)) };
  }
  const result = tool.schema.safeParse(dropNulls(json), { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const problems = result.error.issues.map((issue) => describeIssue(issue, tool));
  return { ok: false, message: invalidArguments(tool.name, problems, signatureOf(tool)) };
}

/** The shape of a valid call, e.g. `{"path": string, "end_line"?: integer}`. */
export function signatureOf(tool: Tool): string {
  const schema = parametersOf(tool) as {
    properties?: Record<string, { type?: string }>;
    required?: string[];
  };
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(
    ([name, property]) => `"${name}"${required.has(name) ? '' : '?'}: ${property.type ?? 'any'}`,
  );
  return `{${fields.join(', ')}}`;
}

/** Models often send `null` for an argument they mean to leave out; treat it as left out. */
function dropNulls(json: unknown): unknown {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  return Object.fromEntries(Object.entries(json).filter(([, value]) => value !== null));
}

function describeIssue(issue: z.core.$ZodIssue, tool: Tool): string {
  const name = issue.path.map(String).join('.');
  switch (issue.code) {
    case 'invalid_type':
      if (name === '') return ARGUMENT_PROBLEMS.notAnObject(describeValue(issue.input));
      if (issue.input === undefined)
        return ARGUMENT_PROBLEMS.missing(name, expected(issue.expected));
      return ARGUMENT_PROBLEMS.wrongType(
        name,
        expected(issue.expected),
        describeValue(issue.input),
      );
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1)
        return ARGUMENT_PROBLEMS.empty(name);
      return ARGUMENT_PROBLEMS.tooSmall(name, String(issue.minimum));
    case 'too_big':
      return ARGUMENT_PROBLEMS.tooBig(name, String(issue.maximum));
    case 'unrecognized_keys':
      return ARGUMENT_PROBLEMS.unknown(issue.keys, Object.keys(propertiesOf(tool)));
    case 'custom':
      return issue.message;
    default:
      return name === '' ? issue.message : `"${name}": ${issue.message}`;
  }
}

function propertiesOf(tool: Tool): Record<string, unknown> {
  return (parametersOf(tool) as { properties?: Record<string, unknown> }).properties ?? {};
}

function expected(type: string): string {
  const words: Record<string, string> = {
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
    object: 'a JSON object',
  };
  return words[type] ?? type;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(abbreviate(value))}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
