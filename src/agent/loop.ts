import type OpenAI from 'openai';
import type {
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { AuditRecorder } from '../audit/events.ts';
import { UserError } from '../errors.ts';
import { trimToBudget } from './context-budget.ts';

export interface ToolOutcome {
  readonly ok: boolean;
  readonly output: string;
  /** The call broke a rule (a tool not enabled, a path outside the working directory). */
  readonly refused?: boolean;
}

export interface ToolDispatcher {
  readonly definitions: ChatCompletionTool[];
  dispatch(name: string, rawArguments: string): Promise<ToolOutcome>;
}

export type StopReason = 'answered' | 'max-steps' | 'timeout';

export interface AgentResult {
  readonly summary: string;
  readonly steps: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly toolCalls: number;
  readonly stopReason: StopReason;
}

export interface AgentRun {
  readonly client: OpenAI;
  readonly model: string;
  readonly systemPrompt: string;
  readonly taskMessage: string;
  readonly tools: ToolDispatcher;
  readonly maxSteps: number;
  readonly audit: AuditRecorder;
  /** Aborted when the run's wall-clock budget is spent. */
  readonly signal: AbortSignal;
}

function isAbort(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'AbortError' || error.name === 'APIUserAbortError')
  );
}

function describeModelError(error: unknown, baseUrl: string): UserError {
  const status = (error as { status?: number }).status;
  const message = error instanceof Error ? error.message : String(error);
  const where = status ? '' : ` (endpoint ${baseUrl})`;
  const hint =
    status === 401 || status === 403
      ? 'Check the api-key input and that the key may use this model.'
      : status === 404
        ? 'Check the model name and base-url.'
        : 'Check base-url and that the provider is reachable from the runner.';
  return new UserError(
    `The model call failed${status ? ` (HTTP ${status})` : ''}: ${message}${where}`,
    hint,
    {
      cause: error,
    },
  );
}

/** Only function calls carry a name and arguments; other kinds are answered with a refusal. */
function callParts(call: ChatCompletionMessageToolCall): { name: string; args: string } {
  if (call.type === 'function') return { name: call.function.name, args: call.function.arguments };
  return { name: call.type, args: '' };
}

/**
 * The tool-calling loop. It ends when the model answers without calling a tool, at the step
 * budget, or when the run's time is up; the model's last words become the summary.
 */
export async function runAgent(run: AgentRun): Promise<AgentResult> {
  const messages: ChatCompletionMessageParam[] = [
    { role: 'system', content: run.systemPrompt },
    { role: 'user', content: run.taskMessage },
  ];
  const usage = { promptTokens: 0, completionTokens: 0, toolCalls: 0 };
  let summary = '';
  const finish = (stopReason: StopReason, steps: number): AgentResult => ({
    summary,
    steps,
    ...usage,
    stopReason,
  });
  for (let step = 1; step <= run.maxSteps; step++) {
    const trimmed = trimToBudget(messages);
    if (trimmed > 0) run.audit.record('model.context-trimmed', { step, toolResults: trimmed });
    const message = await callModel(run, messages, step, usage);
    if (message === undefined) return finish('timeout', step - 1);
    if (message.content) summary = message.content;
    const calls = message.tool_calls ?? [];
    messages.push({
      role: 'assistant',
      content: message.content ?? null,
      tool_calls: calls.length ? calls : undefined,
    });
    if (calls.length === 0) return finish('answered', step);
    for (const call of calls) {
      usage.toolCalls++;
      messages.push(await answerToolCall(run, call, step));
      if (run.signal.aborted) return finish('timeout', step);
    }
  }
  return finish('max-steps', run.maxSteps);
}

/** One model turn, audited; undefined when the run's time is up or the job was cancelled. */
async function callModel(
  run: AgentRun,
  messages: ChatCompletionMessageParam[],
  step: number,
  usage: { promptTokens: number; completionTokens: number },
): Promise<OpenAI.Chat.Completions.ChatCompletionMessage | undefined> {
  let completion: OpenAI.Chat.Completions.ChatCompletion;
  try {
    completion = await run.client.chat.completions.create(
      { model: run.model, messages, tools: run.tools.definitions, tool_choice: 'auto' },
      { signal: run.signal },
    );
  } catch (error) {
    if (run.signal.aborted || isAbort(error)) return undefined;
    throw describeModelError(error, run.client.baseURL);
  }
  const choice = completion.choices[0];
  const message = choice?.message;
  usage.promptTokens += completion.usage?.prompt_tokens ?? 0;
  usage.completionTokens += completion.usage?.completion_tokens ?? 0;
  run.audit.record('model.call', {
    step,
    model: completion.model,
    finishReason: choice?.finish_reason ?? null,
    promptTokens: completion.usage?.prompt_tokens ?? null,
    completionTokens: completion.usage?.completion_tokens ?? null,
    content: message?.content ?? null,
    toolCalls: (message?.tool_calls ?? []).map((call) => ({ id: call.id, ...callParts(call) })),
  });
  if (!message) {
    throw describeModelError(new Error('the response had no message'), run.client.baseURL);
  }
  return message;
}

/** Runs one tool call through the dispatcher, audited before and after. */
async function answerToolCall(
  run: AgentRun,
  call: ChatCompletionMessageToolCall,
  step: number,
): Promise<ChatCompletionMessageParam> {
  const { name, args } = callParts(call);
  run.audit.record('tool.call', { step, id: call.id, tool: name, arguments: args });
  const outcome = await run.tools.dispatch(name, args);
  run.audit.record('tool.result', {
    step,
    id: call.id,
    tool: name,
    ok: outcome.ok,
    refused: outcome.refused === true,
    output: outcome.output,
  });
  return { role: 'tool', tool_call_id: call.id, content: outcome.output };
}
