import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/**
 * About a quarter of a 128k-token context window in characters, leaving the rest for the
 * model's own reasoning and answers. Tool results are what grow: 50 KiB each at most.
 */
export const CONTEXT_BUDGET_CHARS = 400_000;
/** The newest tool results are what the model is working with; they are never cut. */
const KEEP_RECENT_TOOL_RESULTS = 4;

export const TRIMMED_TOOL_RESULT =
  '[This older tool result was removed to keep the conversation within the context budget. ' +
  'Call the tool again if you need it.]';

function sizeOf(message: ChatCompletionMessageParam): number {
  const content = typeof message.content === 'string' ? message.content : JSON.stringify(message);
  const calls = 'tool_calls' in message ? JSON.stringify(message.tool_calls ?? []) : '';
  return content.length + calls.length;
}

/**
 * Replaces the oldest tool results with a short note, in place, until the conversation fits
 * the budget. The system prompt, the task and every call stay, so the model keeps its plan
 * and the protocol stays valid (each call still has its answer).
 */
export function trimToBudget(
  messages: ChatCompletionMessageParam[],
  budgetChars = CONTEXT_BUDGET_CHARS,
): number {
  let total = messages.reduce((sum, message) => sum + sizeOf(message), 0);
  const toolIndexes = messages.flatMap((message, index) =>
    message.role === 'tool' ? [index] : [],
  );
  const trimmable = toolIndexes.slice(
    0,
    Math.max(0, toolIndexes.length - KEEP_RECENT_TOOL_RESULTS),
  );
  let trimmed = 0;
  for (const index of trimmable) {
    if (total <= budgetChars) break;
    const message = messages[index]!;
    if (message.role !== 'tool' || message.content === TRIMMED_TOOL_RESULT) continue;
    total -= sizeOf(message) - TRIMMED_TOOL_RESULT.length;
    messages[index] = { ...message, content: TRIMMED_TOOL_RESULT };
    trimmed++;
  }
  return trimmed;
}
