// The end-to-end tests trust these stand-ins to behave like the services they replace. Each is
// driven here by the real client library the action uses, so a stand-in that drifts from the
// protocol fails here first, loudly, rather than letting an end-to-end test pass for the wrong
// reason.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DefaultArtifactClient } from '@actions/artifact';
import { getOctokit } from '@actions/github';
import OpenAI from 'openai';
import { makeRuntimeToken, startFakeArtifactServer } from '../support/fake-artifact-server.ts';
import type { FakeArtifactServer } from '../support/fake-artifact-server.ts';
import { startFakeGitHubServer } from '../support/fake-github-server.ts';
import type { FakeGitHubServer } from '../support/fake-github-server.ts';
import { startFakeModelServer, toolResultsOf } from '../support/fake-model-server.ts';
import type { FakeModelServer, FakeModelServerOptions } from '../support/fake-model-server.ts';

const API_KEY = 'sk-test-stand-in-0000';
const READ_FILE_TOOL = {
  type: 'function' as const,
  function: {
    name: 'read_file',
    description: 'Read a file',
    parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
};

describe('fake model server', () => {
  const started: FakeModelServer[] = [];
  const startModel = async (options: FakeModelServerOptions): Promise<FakeModelServer> => {
    const server = await startFakeModelServer(options);
    started.push(server);
    return server;
  };
  after(() => Promise.all(started.map((server) => server.close())));

  it('plays a tool call, reacts to its result, then ends with a plain answer', async () => {
    const model = await startModel({
      apiKey: API_KEY,
      script: [
        { toolCalls: [{ name: 'read_file', arguments: { path: 'README.md' } }] },
        (request) => ({ content: `The file says: ${toolResultsOf(request)[0]?.content}` }),
      ],
    });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: model.url });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'What does the README say?' },
    ];
    const first = await client.chat.completions.create({
      model: 'gpt-test',
      messages,
      tools: [READ_FILE_TOOL],
    });
    const call = first.choices[0]?.message.tool_calls?.[0];
    assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call?.type === 'function');
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    assert.equal(call.function.name, 'read_file');
    assert.deepEqual(JSON.parse(call.function.arguments), { path: 'README.md' });

    messages.push(first.choices[0]!.message, {
      role: 'tool',
      tool_call_id: call.id,
      content: 'hello from the sandbox',
    });
    const second = await client.chat.completions.create({ model: 'gpt-test', messages });
    assert.equal(second.choices[0]?.message.content, 'The file says: hello from the sandbox');
    assert.equal(second.choices[0]?.finish_reason, 'stop');
    const usage = second.usage!;
    assert.ok(usage.prompt_tokens > first.usage!.prompt_tokens, 'a longer prompt costs more');
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);

    const last = await client.chat.completions.create({ model: 'gpt-test', messages });
    assert.equal(last.choices[0]?.message.content, 'Done.');
    assert.equal(model.remainingSteps(), 0);
    assert.equal(model.requests[0]?.headers.authorization, `Bearer ${API_KEY}`);
    assert.equal(model.chatRequests[1]?.messages.at(-1)?.content, 'hello from the sandbox');
    assert.deepEqual(model.violations, []);
  });

  it('refuses a wrong API key with an OpenAI-shaped 401 that does not echo the key', async () => {
    const model = await startModel({ apiKey: API_KEY, script: [{ content: 'never' }] });
    const client = new OpenAI({ apiKey: 'sk-wrong-key-1234', baseURL: model.url });
    const error = await rejectionOf(
      client.chat.completions.create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'invalid_api_key');
    assert.doesNotMatch(error.message, /sk-wrong-key/);
    assert.equal(model.remainingSteps(), 1, 'a refused request does not use up the script');
  });

  it('answers scripted 429 and 500 errors so the client retries until it succeeds', async () => {
    const model = await startModel({
      script: [
        { error: { status: 429, retryAfterMs: 10 } },
        { error: { status: 500, retryAfterMs: 10 } },
        { content: 'third time lucky' },
      ],
    });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: model.url, maxRetries: 2 });
    const reply = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(reply.choices[0]?.message.content, 'third time lucky');
    assert.deepEqual(
      model.requests.map((request) => request.status),
      [429, 500, 200],
    );
    assert.deepEqual(
      model.requests.map((r) => r.headers['x-stainless-retry-count']),
      ['0', '1', '2'],
    );
  });

  it('gives up with a RateLimitError carrying the error body once retries run out', async () => {
    const model = await startModel({
      script: [{ error: { status: 429, retryAfterMs: 1, message: 'slow down' } }],
    });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: model.url, maxRetries: 0 });
    const error = await rejectionOf(
      client.chat.completions.create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.equal(error.code, 'rate_limit_exceeded');
    assert.match(error.message, /slow down/);
  });

  it('refuses a conversation with an unanswered tool call and records it', async () => {
    const model = await startModel({ script: [{ content: 'unreachable' }] });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: model.url });
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'user', content: 'go' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{}' } },
        ],
      },
      { role: 'user', content: 'forgot the tool result' },
    ];
    const error = await rejectionOf(
      client.chat.completions.create({ model: 'gpt-test', messages }),
    );
    assert.ok(error instanceof OpenAI.BadRequestError);
    assert.match(error.message, /call_1/);
    assert.equal(model.violations.length, 1);
    assert.match(model.violations[0] ?? '', /tool_call_id/);
  });

  it('lists its models and refuses a model it does not serve', async () => {
    const model = await startModel({ models: ['gpt-test'] });
    const client = new OpenAI({ apiKey: API_KEY, baseURL: model.url });
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((entry) => entry.id),
      ['gpt-test'],
    );
    const error = await rejectionOf(
      client.chat.completions.create({
        model: 'gpt-other',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.code, 'model_not_found');
  });
});

