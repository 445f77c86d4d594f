import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { runAgent, type ToolDispatcher } from '../../src/agent/loop.ts';
import type { AuditEventType } from '../../src/audit/events.ts';
import { UserError } from '../../src/errors.ts';
import { startFakeModelServer, type ScriptStep } from '../support/fake-model-server.ts';

/** Answers every call with its own name: the loop, not the tools, is under test here. */
const echoTools: ToolDispatcher = {
  definitions: [{ type: 'function', function: { name: 'find', parameters: { type: 'object' } } }],
  async dispatch(name) {
    return { ok: true, output: `ran ${name}` };
  },
};

function loopAgainst(url: string, signal = new AbortController().signal, maxSteps = 3) {
  const events: Array<[AuditEventType, Record<string, unknown>]> = [];
  const run = runAgent({
    client: new OpenAI({ baseURL: url, apiKey: 'sk-loop-test-key', maxRetries: 0 }),
    model: 'scripted-model',
    systemPrompt: 'rules',
    taskMessage: 'Task: look around',
    tools: echoTools,
    maxSteps,
    audit: { record: (type, data) => events.push([type, { ...data }]) },
    signal,
  });
  return { run, events };
}

const findTurn = (content: string): ScriptStep => ({
  content,
  toolCalls: [{ name: 'find', arguments: { pattern: '*' } }],
  usage: { prompt_tokens: 100, completion_tokens: 10 },
});

describe('the agent loop', () => {
  it('stops at max-steps, keeps the last words as summary and sums the tokens', async () => {
    const model = await startFakeModelServer({
      script: [findTurn('one'), findTurn('two'), findTurn('three'), findTurn('four')],
    });
    const { run, events } = loopAgainst(model.url);
    const result = await run;
    await model.close();
    assert.equal(result.stopReason, 'max-steps');
    assert.equal(result.steps, 3);
    assert.equal(result.summary, 'three');
    assert.equal(result.promptTokens, 300);
    assert.equal(result.toolCalls, 3);
    assert.equal(model.chatRequests.length, 3, 'no fourth model call');
    assert.deepEqual(events.map(([type]) => type).slice(0, 3), [
      'model.call',
      'tool.call',
      'tool.result',
    ]);
  });

  it('ends when the model answers without calling a tool', async () => {
    const model = await startFakeModelServer({ script: [findTurn('look'), { content: 'Done.' }] });
    const result = await loopAgainst(model.url).run;
    await model.close();
    assert.deepEqual([result.stopReason, result.steps, result.summary], ['answered', 2, 'Done.']);
  });

  it('makes no model call once cancelled', async () => {
    const model = await startFakeModelServer({ script: [findTurn('never')] });
    const cancelled = new AbortController();
    cancelled.abort();
    const result = await loopAgainst(model.url, cancelled.signal).run;
    await model.close();
    assert.equal(result.stopReason, 'timeout');
    assert.equal(model.chatRequests.length, 0);
  });

  it('turns a rejected key into an error that says to check api-key', async () => {
    const model = await startFakeModelServer({ apiKey: 'sk-another-key-0000000' });
    await assert.rejects(loopAgainst(model.url).run, (error: unknown) => {
      assert.ok(error instanceof UserError);
      assert.match(error.message, /HTTP 401/);
      assert.match(error.hint, /api-key/);
      return true;
    });
    await model.close();
  });

  it('names the endpoint when the model cannot be reached at all', async () => {
    const model = await startFakeModelServer();
    const url = model.url;
    await model.close();
    await assert.rejects(loopAgainst(url).run, new RegExp(`endpoint ${url.replace(/\//g, '\\/')}`));
  });
});
