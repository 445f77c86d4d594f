import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { LABEL_SESSION } from '../../src/sandbox/profile.ts';
import {
  API_KEY,
  GITHUB_TOKEN,
  parseRunnerFile,
  runAction,
  runPostStep,
  scriptedModelInputs,
  serviceEnv,
  startAction,
  useServices,
  type ActionRun,
} from '../support/action-harness.ts';
import { BUSYBOX_IMAGE, containersWithLabel } from '../support/docker.ts';
import {
  startFakeModelServer,
  toolResultsOf,
  type ScriptStep,
} from '../support/fake-model-server.ts';
import { createScratchRepo, type ScratchRepo } from '../support/scratch-git-repo.ts';

const BUGGY_PARSER = `export function parseDate(text) {
  const [year, month, day] = text.split('-').map(Number);
  return new Date(Date.UTC(year, month, day));
}
`;

/** A clone as actions/checkout leaves it: the job token in an extraheader of .git/config. */
async function checkedOutRepo(): Promise<ScratchRepo> {
  const scratch = await createScratchRepo({
    'src/date.js': BUGGY_PARSER,
    'README.md': '# widgets\n',
  });
  const basic = Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64');
  await scratch.git([
    'config',
    'http.https://github.com/.extraheader',
    `AUTHORIZATION: basic ${basic}`,
  ]);
  return scratch;
}

function inputsFor(modelUrl: string, extra: Record<string, string> = {}) {
  return {
    task: 'Fix the off-by-one month in parseDate',
    ...scriptedModelInputs(modelUrl),
    image: BUSYBOX_IMAGE,
    'command-timeout': '20',
    labels: 'agent,bugfix',
    ...extra,
  };
}

function listFiles(dir: string, skip: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => path.join(dir, name))
    .filter((file) => !file.startsWith(skip) && statSync(file).isFile());
}

function assertNoSecret(where: string, text: string) {
  const basic = Buffer.from(`x-access-token:${GITHUB_TOKEN}`).toString('base64');
  for (const secret of [GITHUB_TOKEN, API_KEY, basic]) {
    assert.ok(!text.includes(secret), `${where} contains a secret`);
  }
}

