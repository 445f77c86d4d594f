import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderSummary, type RunReport } from '../../src/audit/summary.ts';

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    status: 'pr-opened',
    task: 'Make the parser accept ISO weeks',
    model: 'openai/gpt-5.2-codex',
    steps: 14,
    promptTokens: 48213,
    completionTokens: 3120,
    toolCalls: { read_file: 6, edit_file: 2, run_shell: 1 },
    refusedToolCalls: 1,
    changedFiles: ['src/parser.ts', 'test/parser.test.ts'],
    pullRequestUrl: 'https://github.com/acme/app/pull/42',
    auditLogPath: '/home/runner/work/_temp/agent-audit/audit.jsonl',
    auditHeadHash: 'ab'.repeat(32),
    auditArtifact: 'agent-audit-123-1-fix-a1b2c3',
    ...overrides,
  };
}

describe('the job summary', () => {
  test('an opened pull request shows its link, model, steps, tokens and the audit trail', () => {
    const markdown = renderSummary(report());
    assert.match(markdown, /^## Agent run: pull request opened\n/);
    assert.ok(markdown.includes('Pull request: https://github.com/acme/app/pull/42'));
    assert.ok(markdown.includes('| Model | `openai/gpt-5.2-codex` |'));
    assert.ok(markdown.includes('| Steps | 14 |'));
    assert.ok(markdown.includes('48,213 prompt + 3,120 completion = 51,333'));
    assert.ok(markdown.includes('`/home/runner/work/_temp/agent-audit/audit.jsonl`'));
    assert.ok(markdown.includes('`agent-audit-123-1-fix-a1b2c3`'));
    assert.ok(markdown.includes(`Last hash: \`${'ab'.repeat(32)}\``));
  });

  test('tool calls are listed per tool with the total and the refused count', () => {
    const markdown = renderSummary(report());
    assert.ok(markdown.includes('### Tool calls (9)'));
    assert.ok(markdown.includes('| `edit_file` | 2 |\n| `read_file` | 6 |\n| `run_shell` | 1 |'));
    assert.ok(markdown.includes('1 refused'));
  });

  test('the changed files are listed, and a long list is cut with the number left out', () => {
    assert.ok(renderSummary(report()).includes('- `src/parser.ts`\n- `test/parser.test.ts`'));
    const many = Array.from({ length: 60 }, (_, i) => `docs/page-${i}.md`);
    const markdown = renderSummary(report({ changedFiles: many }));
    assert.ok(markdown.includes('### Changed files (60)'));
    assert.ok(markdown.includes('- `docs/page-49.md`\n- and 10 more'));
    assert.ok(!markdown.includes('page-50'));
  });

  test('a refused run says why and shows no pull request', () => {
    const markdown = renderSummary(
      report({
        status: 'refused',
        pullRequestUrl: undefined,
        changedFiles: [],
        toolCalls: {},
        refusedToolCalls: 0,
        refusalReason: 'octocat has read permission; write is required (min-permission).',
      }),
    );
    assert.match(markdown, /^## Agent run: refused\n/);
    assert.ok(markdown.includes('Refused because:\n\n```text\noctocat has read permission'));
    assert.ok(!markdown.includes('Pull request:'));
    assert.ok(markdown.includes('### Changed files\n\nNone.'));
    assert.ok(markdown.includes('### Tool calls\n\nNone.'));
  });

  test('a failed run shows the error and its hint', () => {
    const markdown = renderSummary(
      report({ status: 'failed', failureReason: 'Docker is not reachable\nSet `engine`.' }),
    );
    assert.match(markdown, /^## Agent run: failed\n/);
    assert.ok(
      markdown.includes('Failed because:\n\n```text\nDocker is not reachable\nSet `engine`.\n```'),
    );
  });

  test('task text is shown literally, even when it holds fences, HTML or mentions', () => {
    const task = 'Fix it <img src=x onerror=alert(1)> @acme/admins\n```\n# not a heading\n```';
    const markdown = renderSummary(report({ task }));
    assert.ok(markdown.includes(`### Task\n\n\`\`\`\`text\n${task}\n\`\`\`\``));
  });

  test('a very long task is shortened with a note of how much was cut', () => {
    const markdown = renderSummary(report({ task: 'x'.repeat(2500) }));
    assert.ok(markdown.includes(`${'x'.repeat(2000)}\n[... 500 more characters]`));
    assert.ok(!markdown.includes('x'.repeat(2001)));
  });

  test('names with backticks or pipes cannot break the tables or code spans', () => {
    const markdown = renderSummary(
      report({ toolCalls: { 'a|b': 1 }, changedFiles: ['weird`name.md'] }),
    );
    assert.ok(markdown.includes('| `a\\|b` | 1 |'));
    assert.ok(markdown.includes('- ``weird`name.md``'));
  });
});