describe('fake GitHub server', () => {
  const owner = 'octo-org';
  const repo = 'demo';
  let github: FakeGitHubServer;
  before(async () => {
    github = await startFakeGitHubServer({
      owner,
      repo,
      defaultBranch: 'trunk',
      token: 'ghs_stand_in_token',
      permissions: { maintainer: 'maintain', visitor: 'read' },
      issues: [7],
    });
  });
  after(() => github.close());

  it('serves a pull request lifecycle with every request and response per the spec', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    const { data: repository } = await octokit.rest.repos.get({ owner, repo });
    assert.equal(repository.default_branch, 'trunk');
    assert.equal(repository.full_name, 'octo-org/demo');

    const created = await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'agent/fix-parser',
      base: 'trunk',
      title: 'Fix the parser',
      body: 'Made by the agent',
      draft: true,
    });
    assert.equal(created.status, 201);
    const pull = created.data;
    assert.equal(pull.number, 8, 'numbers continue after existing issues');
    assert.equal(pull.html_url, 'https://github.com/octo-org/demo/pull/8');
    assert.equal(pull.head.ref, 'agent/fix-parser');
    assert.equal(pull.base.ref, 'trunk');
    assert.equal(pull.draft, true);
    assert.equal(pull.state, 'open');

    const { data: found } = await octokit.rest.pulls.list({
      owner,
      repo,
      head: 'octo-org:agent/fix-parser',
      base: 'trunk',
      state: 'open',
    });
    assert.deepEqual(
      found.map((entry) => entry.number),
      [8],
    );
    const { data: updated } = await octokit.rest.pulls.update({
      owner,
      repo,
      pull_number: 8,
      title: 'Fix the parser (again)',
    });
    assert.equal(updated.title, 'Fix the parser (again)');
    const { data: labels } = await octokit.rest.issues.addLabels({
      owner,
      repo,
      issue_number: 8,
      labels: ['agent', 'automated'],
    });
    assert.deepEqual(
      labels.map((label) => label.name),
      ['agent', 'automated'],
    );
    const { data: comment } = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 7,
      body: 'Opened #8',
    });
    assert.match(comment.html_url, /\/issues\/7#issuecomment-\d+$/);

    assert.equal(github.pulls[0]?.title, 'Fix the parser (again)');
    assert.deepEqual(github.labelsOf(8), ['agent', 'automated']);
    assert.deepEqual(
      github.comments.map((c) => [c.issueNumber, c.body]),
      [[7, 'Opened #8']],
    );
    assert.ok(github.requests.every((request) => request.hasAuth));
    assert.deepEqual(github.violations, []);
  });

  it('reports permissions the way GitHub folds roles into the legacy field', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    const permission = async (username: string) =>
      (await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username })).data;
    assert.deepEqual(pick(await permission('maintainer')), ['write', 'maintain']);
    assert.deepEqual(pick(await permission('visitor')), ['read', 'read']);
    assert.deepEqual(pick(await permission('stranger')), ['none', 'none']);
    assert.deepEqual(github.violations, []);
  });

  it('refuses a request body the OpenAPI description does not allow and records it', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    const error = await rejectionOf(
      octokit.request('POST /repos/{owner}/{repo}/pulls', {
        owner,
        repo,
        head: 'agent/x',
        base: 'trunk',
        title: 'x',
        draft: 'yes' as unknown as boolean,
      }),
    );
    assert.equal(error.status, 422);
    const error2 = await rejectionOf(
      octokit.request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
        owner,
        repo,
        pull_number: 8,
        draft: false,
      }),
    );
    assert.equal(error2.status, 422, 'draft cannot be changed through the REST update');
    assert.deepEqual(
      github.violations.map((v) => [v.kind, v.operationId]),
      [
        ['body', 'pulls/create'],
        ['body', 'pulls/update'],
      ],
    );
    assert.match(github.violations[1]?.message ?? '', /'draft'/);
    github.violations.length = 0;
  });

  it('records routes that are not in the spec and operations it does not implement', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    const unknown = await rejectionOf(
      octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner, repo }),
    );
    const unimplemented = await rejectionOf(octokit.rest.repos.listBranches({ owner, repo }));
    assert.equal(unknown.status, 404);
    assert.equal(unimplemented.status, 404);
    assert.deepEqual(
      github.violations.map((v) => v.kind),
      ['unknown-route', 'unimplemented'],
    );
    github.violations.length = 0;
  });

  it('refuses a second pull request for the same branch, as GitHub does', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    const error = await rejectionOf(
      octokit.rest.pulls.create({
        owner,
        repo,
        head: 'agent/fix-parser',
        base: 'trunk',
        title: 'Again',
      }),
    );
    assert.match(error.message, /A pull request already exists for octo-org:agent\/fix-parser/);
    assert.deepEqual(github.violations, []);
  });

  it('ignores a head filter without the owner prefix, as GitHub does', async () => {
    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    await octokit.rest.pulls.create({
      owner,
      repo,
      head: 'agent/other',
      base: 'trunk',
      title: 'Other',
    });
    const { data } = await octokit.rest.pulls.list({ owner, repo, head: 'agent/other' });
    assert.equal(data.length, 2, 'a bare branch name matches every open pull request');
    assert.deepEqual(github.violations, []);
  });

  it('answers a wrong token with 401 Bad credentials and a scripted failure once', async () => {
    const wrong = getOctokit('ghs_wrong', { baseUrl: github.url });
    const denied = await rejectionOf(wrong.rest.repos.get({ owner, repo }));
    assert.equal(denied.status, 401);
    assert.match(denied.message, /Bad credentials/);

    const octokit = getOctokit('ghs_stand_in_token', { baseUrl: github.url });
    github.failNext('issues/create-comment', 403, 'Resource not accessible by integration');
    const failed = await rejectionOf(
      octokit.rest.issues.createComment({ owner, repo, issue_number: 7, body: 'x' }),
    );
    assert.equal(failed.status, 403);
    const retried = await octokit.rest.issues.createComment({
      owner,
      repo,
      issue_number: 7,
      body: 'x',
    });
    assert.equal(retried.status, 201);
    assert.deepEqual(github.violations, []);
  });
});

