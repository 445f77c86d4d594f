import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { TRIMMED_TOOL_RESULT, trimToBudget } from '../../src/agent/context-budget.ts';

function conversation(toolResults: number, size: number): ChatCompletionMessageParam[] {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'rules' },
    { role: 'user', content: 'Task: fix it' },
  ];
  for (let i = 0; i < toolResults; i++) {
    const id = `call_${i}`;
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name: 'read_file', arguments: '{}' } }],
    });
    messages.push({ role: 'tool', tool_call_id: id, content: `${i}:`.padEnd(size, 'x') });
  }
  return messages;
}

describe('the context budget', () => {
  it('leaves a conversation that fits alone', () => {
    const messages = conversation(10, 100);
    assert.equal(trimToBudget(messages, 10_000), 0);
    assert.deepEqual(messages, conversation(10, 100));
  });

  it('cuts the oldest tool results first and keeps the newest four', () => {
    const messages = conversation(10, 1000);
    const trimmed = trimToBudget(messages, 6_000);
    const contents = messages.filter((m) => m.role === 'tool').map((m) => m.content as string);
    assert.ok(trimmed > 0);
    assert.equal(contents[0], TRIMMED_TOOL_RESULT);
    assert.deepEqual(
      contents.slice(-4).map((c) => c.slice(0, 2)),
      ['6:', '7:', '8:', '9:'],
    );
    assert.equal(messages[1]!.content, 'Task: fix it');
    assert.equal(messages.filter((m) => m.role === 'assistant').length, 10, 'every call stays');
  });

  it('never cuts the newest results even when they alone exceed the budget', () => {
    const messages = conversation(4, 10_000);
    assert.equal(trimToBudget(messages, 100), 0);
  });
});
