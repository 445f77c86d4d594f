import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { TOOL_NAMES, type ToolName } from '../config/settings.ts';
import { parametersOf, parseArguments } from './arguments.ts';
import { editFileTool } from './edit-file.ts';
import { findTool } from './find.ts';
import { grepTool } from './grep.ts';
import { toolNotEnabled, unknownTool } from './messages.ts';
import { readFileTool } from './read-file.ts';
import { readLinesTool } from './read-lines.ts';
import { runShellTool } from './run-shell.ts';
import { type Tool, type ToolContext, ToolError, ToolRefusal, type ToolRuntime } from './tool.ts';
import { writeFileTool } from './write-file.ts';

export const ALL_TOOLS: Readonly<Record<ToolName, Tool>> = {
  read_file: readFileTool,
  read_lines: readLinesTool,
  write_file: writeFileTool,
  edit_file: editFileTool,
  grep: grepTool,
  find: findTool,
  run_shell: runShellTool,
};

export interface ToolOutcome {
  /** False when the call did nothing: refused, bad arguments, or a failure the model can fix. */
  readonly ok: boolean;
  /** What the model reads, success or not. */
  readonly output: string;
  /** Set when the call was refused on policy: a tool not enabled, a path outside the workdir. */
  readonly refused?: boolean;
}

export interface Toolbox {
  /** The enabled tools, in a stable order, as the `tools` of a chat completion request. */
  readonly definitions: ChatCompletionFunctionTool[];
  readonly enabled: readonly ToolName[];
  /**
   * Runs one tool call. Resolves for every mistake a model can make (unknown or disabled tool,
   * malformed or invalid arguments, a failing operation); rejects only when the sandbox itself
   * fails.
   */
  dispatch(name: string, rawArguments: string): Promise<ToolOutcome>;
}

export function createToolbox(enabled: ReadonlySet<ToolName>, context: ToolContext): Toolbox {
  const names = TOOL_NAMES.filter((name) => enabled.has(name));
  const runtime = createToolRuntime(context);
  return {
    definitions: names.map((name) => definitionOf(ALL_TOOLS[name])),
    enabled: names,
    dispatch: (name, rawArguments) => dispatch(names, runtime, name, rawArguments),
  };
}

/** Shares one ripgrep probe among all calls; a failed probe is retried, not remembered. */
export function createToolRuntime(context: ToolContext): ToolRuntime {
  let probe: Promise<boolean> | undefined;
  return {
    sandbox: context.sandbox,
    commandTimeoutMs: context.commandTimeoutMs,
    hasRipgrep() {
      probe ??= probeRipgrep(context).catch((error: unknown) => {
        probe = undefined;
        throw error;
      });
      return probe;
    },
  };
}

async function probeRipgrep(context: ToolContext): Promise<boolean> {
  const result = await context.sandbox.exec({
    argv: ['sh', '-c', 'command -v rg'],
    timeoutMs: context.commandTimeoutMs,
    maxOutputBytes: 4096,
  });
  return result.exitCode === 0;
}

function definitionOf(tool: Tool): ChatCompletionFunctionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: parametersOf(tool) },
  };
}

async function dispatch(
  enabled: readonly ToolName[],
  runtime: ToolRuntime,
  name: string,
  rawArguments: string,
): Promise<ToolOutcome> {
  if (!isToolName(name)) return { ok: false, refused: true, output: unknownTool(name, enabled) };
  if (!enabled.includes(name)) {
    return { ok: false, refused: true, output: toolNotEnabled(name, enabled) };
  }
  const tool = ALL_TOOLS[name];
  const parsed = parseArguments(tool, rawArguments);
  if (!parsed.ok) return { ok: false, output: parsed.message };
  try {
    return { ok: true, output: await tool.run(parsed.value, runtime) };
  } catch (error) {
    if (error instanceof ToolRefusal) return { ok: false, refused: true, output: error.message };
    if (error instanceof ToolError) return { ok: false, output: error.message };
    throw error;
  }
}

function isToolName(name: string): name is ToolName {
  return (TOOL_NAMES as readonly string[]).includes(name);
}
