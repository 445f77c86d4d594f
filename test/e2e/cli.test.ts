import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { API_KEY, runCli, runLocalAgent } from '../support/action-harness.ts';
import { requireEngine } from '../support/docker.ts';
import { startFakeModelServer } from '../support/fake-model-server.ts';
import { createScratchRepo } from '../support/scratch-git-repo.ts';

describe('the local command', () => {
  it('runs the agent on a checkout and leaves a branch and a patch, with no GitHub', async () => {
    await requireEngine();
    const scratch = await createScratchRepo({ 'greeting.txt': 'helo world\n' });
    const model = await startFakeModelServer({
      apiKey: API_KEY,
      script: [
        {
          toolCalls: [
            {
              name: 'edit_file',
              arguments: { path: 'greeting.txt', old_string: 'helo', new_string: 'hello' },
            },
          ],
        },
        { content: 'Fixed the typo.' },
      ],
    });
    const result = await runLocalAgent('Fix the typo in greeting.txt', model.url, scratch.repo);
    await model.close();
    assert.equal(result.exitCode, 0, String(result.stdout) + String(result.stderr));
    const stdout = String(result.stdout);
    const branch = /^Branch: (.+)$/m.exec(stdout)?.[1];
    const patch = /^Patch: (.+)$/m.exec(stdout)?.[1];
    const audit = /^Audit log: (.+)$/m.exec(stdout)?.[1];
    assert.ok(branch && patch && audit, stdout);
    assert.match(branch, /^agent\/fix-the-typo-in-greeting-txt-local-/);
    assert.equal(await scratch.git(['show', `${branch}:greeting.txt`]), 'hello world');
    assert.match(readFileSync(patch, 'utf8'), /^-helo world\n\+hello world$/m);
    // The checkout itself is left as it was found: same branch, HEAD, and the edit in the tree.
    assert.equal(await scratch.git(['rev-parse', '--abbrev-ref', 'HEAD']), 'main');
    assert.equal(
      await scratch.git(['branch', '--list'], scratch.origin),
      '* main',
      'nothing pushed',
    );
    assert.ok(!readFileSync(audit, 'utf8').includes(API_KEY));

    const verified = await runCli(['verify', audit], scratch.repo);
    assert.equal(verified.exitCode, 0, String(verified.stderr));
    assert.match(String(verified.stdout), /chain intact \(complete\)/);
    await scratch.cleanup();
  });

  it('says what is wrong with a bad option and exits non-zero', async () => {
    const scratch = await createScratchRepo({ 'a.txt': 'a\n' });
    const result = await runCli(
      ['--task', 'x', '--model', 'openai/m', '--cpus', 'many'],
      scratch.repo,
      {
        AGENT_API_KEY: API_KEY,
      },
    );
    assert.equal(result.exitCode, 1);
    assert.match(String(result.stderr), /Input 'cpus': 'many' is not valid/);
    await scratch.cleanup();
  });

  it('reports a tampered audit log with the line that was changed', async () => {
    const scratch = await createScratchRepo({ 'a.txt': 'a\n' });
    const model = await startFakeModelServer({
      apiKey: API_KEY,
      script: [{ content: 'Nothing to do.' }],
    });
    const result = await runLocalAgent('Look around', model.url, scratch.repo);
    await model.close();
    const audit = /^Audit log: (.+)$/m.exec(String(result.stdout))?.[1];
    assert.ok(audit, String(result.stdout) + String(result.stderr));
    const lines = readFileSync(audit, 'utf8').split('\n');
    assert.match(lines[0]!, /"local":true/);
    lines[0] = lines[0]!.replace('"local":true', '"local":false');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(audit, lines.join('\n'));
    const verified = await runCli(['verify', audit], scratch.repo);
    assert.equal(verified.exitCode, 1);
    assert.match(String(verified.stderr), /line 1/);
    await scratch.cleanup();
  });
});
