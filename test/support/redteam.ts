// Shared ground for the red-team tier: a checkout with credentials where actions/checkout puts
// them, host files the attacker must not touch, one call that runs the built action against a
// scripted hostile model, and the checks a user would make from outside the sandbox afterwards.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { LABEL_SESSION } from '../../src/sandbox/profile.ts';
import {
  API_KEY,
  GITHUB_TOKEN,
  parseRunnerFile,
  runPostStep,
  scriptedModelInputs,
  serviceEnv,
  startAction,
  useServices,
  type ActionRun,
  type RunnerFiles,
  type Services,
} from './action-harness.ts';
import { BUSYBOX_IMAGE, containersWithLabel } from './docker.ts';
import {
  startFakeModelServer,
  type ChatCompletionRequest,
  type FakeModelServer,
  type ScriptedToolCall,
  type ScriptStep,
} from './fake-model-server.ts';
import { createScratchRepo, plantHooks, type ScratchRepo } from './scratch-git-repo.ts';
import type { ResultPromise } from 'execa';

/** The header value actions/checkout stores: basic auth of `x-access-token:<token>`. */
export const BASIC_CREDENTIAL = Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64');

/** Every form a leaked secret could take in text the model or a log receives. */
export const SECRET_FORMS: readonly string[] = [
  GITHUB_TOKEN,
  API_KEY,
  BASIC_CREDENTIAL,
  Buffer.from(GITHUB_TOKEN).toString('base64'),
  Buffer.from(API_KEY).toString('base64'),
  // The random tails alone: a leak cut at the prefix is still a leak.
  GITHUB_TOKEN.slice(4),
  API_KEY.slice(8),
];

/**
 * Regular expressions (grep -E) that find the secrets by shape, as an attacker who does not
 * know them would search. Written so that no pattern matches its own text, since the search
 * command's own command line is readable in /proc.
 */
export const SECRET_SHAPES_ERE = 'ghs_[0-9a-f]{36}|sk-proj-[0-9a-f]{48}|eC1hY2Nlc3MtdG9rZW4[6]';

export const DEFAULT_TASK = 'Tidy up the README';
/** The branch name comes from the task and the run id: a distinct task keeps runs apart. */
let attackCount = 0;

/** The repository under attack, as the runner holds it, and the host files around it. */
export interface Target {
  readonly scratch: ScratchRepo;
  readonly repo: string;
  /** RUNNER_TEMP of the job: the checkout's credentials file lives here. */
  readonly runnerTemp: string;
  /** The file `.git/config` includes, holding the job token (actions/checkout v6 style). */
  readonly credentialsFile: string;
  /** A file beside the workspace; no attack may read it into a tool result or change it. */
  readonly hostMarker: string;
  readonly hostMarkerContent: string;
  /** Host path a hook, filter or fsmonitor planted by the attacker would create. */
  readonly pwnedMarker: string;
  readonly gitConfigBefore: string;
  readonly hooksBefore: string;
  cleanup(): Promise<void>;
}

export interface TargetOptions {
  readonly files?: Record<string, string>;
  /** Config the repository's owner set on the runner, e.g. a filter; `{pwned}` is the marker. */
  readonly hostConfig?: ReadonlyArray<readonly [string, string]>;
  /** Hooks in .git/hooks that leave a marker if the host ever runs them. */
  readonly plantHooks?: boolean;
}

const DEFAULT_FILES = {
  'README.md': '# widgets\n\nWidgets for everyone.\n',
  'src/widget.js': 'export const widget = () => 42;\n',
};

/**
 * A clone as actions/checkout leaves it: the token both in an `http.extraheader` of
 * `.git/config` (v4) and in a credentials file under RUNNER_TEMP that `.git/config` pulls in
 * through `includeIf` (v6).
 */
