import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TOOL_NAMES } from '../../src/config/settings.ts';
import { createToolbox, type Toolbox } from '../../src/tools/registry.ts';
import { seedFiles, startToolSandbox, type ToolSandbox } from '../support/exec-container.ts';

describe('file tools in a real sandbox', () => {
  let box: ToolSandbox;
  let tools: Toolbox;
  const call = (name: string, args: Record<string, unknown>) =>
    tools.dispatch(name, JSON.stringify(args));
  const hostFile = (relative: string) => readFileSync(join(box.workspace, relative), 'utf8');

  before(async () => {
    box = await startToolSandbox();
    tools = createToolbox(new Set(TOOL_NAMES), box.context);
  });
  after(async () => {
    await box?.stop();
  });

  it('reads a text file exactly as it is on disk', async () => {
    seedFiles(box.workspace, { 'src/greet.ts': 'export const hi = "héllo";\n' });
    const outcome = await call('read_file', { path: 'src/greet.ts' });
    assert.deepEqual(outcome, { ok: true, output: 'export const hi = "héllo";\n' });
  });

  it('refuses a binary file with a note instead of its bytes', async () => {
    seedFiles(box.workspace, { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2]) });
    const outcome = await call('read_file', { path: 'logo.png' });
    assert.equal(outcome.ok, false);
    assert.match(outcome.output, /"logo\.png" looks like a binary file \(8 bytes/);
  });

  it('cuts a long file and says how to read the rest', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `line ${i + 1}`).join('\n');
    seedFiles(box.workspace, { 'long.txt': `${lines}\n` });
    const outcome = await call('read_file', { path: 'long.txt' });
    assert.equal(outcome.ok, true);
    assert.match(outcome.output, /^line 1\n/);
    assert.match(
      outcome.output,
      /line 2000\n\[output truncated: showed 2000 of 2500 lines; read the rest/,
    );
  });

  it('tells the model a missing file is missing and a folder is a folder', async () => {
    const missing = await call('read_file', { path: 'nope/missing.ts' });
    assert.equal(missing.ok, false);
    assert.match(
      missing.output,
      /no file at "nope\/missing\.ts".*find with the pattern "missing\.ts"/,
    );
    const folder = await call('read_file', { path: 'src' });
    assert.match(folder.output, /"src" is a folder, not a file/);
  });

  it('shows a numbered range of lines and where it sits in the file', async () => {
    seedFiles(box.workspace, { 'five.txt': 'one\ntwo\nthree\nfour\nfive' });
    const outcome = await call('read_lines', { path: 'five.txt', start_line: 2, end_line: 3 });
    assert.equal(outcome.output, '     2\ttwo\n     3\tthree\n[five.txt: lines 2-3 of 5]');
    const tail = await call('read_lines', { path: 'five.txt', start_line: 4 });
    assert.equal(tail.output, '     4\tfour\n     5\tfive\n[five.txt: lines 4-5 of 5]');
  });

  it('says how many lines a file has when the range starts past its end', async () => {
    const outcome = await call('read_lines', { path: 'five.txt', start_line: 9 });
    assert.equal(outcome.ok, false);
    assert.match(outcome.output, /"five\.txt" has 5 lines, so there is no line 9/);
  });

  it('creates a file and its folders with the exact content given', async () => {
    const content = 'const price = `$${cost}`; // "quoted" \'single\' ✓\nno newline at end';
    const outcome = await call('write_file', { path: 'new/deep/file.ts', content });
    assert.deepEqual(outcome, { ok: true, output: 'Created "new/deep/file.ts" (2 lines).' });
    assert.equal(hostFile('new/deep/file.ts'), content);
  });

  it('replaces a file and answers with a diff of what changed', async () => {
    seedFiles(box.workspace, { 'config.ini': 'a=1\nb=2\nc=3\n' });
    const outcome = await call('write_file', { path: 'config.ini', content: 'a=1\nb=20\nc=3\n' });
    assert.equal(hostFile('config.ini'), 'a=1\nb=20\nc=3\n');
    assert.match(
      outcome.output,
      /^Updated "config\.ini"\.\n--- a\/config\.ini\n\+\+\+ b\/config\.ini\n/,
    );
    assert.match(outcome.output, /\n-b=2\n\+b=20\n/);
  });

  it('edits the one place old_string matches and leaves the rest of the file alone', async () => {
    seedFiles(box.workspace, { 'app.py': 'def f():\n    return 1\n\ndef g():\n    return 2\n' });
    const outcome = await call('edit_file', {
      path: 'app.py',
      old_string: 'def g():\n    return 2',
      new_string: 'def g():\n    return 3',
    });
    assert.equal(outcome.ok, true);
    assert.match(outcome.output, /^Edited "app\.py" at line 4\.\n/);
    assert.equal(hostFile('app.py'), 'def f():\n    return 1\n\ndef g():\n    return 3\n');
  });

  it('changes nothing when old_string is ambiguous, and says on which lines', async () => {
    const outcome = await call('edit_file', {
      path: 'app.py',
      old_string: 'return',
      new_string: 'yield',
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.output, /occurs 2 times in "app\.py" \(starting on lines 2, 5\)/);
    assert.equal(hostFile('app.py'), 'def f():\n    return 1\n\ndef g():\n    return 3\n');
  });

  it('changes nothing when old_string is missing, and shows the closest lines', async () => {
    const outcome = await call('edit_file', {
      path: 'app.py',
      old_string: '\treturn 1',
      new_string: '\treturn 10',
    });
    assert.equal(outcome.ok, false);
    assert.match(outcome.output, /not found in "app\.py"/);
    assert.match(outcome.output, /     2\t    return 1/);
    assert.equal(hostFile('app.py'), 'def f():\n    return 1\n\ndef g():\n    return 3\n');
  });

  it('edits a file with Windows line ends without mixing them', async () => {
    seedFiles(box.workspace, { 'win.txt': 'alpha\r\nbeta\r\ngamma\r\n' });
    const outcome = await call('edit_file', {
      path: 'win.txt',
      old_string: 'alpha\nbeta',
      new_string: 'alpha\nBETA\nextra',
    });
    assert.equal(outcome.ok, true);
    assert.equal(hostFile('win.txt'), 'alpha\r\nBETA\r\nextra\r\ngamma\r\n');
  });

  it('treats a file named --help as a file, never as an option', async () => {
    seedFiles(box.workspace, { '--help': 'not an option\n' });
    assert.equal((await call('read_file', { path: '--help' })).output, 'not an option\n');
    await call('edit_file', { path: '--help', old_string: 'not', new_string: 'never' });
    assert.equal(hostFile('--help'), 'never an option\n');
    await call('write_file', { path: '-n', content: 'dash\n' });
    assert.equal(hostFile('-n'), 'dash\n');
  });
});
