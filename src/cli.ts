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
import { describeError } from './errors.ts';
import { branchName } from './publish/branch.ts';
import { buildCommitMessage, createBranchCommit } from './publish/commit.ts';
import { runSandboxedAgent } from './run-agent.ts';

/** The environment variable the local command reads the model key from: argv is visible to `ps`. */
const API_KEY_ENV = 'AGENT_API_KEY';
/** Exit code when the vetting refuses the change: not a crash, but no branch either. */
const EXIT_REFUSED = 2;

const USAGE = `Usage:
  npm run agent -- --task "..." --model provider/model [options]   run on this checkout
  npm run agent -- verify path/to/audit.jsonl                      check an audit log's chain

Runs the same sandboxed agent as the action on the git checkout in the current folder (or
--repo DIR). Instead of a pull request it leaves a branch and a patch file. The model key is
read from $${API_KEY_ENV}, never from the command line. A change that the vetting refuses
(protected paths, submodules, escaping symlinks, sizes) leaves no branch, only the patch for
inspection, and exits with code ${EXIT_REFUSED}.

Options take the action's input names: --${Object.keys(INPUT_DEFAULTS)
  .filter((name) => name !== 'api-key' && name !== 'github-token')
  .join(', --')}`;

function parseCommandLine(argv: string[]) {
  const inputOptions = Object.fromEntries(
    Object.keys(INPUT_DEFAULTS).map((name) => [name, { type: 'string' as const }]),
  );
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...inputOptions, repo: { type: 'string' }, help: { type: 'boolean' } },
  });
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

async function run(values: Record<string, string | boolean | undefined>): Promise<number> {
  const repoRoot = path.resolve(String(values.repo ?? '.'));
  const read = (name: InputName): string =>
    name === 'api-key' ? (process.env[API_KEY_ENV] ?? '') : String(values[name] ?? '');
  const settings = parseSettings(read);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(repoRoot, '.git', 'agent-runs', stamp);
  mkdirSync(outDir, { recursive: true });
  const redactor = Redactor.create([settings.model.apiKey]);
  const audit = AuditLog.create(path.join(outDir, 'audit.jsonl'), redactor);
  audit.record('run.start', { repository: repoRoot, task: settings.task, local: true });
  const session = randomUUID();
  let status = 'failed';
  try {
    const agent = await runSandboxedAgent({
      settings,
      repoRoot,
      session,
      runLabel: `local:${repoRoot}`,
      scratchDir: outDir,
      audit,
      log: (message) => console.log(message),
    });
    console.log(`Agent finished after ${agent.steps} steps (${agent.stopReason}).`);
    const changes = await captureChanges(repoRoot);
    audit.record('changes.captured', { files: changes.files, stats: changes.stats });
    if (changes.files.length === 0) {
      status = 'no-changes';
      console.log('No changes.');
      return 0;
    }
    const patchPath = writePatchFile(outDir, changes);
    const refusal = tryRefuseChanges(changes, vetPolicyFor(settings), audit);
    if (refusal !== undefined) {
      status = 'refused';
      console.log(`${refusal}\nNo branch was created.\nPatch, for inspection only: ${patchPath}`);
      return EXIT_REFUSED;
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
    status = 'changes';
    console.log(`Branch: ${branch}\nPatch: ${patchPath}\nSummary:\n${agent.summary}`);
    return 0;
  } finally {
    audit.record('run.end', { status });
    console.log(`Audit log: ${audit.path}`);
  }
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
    return verify(positionals[1]);
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