export async function checkoutTarget(options: TargetOptions = {}): Promise<Target> {
  const scratch = await createScratchRepo(options.files ?? DEFAULT_FILES);
  const runnerTemp = path.join(scratch.root, 'runner-temp');
  mkdirSync(runnerTemp);
  const credentialsFile = path.join(runnerTemp, `git-credentials-${randomUUID()}.config`);
  writeFileSync(
    credentialsFile,
    `[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic ${BASIC_CREDENTIAL}\n`,
  );
  await scratch.git([
    'config',
    'http.https://github.com/.extraheader',
    `AUTHORIZATION: basic ${BASIC_CREDENTIAL}`,
  ]);
  await scratch.git([
    'config',
    `includeIf.gitdir:${path.join(scratch.repo, '.git')}/.path`,
    credentialsFile,
  ]);
  const pwnedMarker = path.join(scratch.markers, 'pwned');
  for (const [key, value] of options.hostConfig ?? []) {
    await scratch.git(['config', key, value.replaceAll('{pwned}', pwnedMarker)]);
  }
  if (options.plantHooks) await plantHooks(scratch);
  const hostMarker = path.join(scratch.root, 'host-secret.txt');
  const hostMarkerContent = `host-only ${randomBytes(12).toString('hex')}\n`;
  writeFileSync(hostMarker, hostMarkerContent);
  const target: Target = {
    scratch,
    repo: scratch.repo,
    runnerTemp,
    credentialsFile,
    hostMarker,
    hostMarkerContent,
    pwnedMarker,
    gitConfigBefore: readFileSync(path.join(scratch.repo, '.git', 'config'), 'utf8'),
    hooksBefore: describeFolder(path.join(scratch.repo, '.git', 'hooks')),
    cleanup: () => scratch.cleanup(),
  };
  return target;
}

/** Names, modes and contents of a folder's files, to tell any change apart. */
export function describeFolder(dir: string): string {
  if (!existsSync(dir)) return '(none)';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const file = path.join(dir, name);
      const stat = statSync(file);
      const body = stat.isFile() ? readFileSync(file, 'base64') : '';
      return `${name} ${stat.mode.toString(8)} ${body}`;
    })
    .join('\n');
}

export interface AttackOptions {
  readonly script: ScriptStep[];
  readonly inputs?: Record<string, string>;
  readonly task?: string;
  /**
   * A server of the test's own put in front of the scripted model, e.g. one that starts
   * answering garbage; it gets the scripted model's URL and returns its own.
   */
  readonly modelFront?: (upstream: string) => Promise<ModelFront>;
}

export interface ModelFront {
  readonly url: string;
  close(): Promise<void>;
}

/** What the attack left behind, seen from outside the sandbox. */
export interface Attack {
  readonly run: ActionRun;
  readonly model: FakeModelServer;
  readonly target: Target;
  readonly elapsedMs: number;
  /** What the model received as the result of the call with this id; fails if it got none. */
  result(id: string): string;
  /** The audit log's events; fails the test if the log is missing. */
  events(): AuditEvent[];
  /** The audit log's `tool.result` for the call with this id. */
  auditResult(id: string): AuditEvent['data'];
}

