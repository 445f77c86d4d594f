import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatShellResult } from '../../src/tools/run-shell.ts';
import { execResult as result } from '../support/exec-result.ts';

describe('run_shell results', () => {
  it('shows the exit code and only the streams that said something', () => {
    const text = formatShellResult(
      result({ exitCode: 1, stderr: Buffer.from('no such file\n') }),
      120,
    );
    assert.equal(text, 'exit code: 1\nstderr:\nno such file');
  });

  it('says that a command was killed at the timeout, after what it printed', () => {
    const text = formatShellResult(
      result({ exitCode: null, timedOut: true, stdout: Buffer.from('step 1\n') }),
      120,
    );
    assert.equal(
      text,
      'exit code: none (killed)\nstdout:\nstep 1\n[the command was killed after 120 s, the ' +
        'command timeout, together with everything it started. Split the work into shorter ' +
        'commands, or limit what it does (fewer tests, a smaller folder).]',
    );
  });
});
