import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOOL_NAMES } from '../../src/config/settings.ts';
import { createToolbox, type Toolbox } from '../../src/tools/registry.ts';
import { seedFiles, startToolSandbox, type ToolSandbox } from '../support/exec-container.ts';

describe('tools confined to the working directory in a real sandbox', () => {
  let box: ToolSandbox;
  let tools: Toolbox;
  const call = (name: string, args: Record<string, unknown>) =>
    tools.dispatch(name, JSON.stringify(args));

  before(async () => {
    // The agent is confined to pkg/; the rest of the repository is off limits.
    box = await startToolSandbox({ subdir: 'pkg' });
    tools = createToolbox(new Set(TOOL_NAMES), box.context);
    seedFiles(box.workspace, {
      'pkg/index.ts': 'export {};\n',
      'secret.txt': 'repository root, outside pkg\n',
      'pkg/.git/config': '[core]\n',
    });
    symlinkSync('/etc', join(box.workspace, 'pkg/etc-link'));
    symlinkSync('/etc/passwd', join(box.workspace, 'pkg/passwd-link'));
    symlinkSync('../secret.txt', join(box.workspace, 'pkg/up-link'));
    symlinkSync('/tmp/planted', join(box.workspace, 'pkg/dangling-out'));
    symlinkSync('index.ts', join(box.workspace, 'pkg/inside-link'));
    symlinkSync('.git', join(box.workspace, 'pkg/git-link'));
  });
  after(async () => {
    await box?.stop();
  });

  it('refuses paths that climb out with ..', async () => {
    for (const path of ['../secret.txt', 'src/../../secret.txt', '..']) {
      const outcome = await call('read_file', { path });
      assert.equal(outcome.refused, true, path);
      assert.match(outcome.output, /is outside the working directory \/workspace\/pkg/);
    }
  });

  it('refuses absolute paths outside the working directory but accepts those inside', async () => {
    const outside = await call('read_file', { path: '/etc/passwd' });
    assert.equal(outside.refused, true);
    const sibling = await call('read_file', { path: '/workspace/pkgs/x' });
    assert.equal(sibling.refused, true);
    const inside = await call('read_file', { path: '/workspace/pkg/index.ts' });
    assert.deepEqual(inside, { ok: true, output: 'export {};\n' });
  });

  it('refuses symbolic links that lead outside, for reading and for writing', async () => {
    const viaFolder = await call('read_file', { path: 'etc-link/passwd' });
    assert.equal(viaFolder.refused, true);
    assert.match(viaFolder.output, /leads through a symbolic link to \/etc\/passwd/);
    const direct = await call('read_lines', { path: 'passwd-link', start_line: 1 });
    assert.equal(direct.refused, true);
    const up = await call('edit_file', { path: 'up-link', old_string: 'root', new_string: 'X' });
    assert.equal(up.refused, true);
    assert.equal(
      readFileSync(join(box.workspace, 'secret.txt'), 'utf8'),
      'repository root, outside pkg\n',
    );
    const write = await call('write_file', { path: 'up-link', content: 'overwritten' });
    assert.equal(write.refused, true);
    assert.equal(
      readFileSync(join(box.workspace, 'secret.txt'), 'utf8'),
      'repository root, outside pkg\n',
    );
  });

  it('refuses to create a file through a dangling link that points outside', async () => {
    const outcome = await call('write_file', { path: 'dangling-out', content: 'planted' });
    assert.equal(outcome.refused, true);
    const check = await box.sandbox.exec({
      argv: ['sh', '-c', 'test -e /tmp/planted && echo present || echo absent'],
      timeoutMs: 5_000,
      maxOutputBytes: 1024,
    });
    assert.equal(check.stdout.toString(), 'absent\n');
  });

  it('refuses to write new folders under a link that points outside', async () => {
    const outcome = await call('write_file', { path: 'etc-link/new/file.txt', content: 'x' });
    assert.equal(outcome.refused, true);
    assert.match(outcome.output, /\/etc\/new\/file\.txt/);
  });

  it('follows links that stay inside the working directory', async () => {
    const outcome = await call('read_file', { path: 'inside-link' });
    assert.deepEqual(outcome, { ok: true, output: 'export {};\n' });
  });

  it('refuses to write or edit inside .git, however the path reaches it', async () => {
    const hook = await call('write_file', { path: '.git/hooks/pre-commit', content: 'evil' });
    assert.equal(hook.refused, true);
    assert.match(hook.output, /is inside \.git, which the tools do not change/);
    assert.equal(existsSync(join(box.workspace, 'pkg/.git/hooks')), false);
    const viaLink = await call('edit_file', {
      path: 'git-link/config',
      old_string: '[core]',
      new_string: '[core]\n\thooksPath = /tmp',
    });
    assert.equal(viaLink.refused, true);
    assert.equal(readFileSync(join(box.workspace, 'pkg/.git/config'), 'utf8'), '[core]\n');
  });

  it('refuses searches and listings rooted outside', async () => {
    const grep = await call('grep', { pattern: 'root', path: '..' });
    assert.equal(grep.refused, true);
    const find = await call('find', { pattern: '*', path: 'etc-link' });
    assert.equal(find.refused, true);
  });

  it('does not follow links out of the working directory while searching', async () => {
    const grep = await call('grep', { pattern: 'root' });
    assert.deepEqual(grep, { ok: true, output: 'No matches for "root" in ".".' });
  });

  it('refuses a tool that is not enabled, even when the call is otherwise valid', async () => {
    const readOnly = createToolbox(new Set(['read_file', 'grep'] as const), box.context);
    const outcome = await readOnly.dispatch(
      'write_file',
      '{"path": "planted.txt", "content": "x"}',
    );
    assert.deepEqual(outcome, {
      ok: false,
      refused: true,
      output:
        'The tool "write_file" is not enabled in this run, so nothing was done. ' +
        'Enabled tools: read_file, grep.',
    });
    assert.equal(existsSync(join(box.workspace, 'pkg/planted.txt')), false);
  });
});
