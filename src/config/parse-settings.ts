import path from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.ts';
import { withDefaults, type InputName, type InputReader } from './inputs.ts';
import { parseProtectedPaths } from './protected-paths.ts';
import { branchName } from '../publish/branch.ts';
import { routeModel } from './routing.ts';
import { ENGINES, TOOL_NAMES, type Settings, type ToolName } from './settings.ts';

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};
/** Below this an ordinary shell, git or test run cannot start; a typo like `2` means 2 bytes. */
const MIN_MEMORY_BYTES = 64 * 1024 ** 2;
const MIN_PIDS = 16;
const MIN_FILE_SIZE_INPUT_BYTES = 1024;
/**
 * GitHub warns about files over 50 MiB. 20 MiB keeps a file's old and new content together
 * within what the capture turns into a patch (MAX_PATCH_SOURCE_BYTES in changes/capture.ts).
 */
const MAX_FILE_SIZE_INPUT_BYTES = 20 * 1024 ** 2;

/** Runs a zod schema over one input and turns its failure into an InputError naming the input. */
function parseWith<T>(name: InputName, raw: string, schema: z.ZodType<T>, accepted: string): T {
  const result = schema.safeParse(raw);
  if (!result.success) {
    throw new InputError(name, `'${raw}' is not valid.`, `Accepted: ${accepted}.`);
  }
  return result.data;
}

const booleanInput = z
  .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])
  .transform((value) => value.toLowerCase() === 'true');

function integerInput(min: number, max: number) {
  return z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));
}

/** A size such as `2g`, `512m` or `1.5MiB` in bytes; 0 when the text is no size. */
function parseByteCount(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([bkmg]?)(?:i?b)?$/i.exec(raw);
  return match ? Math.floor(Number(match[1]) * (MEMORY_UNITS[match[2]!.toLowerCase()] ?? 0)) : 0;
}

export function parseMemory(raw: string): number {
  const bytes = parseByteCount(raw);
  if (bytes < MIN_MEMORY_BYTES) {
    throw new InputError(
      'memory',
      `'${raw}' is not a memory size of at least 64m.`,
      "Accepted: a number with an optional unit b, k, m or g, e.g. '2g' or '512m'.",
    );
  }
  return bytes;
}

export function parseMaxFileSize(raw: string): number {
  const bytes = parseByteCount(raw);
  if (bytes < MIN_FILE_SIZE_INPUT_BYTES || bytes > MAX_FILE_SIZE_INPUT_BYTES) {
    throw new InputError(
      'max-file-size',
      `'${raw}' is not a file size from 1k to 20m.`,
      "Accepted: a number with an optional unit b, k or m, e.g. '1m' or '500k'.",
    );
  }
  return bytes;
}

function parseList(raw: string): string[] {
  return raw
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseTools(raw: string, disableShell: boolean): ReadonlySet<ToolName> {
  const tools = new Set<ToolName>();
  for (const item of parseList(raw)) {
    if (!(TOOL_NAMES as readonly string[]).includes(item)) {
      throw new InputError(
        'tools',
        `unknown tool '${item}'.`,
        `Accepted: ${TOOL_NAMES.join(', ')}.`,
      );
    }
    tools.add(item as ToolName);
  }
  if (disableShell) tools.delete('run_shell');
  if (tools.size === 0) {
    throw new InputError(
      'tools',
      'no tool is enabled.',
      `List at least one of ${TOOL_NAMES.join(', ')}.`,
    );
  }
  return tools;
}

/** Normalises a repository-relative folder and refuses anything that leaves the repository. */
export function parseWorkingDirectory(raw: string): string {
  const normalised = path.posix.normalize(raw.replaceAll('\\', '/')).replace(/\/+$/, '') || '.';
  if (path.posix.isAbsolute(normalised) || normalised === '..' || normalised.startsWith('../')) {
    throw new InputError(
      'working-directory',
      `'${raw}' is outside the repository.`,
      "Give a folder relative to the repository root, e.g. 'packages/api', or '.'.",
    );
  }
  return normalised;
}

/** Checked now, with a sample task, so a bad prefix fails before the agent spends anything. */
function parseBranchPrefix(prefix: string): string {
  branchName(prefix, 'task', 1);
  return prefix;
}

function parseLabels(raw: string): string[] {
  return [...new Set(parseList(raw))];
}

/** Builds the one frozen settings object; every invalid input fails here, before anything runs. */
export function parseSettings(readRaw: InputReader): Settings {
  const read = withDefaults(readRaw);
  const task = read('task');
  if (task === '') {
    throw new InputError(
      'task',
      'no task was given.',
      'Say what the agent should do in the task input.',
    );
  }
  const model = read('model');
  if (model === '') {
    throw new InputError(
      'model',
      'no model was given.',
      "Set it as provider/model, e.g. 'openai/gpt-5.2-codex'.",
    );
  }
  const disableShell = parseWith(
    'disable-shell',
    read('disable-shell'),
    booleanInput,
    'true or false',
  );
  const cpus = parseWith(
    'cpus',
    read('cpus'),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number)
      .pipe(z.number().min(0.1).max(512)),
    'a number of CPUs from 0.1 to 512, e.g. 1 or 1.5',
  );
  const settings: Settings = {
    task,
    model: routeModel(model, read('base-url'), read('api-key')),
    githubToken: read('github-token'),
    image: read('image'),
    engine: parseWith('engine', read('engine'), z.enum(ENGINES), ENGINES.join(', ')),
    tools: parseTools(read('tools'), disableShell),
    limits: {
      cpus,
      memoryBytes: parseMemory(read('memory')),
      pidsLimit: parseWith(
        'pids-limit',
        read('pids-limit'),
        integerInput(MIN_PIDS, 1_000_000),
        `a whole number from ${MIN_PIDS} up`,
      ),
    },
    timeoutMinutes: parseWith(
      'timeout-minutes',
      read('timeout-minutes'),
      integerInput(1, 360),
      'whole minutes from 1 to 360',
    ),
    commandTimeoutSeconds: parseWith(
      'command-timeout',
      read('command-timeout'),
      integerInput(1, 3600),
      'whole seconds from 1 to 3600',
    ),
    maxSteps: parseWith(
      'max-steps',
      read('max-steps'),
      integerInput(1, 1000),
      'a whole number from 1 to 1000',
    ),
    branchPrefix: parseBranchPrefix(read('branch-prefix')),
    baseBranch: read('base-branch'),
    draft: parseWith('draft', read('draft'), booleanInput, 'true or false'),
    labels: parseLabels(read('labels')),
    protectedPaths: parseProtectedPaths(read('protected-paths')),
    maxFileBytes: parseMaxFileSize(read('max-file-size')),
    auditArtifact: parseWith(
      'audit-artifact',
      read('audit-artifact'),
      z.string().regex(/^[^"<>|*?:\\/\r\n]+$/),
      'a name without " : < > | * ? \\ / or newlines',
    ),
    workingDirectory: parseWorkingDirectory(read('working-directory')),
  };
  return Object.freeze(settings);
}
