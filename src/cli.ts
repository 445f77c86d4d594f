import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { AuditLog } from './audit/audit-log.ts';
import { Redactor } from './audit/redact.ts';
import { verifyAuditLog } from './audit/verify.ts';
import { captureChanges, type CapturedChanges } from './changes/capture.ts';
import { tryRefuseChanges, vetPolicyFor } from './changes/vet.ts';
import { createGit } from './changes/git.ts';
import { INPUT_DEFAULTS, type InputName } from './config/inputs.ts';
import { parseSettings } from './config/parse-settings.ts';
import { describeError, UserError } from './errors.ts';
import { describeUnfinished, publishedSummary } from './agent/stop-note.ts';
import { tryRefuseNestedRepositories } from './changes/nested-git.ts';
import { listUncommittedPaths } from './changes/uncommitted.ts';
import { describeSettings } from './config/describe-settings.ts';
import type { Settings } from './config/settings.ts';
import { cancellationSignal, registerCleanup } from './lifecycle.ts';
import { requireGitDirectory } from './workspace/prepare.ts';
import { branchName } from './publish/branch.ts';
import { buildCommitMessage, createBranchCommit } from './publish/commit.ts';
import { runSandboxedAgent } from './run-agent.ts';

/** The environment variable the local command reads the model key from: argv is visible to `ps`. */
const API_KEY_ENV = 'AGENT_API_KEY';
/** Inputs that only mean something with GitHub (or carry a secret): not options here. */
const GITHUB_ONLY_INPUTS = new Set([
  'api-key',
  'github-token',
  'base-branch',
  'draft',
  'labels',
  'audit-artifact',
]);
/** Exit code when the vetting refuses the change: not a crash, but no branch either. */
const EXIT_REFUSED = 2;

const USAGE = `Usage:
  npm run agent -- --task "..." --model provider/model [options]   run on this checkout
  npm run agent -- verify path/to/audit.jsonl                      check an audit log's chain

Runs the same sandboxed agent as the action on the git checkout in the current folder (or
--repo DIR), which must have no uncommitted changes. Instead of a pull request it leaves a branch and a patch file. The model key is
read from $${API_KEY_ENV}, never from the command line. A change that the vetting refuses
(protected paths, submodules, escaping symlinks, sizes) leaves no branch, only the patch for
inspection, and exits with code ${EXIT_REFUSED}.

Options: --repo DIR, and the action's inputs of the same names, with the same defaults:
  --${Object.keys(INPUT_DEFAULTS)
    .filter((name) => !GITHUB_ONLY_INPUTS.has(name))
    .join(', --')}
(${API_KEY_ENV} may be left unset for a local server that needs no key.)`;

function parseCommandLine(argv: string[]) {
  const inputOptions = Object.fromEntries(
    Object.keys(INPUT_DEFAULTS).map((name) => [name, { type: 'string' as const }]),
  );
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...inputOptions, repo: { type: 'string' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    // Node's own wording suggests `--` tricks that do not apply here.
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? 'an option';
    throw new UserError(`Unknown or incomplete option ${option}.`, 'See npm run agent -- --help.');
  }
}

function verify(file: string): number {
  const result = verifyAuditLog(readFileSync(file, 'utf8'));
  if (result.ok) {
    const ending = result.complete ? 'complete' : 'incomplete: no run.end event';
    console.log(`${file}: ${result.events} events, chain intact (${ending}), head ${result.head}`);
    return result.complete ? 0 : 1;
  }
  console.error(`${file}: line ${result.line}: ${result.reason}`);
  return 1;
}

/** `npm run` starts scripts in the package folder; the user meant the folder they typed in. */
function invocationFolder(): string {
  return process.env.INIT_CWD || process.cwd();
}

async function refuseUncommitted(repoRoot: string): Promise<void> {
  const paths = await listUncommittedPaths(repoRoot);
  if (paths.length === 0) return;
  throw new UserError(
    `${repoRoot} has uncommitted changes (${paths.slice(0, 5).join(', ')}` +
      `${paths.length > 5 ? ', ...' : ''}), which would be mixed into the agent's change.`,
    'Commit or stash them first (git stash --include-untracked), then run again.',
  );
}