describe('fake artifact server', () => {
  let artifacts: FakeArtifactServer;
  let workdir: string;
  before(async () => {
    artifacts = await startFakeArtifactServer();
    workdir = mkdtempSync(join(tmpdir(), 'stand-in-artifact-'));
  });
  after(async () => {
    await artifacts.close();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('accepts an upload from the real artifact client and keeps the files it zipped', async () => {
    mkdirSync(join(workdir, 'logs'));
    const audit = '{"seq":1,"type":"run.started"}\n';
    const patch = 'diff --git a/x b/x\n'.repeat(50_000);
    writeFileSync(join(workdir, 'logs', 'audit.jsonl'), audit);
    writeFileSync(join(workdir, 'change.patch'), patch);
    const result = await withEnv(artifacts.env, () =>
      new DefaultArtifactClient().uploadArtifact(
        'agent-audit',
        [join(workdir, 'logs', 'audit.jsonl'), join(workdir, 'change.patch')],
        workdir,
      ),
    );

    const stored = artifacts.artifacts[0];
    assert.equal(result.id, stored?.id);
    assert.equal(stored?.finalized, true);
    assert.equal(stored?.content?.length, result.size);
    const digest = createHash('sha256').update(stored!.content!).digest('hex');
    assert.equal(result.digest, digest);
    assert.equal(stored?.digest, `sha256:${digest}`);
    const files = artifacts.filesOf('agent-audit');
    assert.deepEqual([...files.keys()].sort(), ['change.patch', 'logs/audit.jsonl']);
    assert.equal(files.get('logs/audit.jsonl')?.toString('utf8'), audit);
    assert.equal(files.get('change.patch')?.toString('utf8'), patch);
    assert.deepEqual(artifacts.violations, []);
  });

  it('lists the uploaded artifact to the real client', async () => {
    const listed = await withEnv(artifacts.env, () => new DefaultArtifactClient().listArtifacts());
    assert.deepEqual(
      listed.artifacts.map((artifact) => artifact.name),
      ['agent-audit'],
    );
    assert.deepEqual(artifacts.violations, []);
  });

  it('reassembles an upload staged in several blocks in the committed order', async () => {
    // Random bytes do not compress, so the zip outgrows the client's 8 MiB block size.
    const noise = randomBytes(9 * 1024 * 1024);
    writeFileSync(join(workdir, 'noise.bin'), noise);
    const earlier = artifacts.requests.length;
    await withEnv(artifacts.env, () =>
      new DefaultArtifactClient().uploadArtifact('big', [join(workdir, 'noise.bin')], workdir),
    );
    const blocks = artifacts.requests
      .slice(earlier)
      .filter((request) => request.operation === 'PutBlock');
    assert.ok(blocks.length >= 2, `expected several staged blocks, saw ${blocks.length}`);
    assert.ok(artifacts.filesOf('big').get('noise.bin')?.equals(noise));
    assert.deepEqual(artifacts.violations, []);
  });

  it('refuses an upload whose runtime token names another run', async () => {
    writeFileSync(join(workdir, 'other.txt'), 'x');
    const env = { ...artifacts.env, ACTIONS_RUNTIME_TOKEN: makeRuntimeToken('other', 'job') };
    const error = await rejectionOf(
      withEnv(env, () =>
        new DefaultArtifactClient().uploadArtifact('other', [join(workdir, 'other.txt')], workdir),
      ),
    );
    assert.match(error.message, /invalid runtime token/);
    assert.equal(artifacts.violations.length, 1);
    artifacts.violations.length = 0;
  });
});

function pick(data: { permission: string; role_name: string }): [string, string] {
  return [data.permission, data.role_name];
}

// The artifact client reads its configuration from the environment at call time.
async function withEnv<T>(env: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return await run();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

interface Rejection {
  status?: number;
  code?: string | null;
  message: string;
}

/** The error a call must fail with; a call that succeeds fails the test. */
async function rejectionOf(call: Promise<unknown>): Promise<Rejection> {
  try {
    await call;
  } catch (error) {
    return error as Rejection;
  }
  assert.fail('expected the call to be refused');
}