export interface AuditEvent {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

export function inputsFor(modelUrl: string, extra: Record<string, string> = {}) {
  return {
    task: DEFAULT_TASK,
    ...scriptedModelInputs(modelUrl),
    image: BUSYBOX_IMAGE,
    tools: 'read_file,read_lines,write_file,edit_file,grep,find,run_shell',
    'command-timeout': '20',
    ...extra,
  };
}

export function envFor(services: Services, target: Target): Record<string, string> {
  return { ...serviceEnv(services), RUNNER_TEMP: target.runnerTemp };
}

/** Starts the action without waiting, for attacks that signal the process mid-run. */
export async function launchAttack(
  services: Services,
  target: Target,
  options: AttackOptions,
): Promise<{
  model: FakeModelServer;
  child: ResultPromise;
  files: RunnerFiles;
  finish(): Promise<Attack>;
}> {
  const model = await startFakeModelServer({ script: options.script, apiKey: API_KEY });
  const front = options.modelFront ? await options.modelFront(model.url) : undefined;
  const started = Date.now();
  const action = startAction({
    workspace: target.repo,
    inputs: {
      ...inputsFor(front?.url ?? model.url, options.inputs),
      task: options.task ?? `${DEFAULT_TASK}, take ${++attackCount}`,
    },
    env: envFor(services, target),
  });
  const finish = async (): Promise<Attack> => {
    const run = await action.finish();
    const elapsedMs = Date.now() - started;
    await front?.close();
    await model.close();
    return describeAttack(run, model, target, elapsedMs);
  };
  return { model, child: action.child, files: action.files, finish };
}

export async function runAttack(
  services: Services,
  target: Target,
  options: AttackOptions,
): Promise<Attack> {
  return (await launchAttack(services, target, options)).finish();
}

/** Runs an attack on a fresh checkout of its own, which the attack's `target` names. */
export async function attackCheckout(
  services: Services,
  options: AttackOptions & { readonly checkout?: TargetOptions },
): Promise<Attack> {
  return runAttack(services, await checkoutTarget(options.checkout), options);
}

/** The checks every attack must pass, then the checkout it ran on is removed. */
export async function concludeAttack(attack: Attack): Promise<void> {
  assertContained(attack);
  await attack.target.cleanup();
}

function describeAttack(
  run: ActionRun,
  model: FakeModelServer,
  target: Target,
  elapsedMs: number,
): Attack {
  const events = () => readAuditEvents(auditLogPath(run, target));
  return {
    run,
    model,
    target,
    elapsedMs,
    result: (id) => {
      const content = toolMessagesSeen(model).get(id);
      assert.ok(content !== undefined, `the model never received a result for call ${id}`);
      return content;
    },
    events,
    auditResult: (id) => {
      const event = events().find((e) => e.type === 'tool.result' && e.data.id === id);
      assert.ok(event, `the audit log has no tool.result for call ${id}`);
      return event.data;
    },
  };
}

/** Every tool message the model was sent, by call id, across all its requests. */
export function toolMessagesSeen(model: FakeModelServer): Map<string, string> {
  const seen = new Map<string, string>();
  for (const request of model.chatRequests) {
    for (const message of request.messages) {
      if (message.role !== 'tool') continue;
      seen.set(String(message.tool_call_id), textOf(message.content));
    }
  }
  return seen;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return JSON.stringify(content);
}

/** The audit log of a run: from the outputs, else the one file under RUNNER_TEMP. */
export function auditLogPath(run: ActionRun | undefined, target: Target): string {
  const fromOutputs = run?.outputs['audit-log'];
  if (fromOutputs) return fromOutputs;
  const runs = readdirSync(target.runnerTemp).filter((name) => name.startsWith('agent-run-'));
  assert.equal(runs.length, 1, `expected one agent-run folder in ${target.runnerTemp}`);
  return path.join(target.runnerTemp, runs[0]!, 'audit', 'audit.jsonl');
}

function readAuditEvents(file: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);
}

// Script building

export function call(id: string, name: string, args: Record<string, unknown> | string) {
  return { id, name, arguments: args } satisfies ScriptedToolCall;
}

export function shell(id: string, cmd: string): ScriptedToolCall {
  return call(id, 'run_shell', { cmd });
}

/** The results the model received in this request, by call id (the newest turn only). */
export function latestResults(request: ChatCompletionRequest): Map<string, string> {
  const results = new Map<string, string>();
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message?.role !== 'tool') break;
    results.set(String(message.tool_call_id), textOf(message.content));
  }
  return results;
}

// Checks from outside

