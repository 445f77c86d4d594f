import type { z } from 'zod';
import type { ToolName } from '../config/settings.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';

/** What every tool acts through: the sandbox, and the limit on one command. */
export interface ToolContext {
  readonly sandbox: Sandbox;
  readonly commandTimeoutMs: number;
}

/**
 * The context plus facts about the sandbox image that the toolbox learns once and shares, so a
 * run of fifty searches probes the image once.
 */
export interface ToolRuntime extends ToolContext {
  /** Whether the image has ripgrep; probed on first use, then remembered. */
  hasRipgrep(): Promise<boolean>;
}

export interface Tool<Schema extends z.ZodType = z.ZodType> {
  readonly name: ToolName;
  /** The text the model reads to decide when and how to call the tool. */
  readonly description: string;
  /** Validates the model's arguments; its JSON Schema is what the model is shown. */
  readonly schema: Schema;
  /**
   * Returns the text the model reads. Throws `ToolError` for a mistake the model can correct;
   * anything else it throws is an infrastructure failure that ends the run.
   */
  run(args: z.output<Schema>, runtime: ToolRuntime): Promise<string>;
}

/** A failure the model should read and can act on; `message` is exactly what it is shown. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/**
 * A refusal on policy grounds (a path outside the working directory): the model reads the
 * message, and the audit log can tell a refusal from an ordinary mistake.
 */
export class ToolRefusal extends ToolError {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

/** Keeps the schema's argument type attached to `run` while the registry holds plain `Tool`s. */
export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool {
  return tool as unknown as Tool;
}
