import type { AgentResult } from './loop.ts';

/** Says, for the summary and the pull request, that the agent did not finish on its own. */
export function describeUnfinished(result: AgentResult): string | undefined {
  if (result.stopReason === 'max-steps') {
    return (
      `The agent used all ${result.steps} steps (max-steps) before it said it was done: ` +
      'the change may be incomplete.'
    );
  }
  if (result.stopReason === 'timeout') {
    return (
      'The agent ran out of time (timeout-minutes) before it said it was done: the ' +
      'change may be incomplete.'
    );
  }
  return undefined;
}

/** The summary as published: the model's own words, after a warning when it did not finish. */
export function publishedSummary(result: AgentResult): string {
  const unfinished = describeUnfinished(result);
  if (unfinished === undefined) return result.summary;
  return `**${unfinished}**\n\n${result.summary}`.trim();
}
