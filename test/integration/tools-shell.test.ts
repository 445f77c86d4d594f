import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createToolbox, type Toolbox } from '../../src/tools/registry.ts';
import { startToolSandbox, type ToolSandbox } from '../support/exec-container.ts';

describe('run_shell in a real sandbox', () => {
  let box: ToolSandbox;
  let tools: Toolbox;
  const shell = (cmd: string) => tools.dispatch('run_shell', JSON.stringify({ cmd }));

  before(async () => {
    box = await startToolSandbox({ commandTimeoutMs: 2_000 });
    tools = createToolbox(new Set(['run_shell'] as const), box.context);
  });
  after(async () => {
    await box?.stop();
  });

  it('runs in the working directory and reports exit code, stdout and stderr apart', async () => {
    const outcome = await shell('pwd; echo oops >&2; exit 3');
    assert.deepEqual(outcome, {
      ok: true,
      output: 'exit code: 3\nstdout:\n/workspace\nstderr:\noops',
    });
  });

  it('leaves its changes in the workspace, as seen from the host', async () => {
    await shell('mkdir -p out && printf "%s" "$((6 * 7))" > out/answer');
    assert.equal(readFileSync(join(box.workspace, 'out/answer'), 'utf8'), '42');
  });

  it('kills a command that outlives the command timeout, and says so', async () => {
    const started = Date.now();
    const outcome = await shell('echo started; sleep 30; echo finished');
    assert.ok(Date.now() - started < 15_000, 'the command was not stopped in time');
    assert.match(outcome.output, /^exit code: none \(killed\)\nstdout:\nstarted\n/);
    assert.match(outcome.output, /killed after 2 s, the command timeout/);
    assert.doesNotMatch(outcome.output, /finished/);
  });

  it('cuts a flood of output and says what was kept', async () => {
    const outcome = await shell('yes flood');
    const tail = outcome.output.slice(outcome.output.lastIndexOf('flood\n'));
    assert.match(tail, /^flood\n\[output truncated: showed the first 2000 lines \(11\.7 KiB\) of /);
    assert.match(tail, /\n\[the command was killed because it kept writing output far past/);
    assert.ok(Buffer.byteLength(outcome.output) < 60 * 1024);
  });

  it('says when a command printed nothing', async () => {
    assert.deepEqual(await shell('true'), { ok: true, output: 'exit code: 0\n(no output)' });
  });
});