async function run(values: Record<string, string | boolean | undefined>): Promise<number> {
  for (const name of GITHUB_ONLY_INPUTS) {
    if (values[name] === undefined) continue;
    if (name === 'api-key' || name === 'github-token') {
      throw new UserError(
        `--${name} is not accepted: a key on the command line ends up in shell history and ` +
          'in the process list.',
        `Set ${API_KEY_ENV} in the environment instead.`,
      );
    }
    throw new UserError(
      `--${name} only applies to the action's pull request, which the local command does not open.`,
      'Leave it out; the local command leaves a branch and a patch file.',
    );
  }
  const repoRoot = path.resolve(invocationFolder(), String(values.repo ?? '.'));
  const read = (name: InputName): string =>
    name === 'api-key' ? (process.env[API_KEY_ENV] ?? '') : String(values[name] ?? '');
  const settings = parseSettings(read);
  requireGitDirectory(repoRoot);
  await refuseUncommitted(repoRoot);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, '.git', 'agent-runs', stamp);
  mkdirSync(outDir, { recursive: true });
  const redactor = Redactor.create([settings.model.apiKey]);
  const audit = AuditLog.create(path.join(outDir, 'audit.jsonl'), redactor);
  audit.record('run.start', {
    repository: repoRoot,
    task: settings.task,
    local: true,
    settings: describeSettings(settings),
  });
  const forgetCancel = registerCleanup(async () => {
    audit.record('run.end', { status: 'cancelled' });
  });
  const cancel = cancellationSignal();
  let status = 'failed';
  let failure: string | null = null;
  try {
    const agent = await runSandboxedAgent({
      settings,
      repoRoot,
      session: randomUUID(),
      runLabel: `local:${repoRoot}`,
      scratchDir: outDir,
      audit,
      log: (message) => console.log(message),
      cancel,
    });
    const steps = agent.steps === 1 ? '1 step' : `${agent.steps} steps`;
    console.log(`Agent finished after ${steps} (${agent.stopReason}).`);
    const unfinished = describeUnfinished(agent);
    if (unfinished !== undefined) console.log(`Warning: ${unfinished}`);
    status = await keepChanges(repoRoot, settings, stamp, outDir, audit, publishedSummary(agent));
    return status === 'refused' ? EXIT_REFUSED : 0;
  } catch (error) {
    failure = describeError(error);
    throw error;
  } finally {
    forgetCancel();
    if (!cancel.aborted) audit.record('run.end', { status, failure });
    console.log(`Audit log: ${audit.path}`);
  }
}

/** Stages 7 and the local stand-in for 8: capture, vet, then a branch and a patch file. */
async function keepChanges(
  repoRoot: string,
  settings: Settings,
  stamp: string,
  outDir: string,
  audit: AuditLog,
  summary: string,
): Promise<string> {
  const nested = await tryRefuseNestedRepositories(repoRoot, audit);
  if (nested !== undefined) {
    console.log(`${nested}\nNo branch was created.`);
    return 'refused';
  }
  const changes = await captureChanges(repoRoot);
  audit.record('changes.captured', { files: changes.files, stats: changes.stats });
  if (changes.files.length === 0) {
    console.log('No changes.');
    return 'no-changes';
  }
  const patchPath = writePatchFile(outDir, changes);
  const refusal = tryRefuseChanges(changes, vetPolicyFor(settings), audit);
  if (refusal !== undefined) {
    console.log(`${refusal}\nNo branch was created.\nPatch, for inspection only: ${patchPath}`);
    return 'refused';
  }
  const branch = branchName(settings.branchPrefix, settings.task, `local-${stamp}`);
  const git = await createGit(repoRoot);
  try {
    await createBranchCommit(git, {
      tree: changes.tree,
      parent: changes.baseCommit,
      branch,
      message: buildCommitMessage(settings.task),
    });
  } finally {
    await git.dispose();
  }
  console.log(`Branch: ${branch}\nPatch: ${patchPath}\nSummary:\n${summary}`);
  return 'changes';
}

/** Writes the patch next to the audit log; says so when the change was too large to hold one. */
function writePatchFile(outDir: string, changes: CapturedChanges): string {
  if (changes.patchOmitted) return 'none (the change is too large to hold as a patch)';
  const patchPath = path.join(outDir, 'changes.patch');
  writeFileSync(patchPath, changes.patchBytes);
  return patchPath;
}

async function cli(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals[0] === 'verify') {
    if (!positionals[1]) throw new Error('verify needs the path of an audit log.');
    return verify(path.resolve(invocationFolder(), positionals[1]));
  }
  if (positionals.length > 0) throw new Error(`Unknown command '${positionals[0]}'.\n${USAGE}`);
  return run(values);
}

cli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(describeError(error));
    process.exit(1);
  },
);
