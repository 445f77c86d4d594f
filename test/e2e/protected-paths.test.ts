import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { execa } from 'execa';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { LABEL_SESSION } from '../../src/sandbox/profile.ts';
import {
  API_KEY,
  runAction,
  runLocalAgent,
  scriptedModelInputs,
  serviceEnv,
  useServices,
  type ActionRun,
} from '../support/action-harness.ts';
import { BUSYBOX_IMAGE, containersWithLabel, requireEngine } from '../support/docker.ts';
import {
  startFakeModelServer,
  toolResultsOf,
  type ScriptedToolCall,
} from '../support/fake-model-server.ts';
import { createScratchRepo, type ScratchRepo } from '../support/scratch-git-repo.ts';

const MIB = 1024 ** 2;

interface AuditEvent {
  type: string;
  data: Record<string, unknown>;
}

interface RefusalReason {
  rule: string;
  path: string;
  message: string;
}

function auditEvents(run: ActionRun): AuditEvent[] {
  return readFileSync(run.outputs['audit-log']!, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditEvent);
}

function refusalReasons(run: ActionRun): RefusalReason[] {
  const refused = auditEvents(run).filter((event) => event.type === 'changes.refused');
  assert.equal(refused.length, 1, 'one changes.refused event');
  return refused[0]!.data.reasons as RefusalReason[];
}

async function branchesOf(repo: string, scratch: ScratchRepo): Promise<string[]> {
  const listing = await scratch.git(['for-each-ref', '--format=%(refname)', 'refs/heads'], repo);
  return listing.split('\n').filter(Boolean).sort();
}

describe('vetting the change before publishing, run as the runner runs it', () => {
  const services = useServices();

  /** Runs the action with a model that makes these tool calls in one turn, then stops. */
  async function runAgentThatCalls(
    repo: ScratchRepo,
    toolCalls: ScriptedToolCall[],
    inputs: Record<string, string> = {},
  ): Promise<ActionRun> {
    const model = await startFakeModelServer({
      script: [{ toolCalls }, { content: 'Done.' }],
      apiKey: API_KEY,
    });
    const run = await runAction({
      workspace: repo.repo,
      inputs: {
        task: 'Tidy up the project',
        ...scriptedModelInputs(model.url),
        image: BUSYBOX_IMAGE,
        tools: 'read_file,write_file,edit_file,run_shell',
        'command-timeout': '20',
        ...inputs,
      },
      env: serviceEnv(services),
    });
    const results = model.chatRequests[1] ? toolResultsOf(model.chatRequests[1]) : [];
    await model.close();
    for (const result of results) assert.doesNotMatch(result.content, /^Error|refused/i);
    return run;
  }

  /** Checks, from outside, that a refused run published nothing and said why. */
  async function assertRefused(
    repo: ScratchRepo,
    run: ActionRun,
    githubRequestsBefore: number,
  ): Promise<RefusalReason[]> {
    assert.equal(run.exitCode, 0, `a refusal is not a failed step\n${run.stdout}${run.stderr}`);
    assert.equal(run.outputs.status, 'refused');
    assert.equal(run.outputs.branch, '');
    assert.equal(run.outputs['pr-number'], '');
    assert.deepEqual(await branchesOf(repo.origin, repo), ['refs/heads/main'], 'nothing pushed');
    assert.deepEqual(await branchesOf(repo.repo, repo), ['refs/heads/main'], 'no local branch');
    assert.equal(services.github.requests.length, githubRequestsBefore, 'no GitHub call');
    assert.match(run.stdout, /^::warning::The change was not published:/m);
    assert.match(run.summary, /## Agent run: refused/);
    assert.match(run.summary, /Refused because:/);
    const events = auditEvents(run);
    assert.ok(!events.some((event) => event.type.startsWith('publish.')));
    assert.equal(events.at(-1)?.data.status, 'refused');
    assert.equal(verifyAuditLog(readFileSync(run.outputs['audit-log']!, 'utf8')).ok, true);
    assert.deepEqual(containersWithLabel(`${LABEL_SESSION}=${run.state['sandbox-session']}`), []);
    const reasons = refusalReasons(run);
    for (const reason of reasons) assert.ok(run.summary.includes(reason.message), reason.message);
    return reasons;
  }

  it('refuses a new workflow file: nothing pushed, the reason in summary and log', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(repo, [
      {
        name: 'write_file',
        arguments: {
          path: '.github/workflows/evil.yml',
          content: 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps: [run: env]\n',
        },
      },
      { name: 'write_file', arguments: { path: 'notes.md', content: 'harmless\n' } },
    ]);

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['protected-path', '.github/workflows/evil.yml']],
    );
    assert.match(run.summary, /\.github\/workflows\/evil\.yml is a protected path/);
    assert.deepEqual(run.outputs['changed-files']!.split('\n').sort(), [
      '.github/workflows/evil.yml',
      'notes.md',
    ]);
    // The artifact keeps the refused patch for a person to inspect.
    const artifact = services.artifacts.artifacts.findLast((a) => a.finalized);
    assert.ok(artifact);
    assert.match(
      services.artifacts.filesOf(artifact.name).get('changes.patch')?.toString() ?? '',
      /evil\.yml/,
    );
    await repo.cleanup();
  });

  it('refuses a symlink to /etc/passwd made with run_shell, and never reads it', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(repo, [
      { name: 'run_shell', arguments: { cmd: 'ln -s /etc/passwd leak' } },
    ]);

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['escaping-symlink', 'leak']],
    );
    assert.match(run.summary, /leak is a symbolic link to "\/etc\/passwd"/);
    const everything = readFileSync(run.outputs['audit-log']!, 'utf8') + run.summary;
    assert.doesNotMatch(everything, /root:x:0:0/);
    await repo.cleanup();
  });

  it('refuses a 2 MiB file, measured from the captured blob', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(repo, [
      { name: 'run_shell', arguments: { cmd: `head -c ${2 * MIB} /dev/zero > big.bin` } },
    ]);

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['file-size', 'big.bin']],
    );
    assert.match(run.summary, /big\.bin is 2\.0 MiB, over the limit of 1\.0 MiB per file/);
    await repo.cleanup();
  });

  it('refuses a nested repository unpacked into the tree, a submodule to git', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    await repo.write('vendor/lib.tar', await tarOfRepository(repo));
    await repo.git(['add', 'vendor/lib.tar']);
    await repo.git(['commit', '--quiet', '-m', 'Vendor a tarball']);
    await repo.git(['push', '--quiet', 'origin', 'main']);
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(repo, [
      { name: 'run_shell', arguments: { cmd: 'tar -xf vendor/lib.tar -C vendor && ls vendor' } },
    ]);

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['nested-repository', 'vendor/lib/.git']],
    );
    assert.match(run.summary, /vendor\/lib\/\.git.*nested git repository/);
    await repo.cleanup();
  });

  it('refuses an edit of .gitmodules', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(repo, [
      {
        name: 'write_file',
        arguments: {
          path: '.gitmodules',
          content: '[submodule "x"]\n\tpath = x\n\turl = https://example.invalid/x.git\n',
        },
      },
    ]);

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['submodule', '.gitmodules']],
    );
    await repo.cleanup();
  });

  it('applies the globs given in protected-paths instead of the default', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const before = services.github.requests.length;
    const run = await runAgentThatCalls(
      repo,
      [
        {
          name: 'write_file',
          arguments: { path: '.github/workflows/ok.yml', content: 'on: push\n' },
        },
        { name: 'write_file', arguments: { path: 'deploy/prod.env', content: 'X=1\n' } },
      ],
      { 'protected-paths': 'deploy/**\nsecrets' },
    );

    const reasons = await assertRefused(repo, run, before);
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['protected-path', 'deploy/prod.env']],
    );
    await repo.cleanup();
  });

  it('publishes a workflow change when protected-paths is none', async () => {
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const run = await runAgentThatCalls(
      repo,
      [
        {
          name: 'write_file',
          arguments: { path: '.github/workflows/ok.yml', content: 'on: push\n' },
        },
      ],
      { 'protected-paths': 'none' },
    );

    assert.equal(run.outputs.status, 'pr-opened', run.stdout + run.stderr);
    const branch = run.outputs.branch!;
    assert.equal(
      await repo.git(['show', `${branch}:.github/workflows/ok.yml`], repo.origin),
      'on: push',
    );
    assert.ok(!auditEvents(run).some((event) => event.type === 'changes.refused'));
    await repo.cleanup();
  });
});

