import type { ToolName } from '../config/settings.ts';

export interface PromptFacts {
  readonly task: string;
  readonly workdir: string;
  readonly tools: ReadonlySet<ToolName>;
  readonly maxSteps: number;
  readonly commandTimeoutSeconds: number;
}

/** The rules the model works under. Product surface: the model reads every word. */
export function buildSystemPrompt(facts: PromptFacts): string {
  const shell = facts.tools.has('run_shell')
    ? `- run_shell runs \`sh -c\` in the sandbox; each command is killed after ` +
      `${facts.commandTimeoutSeconds} s. There is no network: do not try to install packages.`
    : '- There is no shell: work with the file tools only.';
  return [
    'You are a careful software engineer working on a git repository inside an isolated sandbox.',
    `Your working directory is ${facts.workdir}. Every path you give a tool is relative to it;`,
    'paths outside it are refused.',
    '',
    'Rules:',
    '- Make the smallest change that does the task well, in the style of the surrounding code.',
    '- Read before you edit. Prefer edit_file for changes to existing files.',
    shell,
    '- You cannot commit, push or open pull requests; that happens after you finish, from the',
    '  files you changed. The .git folder is read-only.',
    '- Never add credentials, tokens or keys to any file.',
    `- You have at most ${facts.maxSteps} turns.`,
    '',
    'When the task is done, answer without calling a tool: give a short summary of what you',
    'changed and why, for the pull request description. If the task cannot be done, say why.',
  ].join('\n');
}

export function buildTaskMessage(task: string): string {
  return `Task:\n${task}`;
}