/** The log as the runner shows it: it consumes `::add-mask::` commands, which carry the secret. */
function visibleLog(run: ActionRun): string {
  return (run.stdout + '\n' + run.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
}

function auditEvents(run: ActionRun): Array<{ type: string; data: Record<string, unknown> }> {
  return readFileSync(run.outputs['audit-log']!, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

describe('the action, run as the runner runs it', () => {
  const services = useServices();

  it('turns a task into a pushed branch, one pull request and a complete audit log', async () => {
    const repo = await checkedOutRepo();
    const script: ScriptStep[] = [
      {
        content: 'Let me look at the parser and the sandbox.',
        toolCalls: [
          { name: 'read_file', arguments: { path: 'src/date.js' } },
          { name: 'run_shell', arguments: { cmd: 'cat .git/config; env; id -u' } },
        ],
      },
      {
        toolCalls: [
          {
            name: 'edit_file',
            arguments: {
              path: 'src/date.js',
              old_string: 'Date.UTC(year, month, day)',
              new_string: 'Date.UTC(year, month - 1, day)',
            },
          },
          {
            name: 'write_file',
            arguments: { path: 'notes/fix.md', content: 'Months are 0-based.\n' },
          },
        ],
      },
      { content: 'Fixed parseDate: Date.UTC takes a 0-based month.' },
    ];
    const model = await startFakeModelServer({ script, apiKey: API_KEY });
    const run = await runAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url, { tools: 'read_file,write_file,edit_file,run_shell' }),
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.status, 'pr-opened');

    // The branch on origin holds exactly the change, committed by the bot.
    const branch = run.outputs.branch!;
    assert.match(branch, /^agent\/fix-the-off-by-one-month-in-parsedate-4242$/);
    const pushed = await repo.git(['show', `${branch}:src/date.js`], repo.origin);
    assert.match(pushed, /Date\.UTC\(year, month - 1, day\)/);
    assert.equal(
      await repo.git(['show', `${branch}:notes/fix.md`], repo.origin),
      'Months are 0-based.',
    );
    const author = await repo.git(['log', '-1', '--format=%an <%ae>', branch], repo.origin);
    assert.match(author, /^github-actions\[bot\]/);
    assert.deepEqual(run.outputs['changed-files']!.split('\n').sort(), [
      'notes/fix.md',
      'src/date.js',
    ]);

    // One pull request, with the right head and base, draft and labelled.
    const creates = services.github.requests.filter((r) => r.operationId === 'pulls/create');
    assert.equal(creates.length, 1);
    const body = creates[0]!.body as Record<string, unknown>;
    assert.equal(body.head, branch);
    assert.equal(body.base, 'main');
    assert.equal(body.draft, true);
    assert.match(String(body.body), /Date.UTC takes a 0-based month/);
    assert.match(String(body.body), /src\/date\.js/);
    assert.match(String(body.body), /actions\/runs\/4242/);
    const pr = services.github.pulls.find((p) => p.head === branch)!;
    assert.equal(run.outputs['pr-number'], String(pr.number));
    assert.equal(run.outputs['pr-url'], `https://github.com/octo-org/demo/pull/${pr.number}`);
    assert.deepEqual(services.github.labelsOf(pr.number).sort(), ['agent', 'bugfix']);
    assert.deepEqual(services.github.violations, []);

    // The audit log verifies and holds every tool call; the artifact carries it and the patch.
    const events = auditEvents(run);
    const tools = events.filter((e) => e.type === 'tool.call').map((e) => e.data.tool);
    assert.deepEqual(tools, ['read_file', 'run_shell', 'edit_file', 'write_file']);
    assert.equal(verifyAuditLog(readFileSync(run.outputs['audit-log']!, 'utf8')).ok, true);
    assert.equal(events.at(-1)?.type, 'run.end');
    const artifact = services.artifacts.artifacts.find((a) => a.finalized);
    assert.ok(artifact, 'an audit artifact was uploaded');
    const zipped = services.artifacts.filesOf(artifact.name);
    assert.equal(
      zipped.get('audit.jsonl')?.toString(),
      readFileSync(run.outputs['audit-log']!, 'utf8'),
    );
    assert.match(zipped.get('changes.patch')?.toString() ?? '', /month - 1/);
    assert.deepEqual(services.artifacts.violations, []);

    // Outputs and summary a workflow can use.
    assert.equal(run.outputs.steps, '3');
    assert.ok(Number(run.outputs['prompt-tokens']) > 0);
    assert.match(run.summary, /pull request opened/);

    // The sandbox saw no credentials: not in .git/config, not in its environment.
    const shellResult = toolResultsOf(model.chatRequests[1]!).find((r) => r.name === 'run_shell');
    assert.ok(shellResult && /url = /.test(shellResult.content), shellResult?.content);
    assert.doesNotMatch(shellResult.content, /extraheader|GITHUB_|INPUT_|ACTIONS_/i);
    assert.match(shellResult.content, new RegExp(`\\b${process.getuid?.()}\\b`));

    // Neither secret appears anywhere the model, the logs or the sandbox's files could hold it.
    assertNoSecret('what the model received', JSON.stringify(model.chatRequests));
    assertNoSecret('the audit log', readFileSync(run.outputs['audit-log']!, 'utf8'));
    assertNoSecret('the action log', visibleLog(run));
    assertNoSecret('the summary', run.summary);
    assertNoSecret('the outputs', JSON.stringify(run.outputs));
    assertNoSecret('the pull request', JSON.stringify(creates));
    for (const file of listFiles(repo.repo, path.join(repo.repo, '.git'))) {
      assertNoSecret(file, readFileSync(file, 'utf8'));
    }
    assert.equal(model.requests[0]?.headers.authorization, `Bearer ${API_KEY}`);

    // No container is left, even before the post step runs; the post step is harmless.
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${run.state['sandbox-session']}`), []);
    const post = await runPostStep(run);
    assert.equal(post.exitCode, 0);
    await repo.cleanup();
  });

  it('reports no-changes and pushes nothing when the agent changes nothing', async () => {
    const repo = await checkedOutRepo();
    const model = await startFakeModelServer({
      script: [
        { toolCalls: [{ name: 'read_file', arguments: { path: 'README.md' } }] },
        { content: 'The README is fine as it is.' },
      ],
      apiKey: API_KEY,
    });
    const before = services.github.requests.length;
    const run = await runAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url),
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.status, 'no-changes');
    assert.equal(run.outputs.branch, '');
    assert.equal(run.outputs['pr-number'], '');
    assert.equal(await repo.git(['branch', '--list'], repo.origin), '* main');
    assert.equal(services.github.requests.length, before, 'no GitHub call is made');
    await repo.cleanup();
  });

  it('refuses a tool that is not enabled even when the model calls it by name', async () => {
    const repo = await checkedOutRepo();
    const model = await startFakeModelServer({
      script: [
        { toolCalls: [{ name: 'run_shell', arguments: { cmd: 'touch pwned' } }] },
        { content: 'I could not run a shell.' },
      ],
      apiKey: API_KEY,
    });
    const run = await runAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url, { tools: 'read_file,run_shell', 'disable-shell': 'true' }),
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.outputs.status, 'no-changes', run.stdout + run.stderr);
    assert.throws(() => statSync(path.join(repo.repo, 'pwned')));
    const refusal = toolResultsOf(model.chatRequests[1]!)[0]!;
    assert.match(refusal.content, /run_shell/);
    assert.match(refusal.content, /not enabled|not available/i);
    const tools = model.chatRequests[0]!.tools!.map((t) => t.function.name);
    assert.deepEqual(tools, ['read_file']);
    const result = auditEvents(run).find((e) => e.type === 'tool.result');
    assert.equal(result?.data.refused, true);
    await repo.cleanup();
  });

  it('fails on an invalid input before starting anything, naming the input', async () => {
    const repo = await checkedOutRepo();
    const model = await startFakeModelServer({ apiKey: API_KEY });
    const run = await runAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url, { memory: 'lots' }),
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 1);
    assert.match(run.stdout, /::error::Input 'memory': 'lots'/);
    assert.equal(run.outputs.status, 'failed');
    assert.equal(model.requests.length, 0);
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${run.state['sandbox-session']}`), []);
    await repo.cleanup();
  });

  it('fails clearly when the model rejects the key, leaving no container', async () => {
    const repo = await checkedOutRepo();
    const model = await startFakeModelServer({ apiKey: 'sk-a-different-key-000000' });
    const run = await runAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url),
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 1);
    assert.equal(run.outputs.status, 'failed');
    assert.match(run.stdout, /HTTP 401[\s\S]*api-key/);
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${run.state['sandbox-session']}`), []);
    assertNoSecret('the action log', visibleLog(run));
    await repo.cleanup();
  });

  /** Starts a run whose agent is busy in a long command, and waits until its sandbox exists. */
  async function startBusyRun() {
    const repo = await checkedOutRepo();
    const model = await startFakeModelServer({
      script: [{ toolCalls: [{ name: 'run_shell', arguments: { cmd: 'sleep 120' } }] }],
      apiKey: API_KEY,
    });
    const started = startAction({
      workspace: repo.repo,
      inputs: inputsFor(model.url, { tools: 'run_shell', 'command-timeout': '300' }),
      env: serviceEnv(services),
    });
    const deadline = Date.now() + 60_000;
    let session = '';
    while (Date.now() < deadline) {
      session = parseRunnerFile(readFileSync(started.files.state, 'utf8'))['sandbox-session'] ?? '';
      if (session && model.chatRequests.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(session && containersWithLabel(`${LABEL_SESSION}=${session}`).length === 1);
    return { repo, model, started, session };
  }

  it('removes its sandbox itself when the runner cancels the job with SIGINT', async () => {
    const { repo, model, started, session } = await startBusyRun();
    started.child.kill('SIGINT');
    const run = await started.finish();
    await model.close();
    assert.equal(run.exitCode, 130, run.stdout + run.stderr);
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${session}`), []);
    // The audit log still closes, saying why, and its chain still verifies.
    const [runDir] = readdirSync(run.files.temp).filter((name) => name.startsWith('agent-run-'));
    const log = readFileSync(path.join(run.files.temp, runDir!, 'audit', 'audit.jsonl'), 'utf8');
    const last = JSON.parse(log.trim().split('\n').at(-1)!);
    assert.deepEqual([last.type, last.data.status], ['run.end', 'cancelled']);
    assert.equal(verifyAuditLog(log).ok, true);
    assert.equal(model.chatRequests.length, 1, 'no model call after the cancellation');
    await repo.cleanup();
  });

  it('leaves the post step to remove the sandbox when the action process is killed', async () => {
    const { repo, model, started, session } = await startBusyRun();
    started.child.kill('SIGKILL');
    const run = await started.finish();
    await model.close();
    assert.equal(containersWithLabel(`${LABEL_SESSION}=${session}`).length, 1);
    const post = await runPostStep(run);
    assert.equal(post.exitCode, 0, String(post.stdout) + String(post.stderr));
    assert.match(String(post.stdout), /Removed sandbox containers left behind/);
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${session}`), []);
    await repo.cleanup();
  });
});
