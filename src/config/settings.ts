/** The closed sets of the action's interface, with the parsers' lists of accepted values. */
export const PROVIDERS = ['openai', 'anthropic', 'gemini', 'ollama', 'hosted_vllm'] as const;
export type Provider = (typeof PROVIDERS)[number];

export const ENGINES = ['auto', 'docker', 'podman'] as const;
export type EngineChoice = (typeof ENGINES)[number];

export const TOOL_NAMES = [
  'read_file',
  'read_lines',
  'write_file',
  'edit_file',
  'grep',
  'find',
  'run_shell',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

export interface ModelSettings {
  readonly provider: Provider;
  /** The model id sent to the provider, without the `provider/` prefix. */
  readonly name: string;
  readonly baseUrl: string;
  /** Empty for providers that need none (a local Ollama). Registered as a secret. */
  readonly apiKey: string;
}

export interface SandboxLimits {
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly pidsLimit: number;
}

/** Everything the run needs, parsed once at the edge; nothing downstream reads an input again. */
export interface Settings {
  readonly task: string;
  readonly model: ModelSettings;
  /** Registered as a secret. Empty only in the local command. */
  readonly githubToken: string;
  readonly image: string;
  readonly engine: EngineChoice;
  readonly tools: ReadonlySet<ToolName>;
  readonly limits: SandboxLimits;
  readonly timeoutMinutes: number;
  readonly commandTimeoutSeconds: number;
  readonly maxSteps: number;
  readonly branchPrefix: string;
  /** Empty: the event's pull request base, else the repository's default branch. */
  readonly baseBranch: string;
  readonly draft: boolean;
  readonly labels: readonly string[];
  /** Globs (repository-relative, case-sensitive) whose change stops publishing; empty: none. */
  readonly protectedPaths: readonly string[];
  /** Largest file, in bytes, that the change may add or leave behind. */
  readonly maxFileBytes: number;
  readonly auditArtifact: string;
  /** Relative to the repository root, normalised, never escaping it; `.` for the root. */
  readonly workingDirectory: string;
}
