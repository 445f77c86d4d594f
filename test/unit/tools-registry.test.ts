import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecRequest, ExecResult, Sandbox } from '../../src/sandbox/sandbox.ts';
import { createToolbox } from '../../src/tools/registry.ts';
import { execResult } from '../support/exec-result.ts';

/** Dispatch checks run before any command: a sandbox that records calls proves none ran. */
function recordingSandbox(result?: Partial<ExecResult>) {
  const calls: ExecRequest[] = [];
  const sandbox: Sandbox = {
    id: 'unit',
    workdir: '/workspace',
    root: '/workspace',
    async exec(request) {
      calls.push(request);
      if (!result) throw new Error('the container is gone');
      return execResult(result);
    },
    async settle() {
      return { leftoverProcesses: 0, oomKills: 0 };
    },
    async stop() {},
  };
  return { sandbox, calls };
}

function toolbox(names: readonly string[], result?: Partial<ExecResult>) {
  const { sandbox, calls } = recordingSandbox(result);
  const enabled = new Set(names) as Parameters<typeof createToolbox>[0];
  return { tools: createToolbox(enabled, { sandbox, commandTimeoutMs: 5_000 }), calls };
}

describe('tool registry', () => {
  it('offers only the enabled tools, in a stable order, as function definitions', () => {
    const { tools } = toolbox(['grep', 'read_file']);
    assert.deepEqual(
      tools.definitions.map((d) => d.function.name),
      ['read_file', 'grep'],
    );
    const grep = tools.definitions[1]!.function;
    assert.equal(grep.parameters?.type, 'object');
    assert.deepEqual(grep.parameters?.required, ['pattern']);
    assert.equal(grep.parameters?.additionalProperties, false);
    assert.equal('$schema' in (grep.parameters ?? {}), false);
    assert.match(grep.description ?? '', /regular expression/);
  });

  it('refuses a tool that is not enabled, names the enabled ones, and runs nothing', async () => {
    const { tools, calls } = toolbox(['read_file', 'grep']);
    const outcome = await tools.dispatch('run_shell', '{"cmd": "touch /workspace/x"}');
    assert.deepEqual(outcome, {
      ok: false,
      refused: true,
      output:
        'The tool "run_shell" is not enabled in this run, so nothing was done. ' +
        'Enabled tools: read_file, grep.',
    });
    assert.equal(calls.length, 0);
  });

  it('refuses a tool name that does not exist', async () => {
    const { tools } = toolbox(['read_file']);
    const outcome = await tools.dispatch('delete_repo', '{}');
    assert.deepEqual(outcome, {
      ok: false,
      refused: true,
      output: 'There is no tool named "delete_repo". Enabled tools: read_file.',
    });
  });

  it('answers malformed JSON with the shape it expects', async () => {
    const { tools, calls } = toolbox(['read_lines']);
    const outcome = await tools.dispatch('read_lines', '{"path": "a.ts", start_line: 3}');
    assert.equal(outcome.ok, false);
    assert.match(outcome.output, /^The arguments for read_lines are not valid JSON \(/);
    assert.match(
      outcome.output,
      /Send one JSON object: \{"path": string, "start_line": integer, "end_line"\?: integer\}\.$/,
    );
    assert.equal(calls.length, 0);
  });

  it('names each bad argument and what it should be', async () => {
    const { tools, calls } = toolbox(['read_lines', 'grep', 'edit_file']);
    const lines = await tools.dispatch(
      'read_lines',
      '{"start_line": "ten", "end_line": 0, "file": 1}',
    );
    assert.equal(
      lines.output,
      'Invalid arguments for read_lines, so nothing was done:\n' +
        '- "path" is required (a string)\n' +
        '- "start_line" must be a number, not the string "ten"\n' +
        '- "end_line" must be at least 1\n' +
        '- unknown argument "file"; this tool takes "path", "start_line", "end_line"\n' +
        'Expected: {"path": string, "start_line": integer, "end_line"?: integer}.',
    );
    const fractional = await tools.dispatch('read_lines', '{"path": "a", "start_line": 1.5}');
    assert.match(fractional.output, /- "start_line" must be a whole number, not number 1\.5\n/);
    const many = await tools.dispatch('grep', '{"pattern": "", "max_results": 5000}');
    assert.match(
      many.output,
      /- "pattern" must not be empty\n- "max_results" must be at most 1000\n/,
    );
    const array = await tools.dispatch('grep', '["x"]');
    assert.match(array.output, /- the arguments must be a JSON object, not an array\n/);
    assert.equal(calls.length, 0);
  });

  it('explains rules that span arguments', async () => {
    const { tools } = toolbox(['read_lines', 'edit_file']);
    const range = await tools.dispatch(
      'read_lines',
      '{"path": "a", "start_line": 9, "end_line": 3}',
    );
    assert.match(range.output, /- end_line must not be smaller than start_line\n/);
    const same = await tools.dispatch(
      'edit_file',
      '{"path": "a", "old_string": "x", "new_string": "x"}',
    );
    assert.match(same.output, /identical, so the edit would change nothing/);
    const empty = await tools.dispatch(
      'edit_file',
      '{"path": "a", "old_string": "", "new_string": "x"}',
    );
    assert.match(empty.output, /old_string must not be empty; to create a file .* use write_file/);
  });

  it('treats null as an omitted argument', async () => {
    const { tools } = toolbox(['read_lines']);
    const outcome = await tools.dispatch(
      'read_lines',
      '{"path": "../outside.txt", "start_line": 1, "end_line": null}',
    );
    // Validation passed; the path check refused it next.
    assert.equal(outcome.refused, true);
    assert.match(outcome.output, /is outside the working directory/);
  });

  it('rejects, rather than answers, when the sandbox itself fails', async () => {
    const { tools } = toolbox(['read_file']);
    await assert.rejects(tools.dispatch('read_file', '{"path": "a.ts"}'), /the container is gone/);
  });

  it('turns a failure the model can fix into an answer, not an exception', async () => {
    // The resolution script reports an unresolvable path (e.g. a link loop) with exit code 4.
    const { tools } = toolbox(['read_file'], {
      exitCode: 4,
      stderr: Buffer.from('readlink: loop'),
    });
    const outcome = await tools.dispatch('read_file', '{"path": "loop"}');
    assert.deepEqual(outcome, {
      ok: false,
      output: 'Could not resolve the path "loop" in the sandbox: readlink: loop',
    });
  });
});