describe('vetting in the local command', () => {
  it('leaves no branch for a refused change, keeps the patch and exits 2', async () => {
    await requireEngine();
    const repo = await createScratchRepo({ 'README.md': '# demo\n' });
    const model = await startFakeModelServer({
      apiKey: API_KEY,
      script: [
        {
          toolCalls: [
            {
              name: 'write_file',
              arguments: { path: '.github/workflows/evil.yml', content: 'on: push\n' },
            },
          ],
        },
        { content: 'Done.' },
      ],
    });
    const result = await runLocalAgent('Add CI', model.url, repo.repo);
    await model.close();
    const stdout = String(result.stdout);
    assert.equal(result.exitCode, 2, stdout + String(result.stderr));
    assert.match(stdout, /\.github\/workflows\/evil\.yml is a protected path/);
    assert.match(stdout, /^No branch was created\.$/m);
    assert.doesNotMatch(stdout, /^Branch: /m);
    assert.deepEqual(await branchesOf(repo.repo, repo), ['refs/heads/main']);
    const patch = /^Patch, for inspection only: (.+)$/m.exec(stdout)?.[1];
    assert.ok(patch, stdout);
    assert.match(readFileSync(patch, 'utf8'), /\+\+\+ b\/\.github\/workflows\/evil\.yml/);
    const audit = /^Audit log: (.+)$/m.exec(stdout)?.[1];
    const events = readFileSync(audit!, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEvent);
    assert.ok(events.some((event) => event.type === 'changes.refused'));
    assert.equal(events.at(-1)?.data.status, 'refused');
    await repo.cleanup();
  });
});

/** A tarball holding a git repository with one commit, as an attacker could ship one. */
async function tarOfRepository(scratch: ScratchRepo): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nested-repo-'));
  try {
    const lib = path.join(dir, 'lib');
    await mkdir(lib);
    await scratch.git(['init', '--quiet', lib], dir);
    await writeFile(path.join(lib, 'index.js'), 'export const pwned = true;\n');
    await scratch.git(['add', 'index.js'], lib);
    await scratch.git(['commit', '--quiet', '-m', 'nested'], lib);
    const tar = await execa('tar', ['-cf', '-', '-C', dir, 'lib'], { encoding: 'buffer' });
    return Buffer.from(tar.stdout);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
