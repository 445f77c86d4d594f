import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOOL_NAMES } from '../../src/config/settings.ts';
import { createToolbox, type Toolbox } from '../../src/tools/registry.ts';
import { BUSYBOX_IMAGE, DEBIAN_IMAGE } from '../support/docker.ts';
import { seedFiles, startToolSandbox, type ToolSandbox } from '../support/exec-container.ts';

const FILES = {
  'README.md': '# Demo\nRun with --verbose for details.\n',
  'src/main.ts': 'import { parse } from "./parse.ts";\nparse("--verbose");\n',
  'src/parse.ts': 'export function parse(flag: string) {\n  return flag === "--verbose";\n}\n',
  'src/util/Strings.ts': 'export const VERBOSE = true;\n',
  'docs/guide.md': 'Parse things.\n',
  'docs/api/parse.md': 'parse(flag)\n',
  '--help': 'a file named like an option, mentioning verbose\n',
  '.git/config': '[core] verbose = true\n',
  'many.txt': Array.from({ length: 150 }, (_, i) => `hit ${i + 1}`).join('\n'),
};

// The same behaviour with ripgrep (Debian) and with the POSIX fallback (busybox).
for (const [image, engine] of [
  [BUSYBOX_IMAGE, 'find and grep'],
  [DEBIAN_IMAGE, 'ripgrep'],
] as const) {
  describe(`search tools with ${engine} (${image})`, () => {
    let box: ToolSandbox;
    let tools: Toolbox;
    const call = (name: string, args: Record<string, unknown>) =>
      tools.dispatch(name, JSON.stringify(args));

    before(async () => {
      box = await startToolSandbox({ image });
      seedFiles(box.workspace, FILES);
      tools = createToolbox(new Set(TOOL_NAMES), box.context);
    });
    after(async () => {
      await box?.stop();
    });

    it('finds a pattern that starts with a dash as text, and skips .git', async () => {
      const outcome = await call('grep', { pattern: '--verbose' });
      assert.deepEqual(outcome, {
        ok: true,
        output:
          'README.md:2:Run with --verbose for details.\n' +
          'src/main.ts:2:parse("--verbose");\n' +
          'src/parse.ts:2:  return flag === "--verbose";\n',
      });
    });

    it('ignores case when asked, and searches a file named --help', async () => {
      const outcome = await call('grep', { pattern: 'verbose', case_sensitive: false });
      const files = outcome.output
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(':')[0]);
      assert.deepEqual([...new Set(files)].sort(), [
        '--help',
        'README.md',
        'src/main.ts',
        'src/parse.ts',
        'src/util/Strings.ts',
      ]);
    });

    it('limits a search to a folder and a file glob, showing paths from the workdir', async () => {
      const outcome = await call('grep', { pattern: 'parse', path: 'src', file_glob: 'p*.ts' });
      assert.equal(outcome.output, 'src/parse.ts:1:export function parse(flag: string) {\n');
    });

    it('searches a single file', async () => {
      const outcome = await call('grep', { pattern: 'flag', path: 'src/parse.ts' });
      assert.equal(
        outcome.output,
        'src/parse.ts:1:export function parse(flag: string) {\n' +
          'src/parse.ts:2:  return flag === "--verbose";\n',
      );
    });

    it('stops at max_results and says there are more', async () => {
      const outcome = await call('grep', { pattern: '^hit', max_results: 3 });
      assert.equal(
        outcome.output,
        'many.txt:1:hit 1\nmany.txt:2:hit 2\nmany.txt:3:hit 3\n' +
          '[showed the first 3 matches; there are more. Raise max_results (up to 1000) or ' +
          'narrow the search with path, file_glob or a more specific pattern]',
      );
    });

    it('says plainly when nothing matches, and shows a bad pattern error', async () => {
      const none = await call('grep', { pattern: 'no such text anywhere' });
      assert.deepEqual(none, {
        ok: true,
        output: 'No matches for "no such text anywhere" in ".".',
      });
      const bad = await call('grep', { pattern: '[unclosed' });
      assert.equal(bad.ok, false);
      assert.match(bad.output, /^The search failed: /);
    });

    it('lists files by name glob, sorted, without .git', async () => {
      const outcome = await call('find', { pattern: '*.md' });
      assert.equal(outcome.output, 'README.md\ndocs/api/parse.md\ndocs/guide.md\n');
      const all = await call('find', { pattern: '*' });
      assert.doesNotMatch(all.output, /\.git\//);
      assert.match(all.output, /^--help\n/);
    });

    it('matches a glob with a slash against paths below the folder searched', async () => {
      const outcome = await call('find', { pattern: 'api/*.md', path: 'docs' });
      assert.equal(outcome.output, 'docs/api/parse.md\n');
    });

    it('honours max_depth', async () => {
      const outcome = await call('find', { pattern: '*.md', max_depth: 1 });
      assert.equal(outcome.output, 'README.md\n');
    });

    it('says plainly when no file matches, and when the folder is a file', async () => {
      const none = await call('find', { pattern: '*.rs' });
      assert.deepEqual(none, { ok: true, output: 'No files match "*.rs" in ".".' });
      const file = await call('find', { pattern: '*', path: 'README.md' });
      assert.equal(file.ok, false);
      assert.match(file.output, /"README\.md" is a file, not a folder/);
    });
  });
}

describe('search tools with ripgrep honour ignore rules', () => {
  let box: ToolSandbox;
  let tools: Toolbox;

  before(async () => {
    box = await startToolSandbox({ image: DEBIAN_IMAGE });
    seedFiles(box.workspace, {
      '.gitignore': 'dist/\n',
      'dist/bundle.js': 'const target = 1;\n',
      'src/index.js': 'const target = 2;\n',
    });
    tools = createToolbox(new Set(TOOL_NAMES), box.context);
  });
  after(async () => {
    await box?.stop();
  });

  it('leaves files ignored by .gitignore out of searches and listings', async () => {
    const grep = await tools.dispatch('grep', '{"pattern": "target"}');
    assert.equal(grep.output, 'src/index.js:1:const target = 2;\n');
    const find = await tools.dispatch('find', '{"pattern": "*.js"}');
    assert.equal(find.output, 'src/index.js\n');
  });
});
