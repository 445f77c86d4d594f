// Settings as the action parses them from its inputs, for the config unit tests.
import assert from 'node:assert/strict';
import type { InputName } from '../../src/config/inputs.ts';
import { parseSettings } from '../../src/config/parse-settings.ts';
import { InputError } from '../../src/errors.ts';

/** Parses `inputs` on top of the three required ones, the rest left blank as on a runner. */
export function settingsFrom(inputs: Partial<Record<InputName, string>>) {
  const all = {
    task: 'fix the parser',
    model: 'openai/gpt-5.2-codex',
    'api-key': 'sk-test',
    ...inputs,
  };
  return parseSettings((name) => all[name] ?? '');
}

/** Asserts `fn` throws an InputError naming `input` whose message or hint matches `pattern`. */
export function assertInputError(fn: () => unknown, input: string, pattern: RegExp) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof InputError, `expected InputError, got ${String(error)}`);
    assert.equal(error.input, input);
    assert.match(`${error.message} ${error.hint}`, pattern);
    return true;
  });
}