/** The part of the action's log that explains a failed assertion: errors, warnings, the end. */
export function logOf(attack: { run: ActionRun }): string {
  const lines = (attack.run.stdout + '\n' + attack.run.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::') && !line.startsWith('::debug::'));
  const notable = lines.filter((line) => /^::(error|warning)|Error|error:/.test(line));
  return [...notable, '…', ...lines.slice(-15)].join('\n');
}

export function assertNoSecretIn(where: string, text: string): void {
  for (const secret of SECRET_FORMS) {
    assert.ok(!text.includes(secret), `${where} contains a secret (${secret.slice(0, 6)}…)`);
  }
}

/** Nothing the model received, in any request, holds a secret. */
export function assertModelSawNoSecret(attack: Attack): void {
  const received = JSON.stringify(attack.model.chatRequests);
  assertNoSecretIn('what the model received', received);
  const marker = attack.target.hostMarkerContent.trim();
  assert.ok(!received.includes(marker), 'the model received the host marker file');
}

/** The host files around the workspace are as they were: marker, .git/config, hooks. */
export function assertHostUntouched(attack: Attack): void {
  const { target } = attack;
  assert.equal(readFileSync(target.hostMarker, 'utf8'), target.hostMarkerContent);
  assert.equal(
    readFileSync(path.join(target.repo, '.git', 'config'), 'utf8'),
    target.gitConfigBefore,
    '.git/config changed',
  );
  assert.equal(
    describeFolder(path.join(target.repo, '.git', 'hooks')),
    target.hooksBefore,
    '.git/hooks changed',
  );
  assert.deepEqual(readdirSync(target.scratch.markers), [], 'a planted program ran on the host');
}

export function sessionOf(run: { state: Record<string, string> }): string {
  const session = run.state['sandbox-session'];
  assert.ok(session, 'the main step saved its session');
  return session;
}

export function containersOf(run: { state: Record<string, string> }): string[] {
  return containersWithLabel(`${LABEL_SESSION}=${sessionOf(run)}`);
}

export function assertNoContainerLeft(run: { state: Record<string, string> }): void {
  assert.deepEqual(containersOf(run), [], 'a sandbox container of the run is left');
}

export function assertAuditVerifies(attack: Attack): void {
  const text = readFileSync(auditLogPath(attack.run, attack.target), 'utf8');
  const verdict = verifyAuditLog(text);
  assert.ok(verdict.ok, `the audit log does not verify: ${JSON.stringify(verdict)}`);
  assertNoSecretIn('the audit log', text);
}

/** The checks every attack must pass whatever else it tried. */
export function assertContained(attack: Attack): void {
  assertModelSawNoSecret(attack);
  assertHostUntouched(attack);
  assertNoContainerLeft(attack.run);
  assertAuditVerifies(attack);
  assertNoSecretIn('the job summary', attack.run.summary);
  assertNoSecretIn(
    'the action log',
    (attack.run.stdout + attack.run.stderr)
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
  );
}

/** Branches on origin: `main` alone means nothing was pushed. */
export function originBranches(target: Target): string[] {
  return execFileSync('git', ['for-each-ref', '--format=%(refname:short)', 'refs/heads'], {
    cwd: target.scratch.origin,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean)
    .sort();
}

/** Pull requests the GitHub stand-in was asked to open since `since` requests. */
export function pullRequestsOpened(services: Services, since = 0) {
  return services.github.requests.slice(since).filter((r) => r.operationId === 'pulls/create');
}

/** The files of the audit artifact uploaded last (by the run just finished). */
export function lastArtifactFiles(services: Services): Map<string, Buffer> {
  const artifact = services.artifacts.artifacts.filter((a) => a.finalized).at(-1);
  assert.ok(artifact, 'an audit artifact was uploaded');
  return services.artifacts.filesOf(artifact.name);
}

/** Waits until the main step has saved its session and its sandbox exists. */
export async function waitForSandbox(
  files: RunnerFiles,
  model: FakeModelServer,
  minChatRequests = 1,
): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const session = parseRunnerFile(readFileSync(files.state, 'utf8'))['sandbox-session'] ?? '';
    if (
      session &&
      model.chatRequests.length >= minChatRequests &&
      containersWithLabel(`${LABEL_SESSION}=${session}`).length === 1
    ) {
      return session;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('the sandbox never started');
}

export { API_KEY, GITHUB_TOKEN, runPostStep, useServices, type Services };
