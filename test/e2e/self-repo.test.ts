import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  API_KEY,
  REPO_ROOT,
  runAction,
  scriptedModelInputs,
  serviceEnv,
  useServices,
} from '../support/action-harness.ts';
import { DEBIAN_IMAGE } from '../support/docker.ts';
import {
  startFakeModelServer,
  toolResultsOf,
  type ScriptStep,
} from '../support/fake-model-server.ts';

const CORRECT = 'm: 1024 ** 2,';
const DEFECT = 'm: 1000 ** 2,';
const DEFECT_FILE = 'src/config/parse-settings.ts';
/** Dev-only giants the unit tests never load; leaving them out keeps the copy quick. */
const SKIPPED_MODULES = ['@octokit/openapi', '@typescript', 'typescript', '@esbuild', 'esbuild'];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'dev@example.test',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'dev@example.test',
    },
  });
}

/** A clone of this project with one planted bug, its dependencies installed, and an origin. */
function copyOfThisProject(): { workspace: string; origin: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'self-'));
  const workspace = path.join(root, 'workspace');
  const origin = path.join(root, 'origin.git');
  // New files too: the copy must hold what an uncommitted change is about to commit.
  const files = git(REPO_ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard');
  for (const file of files.split('\0').filter(Boolean)) {
    mkdirSync(path.dirname(path.join(workspace, file)), { recursive: true });
    cpSync(path.join(REPO_ROOT, file), path.join(workspace, file));
  }
  const source = readFileSync(path.join(workspace, DEFECT_FILE), 'utf8');
  assert.ok(source.includes(CORRECT), `the planted defect needs '${CORRECT}' in ${DEFECT_FILE}`);
  writeFileSync(path.join(workspace, DEFECT_FILE), source.replace(CORRECT, DEFECT));
  git(root, 'init', '-q', '--bare', '-b', 'main', origin);
  git(workspace, 'init', '-q', '-b', 'main');
  git(workspace, 'add', '-A');
  git(workspace, 'commit', '-q', '-m', 'Copy of the project with a defect');
  git(workspace, 'remote', 'add', 'origin', origin);
  git(workspace, 'push', '-q', 'origin', 'main');
  cpSync(path.join(REPO_ROOT, 'node_modules'), path.join(workspace, 'node_modules'), {
    recursive: true,
    filter: (src) => !SKIPPED_MODULES.some((name) => src.endsWith(`node_modules/${name}`)),
  });
  return { workspace, origin };
}

describe('the action on a real project: a copy of this repository', () => {
  const services = useServices();

  it('finds the planted defect with the unit tests, fixes it and proves the fix', async () => {
    const { workspace, origin } = copyOfThisProject();
    const runTests = {
      name: 'run_shell',
      arguments: { cmd: 'node scripts/test.mjs unit 2>&1 | grep -E "^(ℹ (pass|fail)|✖)"' },
    };
    const script: ScriptStep[] = [
      { content: 'Run the unit tests first.', toolCalls: [runTests] },
      {
        toolCalls: [{ name: 'grep', arguments: { pattern: '1000 \\*\\* 2', path: 'src' } }],
      },
      {
        toolCalls: [
          {
            name: 'edit_file',
            arguments: { path: DEFECT_FILE, old_string: DEFECT, new_string: CORRECT },
          },
        ],
      },
      { toolCalls: [runTests] },
      { content: 'parseMemory used 1000 for m; memory sizes are binary. The unit tests pass now.' },
    ];
    const model = await startFakeModelServer({ script, apiKey: API_KEY });
    const run = await runAction({
      workspace,
      inputs: {
        task: 'The unit tests fail; find the cause and fix it',
        ...scriptedModelInputs(model.url),
        image: DEBIAN_IMAGE,
        tools: 'read_file,read_lines,edit_file,grep,find,run_shell',
        'command-timeout': '180',
      },
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);

    const [firstRun, search, , secondRun] = [1, 2, 3, 4].map(
      (i) => toolResultsOf(model.chatRequests[i]!)[0]?.content ?? '',
    );
    assert.match(firstRun!, /ℹ fail [1-9]/, firstRun);
    assert.match(firstRun!, /memory/);
    assert.match(search!, /parse-settings\.ts/);
    assert.match(secondRun!, /ℹ fail 0/, secondRun);
    assert.match(secondRun!, /ℹ pass [1-9]\d*/);

    assert.equal(run.outputs.status, 'pr-opened');
    assert.equal(run.outputs['changed-files'], DEFECT_FILE);
    const diff = execFileSync('git', ['diff', 'main', run.outputs.branch!], {
      cwd: origin,
      encoding: 'utf8',
    });
    assert.match(diff, /^-\s+m: 1000 \*\* 2,$/m);
    assert.match(diff, /^\+\s+m: 1024 \*\* 2,$/m);
    assert.deepEqual(services.github.violations, []);
    assert.equal(services.github.pulls.filter((p) => p.head === run.outputs.branch).length, 1);
  });
});
