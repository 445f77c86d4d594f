// Runs the built action the way the GitHub runner does: `node dist/index.js` with INPUT_*
// variables, an event payload file, and the GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY
// files; then `node dist/post.js` with the saved state as STATE_* variables.
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BUSYBOX_IMAGE, requireEngine } from './docker.ts';
import { startFakeArtifactServer, type FakeArtifactServer } from './fake-artifact-server.ts';
import { startFakeGitHubServer, type FakeGitHubServer } from './fake-github-server.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(REPO_ROOT, 'dist');

/** A job token and a model key shaped like real ones, fresh for each test file. */
export const GITHUB_TOKEN = `ghs_${randomBytes(18).toString('hex')}`;
export const API_KEY = `sk-proj-${randomBytes(24).toString('hex')}`;

/** The GitHub API and artifact service stand-ins a run of the action talks to. */
export interface Services {
  readonly github: FakeGitHubServer;
  readonly artifacts: FakeArtifactServer;
  close(): Promise<void>;
}

export async function startServices(): Promise<Services> {
  const github = await startFakeGitHubServer({ token: GITHUB_TOKEN, repo: 'demo' });
  const artifacts = await startFakeArtifactServer();
  return {
    github,
    artifacts,
    close: async () => {
      await github.close();
      await artifacts.close();
    },
  };
}

/**
 * Starts the stand-ins before the enclosing describe's tests, once `prepare` (by default: a
 * Docker engine answers) has passed, and closes them after. The object is filled in by then.
 */
export function useServices(prepare: () => Promise<unknown> = requireEngine): Services {
  const services = {} as Services;
  before(async () => {
    await prepare();
    Object.assign(services, await startServices());
  });
  after(async () => {
    await services.close?.();
  });
  return services;
}

/** The variables that point the action at the stand-ins instead of github.com. */
export function serviceEnv(services: Services): Record<string, string> {
  return { GITHUB_API_URL: services.github.url, ...services.artifacts.env };
}

/** The inputs that send the action to the scripted model with this file's credentials. */
export function scriptedModelInputs(modelUrl: string): Record<string, string> {
  return {
    model: 'openai/scripted-model',
    'api-key': API_KEY,
    'base-url': modelUrl,
    'github-token': GITHUB_TOKEN,
  };
}

/** The local command (dist/cli.js) in `cwd`, with only PATH, HOME and `env` set. */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return execa(process.execPath, [path.join(DIST, 'cli.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? cwd, ...env },
    extendEnv: false,
    reject: false,
  });
}

/** The local command given `task` in `cwd`, talking to the scripted model at `modelUrl`. */
export function runLocalAgent(task: string, modelUrl: string, cwd: string) {
  const args = ['--task', task, '--model', 'openai/scripted-model', '--base-url', modelUrl];
  return runCli([...args, '--image', BUSYBOX_IMAGE], cwd, { AGENT_API_KEY: API_KEY });
}

export interface RunnerFiles {
  readonly dir: string;
  readonly output: string;
  readonly state: string;
  readonly summary: string;
  readonly event: string;
  readonly temp: string;
}

export interface ActionRun {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly state: Record<string, string>;
  readonly summary: string;
  readonly files: RunnerFiles;
}

export interface ActionInvocation {
  readonly inputs: Record<string, string>;
  readonly workspace: string;
  readonly env?: Record<string, string>;
  readonly event?: { name: string; payload: unknown };
  readonly repository?: string;
}

function makeRunnerFiles(): RunnerFiles {
  const dir = mkdtempSync(path.join(tmpdir(), 'runner-'));
  const files = {
    dir,
    output: path.join(dir, 'output.txt'),
    state: path.join(dir, 'state.txt'),
    summary: path.join(dir, 'summary.md'),
    event: path.join(dir, 'event.json'),
    temp: path.join(dir, 'temp'),
  };
  for (const file of [files.output, files.state, files.summary]) writeFileSync(file, '');
  mkdirSync(files.temp);
  return files;
}

/** Parses the runner's `name<<DELIMITER` file format that @actions/core writes. */
export function parseRunnerFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) body.push(lines[i] ?? '');
    values[name!] = body.join('\n');
  }
  return values;
}

function runnerEnv(invocation: ActionInvocation, files: RunnerFiles): Record<string, string> {
  const event = invocation.event ?? { name: 'workflow_dispatch', payload: {} };
  writeFileSync(files.event, JSON.stringify(event.payload));
  const inputs = Object.fromEntries(
    Object.entries(invocation.inputs).map(([name, value]) => [
      `INPUT_${name.replace(/ /g, '_').toUpperCase()}`,
      value,
    ]),
  );
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? files.dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: invocation.repository ?? 'octo-org/demo',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'agent',
    GITHUB_ACTOR: 'maintainer',
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_WORKSPACE: invocation.workspace,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_SERVER_URL: 'https://github.com',
    RUNNER_TEMP: files.temp,
    ...inputs,
    ...invocation.env,
  };
}

/** Starts the main step and returns the child, for tests that signal it mid-run. */
export function startAction(invocation: ActionInvocation): {
  child: ResultPromise;
  files: RunnerFiles;
  finish: () => Promise<ActionRun>;
} {
  const files = makeRunnerFiles();
  const child = execa(process.execPath, [path.join(DIST, 'index.js')], {
    cwd: invocation.workspace,
    env: runnerEnv(invocation, files),
    extendEnv: false,
    reject: false,
    all: false,
  });
  const finish = async (): Promise<ActionRun> => {
    const result = await child;
    return {
      exitCode: result.exitCode,
      stdout: String(result.stdout),
      stderr: String(result.stderr),
      outputs: parseRunnerFile(readFileSync(files.output, 'utf8')),
      state: parseRunnerFile(readFileSync(files.state, 'utf8')),
      summary: readFileSync(files.summary, 'utf8'),
      files,
    };
  };
  return { child, files, finish };
}

export async function runAction(invocation: ActionInvocation): Promise<ActionRun> {
  return startAction(invocation).finish();
}

/** The post step, given the state the main step saved, as the runner passes it. */
export async function runPostStep(
  run: ActionRun | { state: Record<string, string>; files: RunnerFiles },
) {
  const stateEnv = Object.fromEntries(
    Object.entries(run.state).map(([name, value]) => [`STATE_${name}`, value]),
  );
  return execa(process.execPath, [path.join(DIST, 'post.js')], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...stateEnv },
    extendEnv: false,
    reject: false,
  });
}
