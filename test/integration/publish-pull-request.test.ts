import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { getOctokit } from '@actions/github';
import { openOrUpdatePullRequest } from '../../src/publish/pull-request.ts';
import type { GitHubClient, PullRequestRequest } from '../../src/publish/pull-request.ts';

interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string;
  readonly body: Record<string, unknown>;
}

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

type Route = (request: RecordedRequest) => Reply | undefined;

const TOKEN = 'ghs_PullRequestTestToken';
const REQUEST: PullRequestRequest = {
  owner: 'octo',
  repo: 'widgets',
  head: 'agent/fix-parser-12',
  base: 'main',
  task: 'Fix the parser so that it accepts ISO week dates everywhere in the input handling code',
  body: '## Summary\n\n> Fixed it.\n',
  draft: true,
  labels: ['agent', 'needs-review'],
};

let server: Server;
let octokit: GitHubClient;
let recorded: RecordedRequest[];
let routes: Route[];

beforeEach(async () => {
  recorded = [];
  routes = [];
  server = createServer((request, response) => void answer(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  octokit = getOctokit(TOKEN, { baseUrl: `http://127.0.0.1:${port}`, retry: { enabled: false } });
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const entry: RecordedRequest = {
    method: request.method ?? '',
    path: request.url ?? '',
    authorization: request.headers.authorization ?? '',
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
  recorded.push(entry);
  const reply = routes.map((route) => route(entry)).find(Boolean) ?? notFound();
  response.writeHead(reply.status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(reply.body));
}

function notFound(): Reply {
  return { status: 404, body: { message: 'Not Found' } };
}

function pull(number: number): Record<string, unknown> {
  return { number, html_url: `https://github.com/octo/widgets/pull/${number}`, state: 'open' };
}

function on(method: string, path: RegExp, reply: (request: RecordedRequest) => Reply): void {
  routes.push((request) =>
    request.method === method && path.test(request.path) ? reply(request) : undefined,
  );
}

function githubWithNoOpenPullRequest(): void {
  on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
  on('POST', /^\/repos\/octo\/widgets\/pulls$/, () => ({ status: 201, body: pull(12) }));
  on('POST', /^\/repos\/octo\/widgets\/issues\/\d+\/labels$/, () => ({ status: 200, body: [] }));
}

describe('opening the pull request', () => {
  test('opens a draft pull request titled from the task, then labels it', async () => {
    githubWithNoOpenPullRequest();

    const result = await openOrUpdatePullRequest(octokit, REQUEST);

    assert.deepEqual(result, {
      number: 12,
      url: 'https://github.com/octo/widgets/pull/12',
      outcome: 'opened',
      warnings: [],
    });
    const lookup = recorded[0];
    assert.match(lookup?.path ?? '', /head=octo%3Aagent%2Ffix-parser-12/);
    assert.match(lookup?.path ?? '', /state=open/);
    const created = recorded.find((r) => r.method === 'POST' && r.path.endsWith('/pulls'));
    assert.deepEqual(created?.body, {
      head: 'agent/fix-parser-12',
      base: 'main',
      title: 'Fix the parser so that it accepts ISO week dates everywhere in the in…',
      body: REQUEST.body,
      draft: true,
    });
    const labelled = recorded.find((r) => r.path.endsWith('/issues/12/labels'));
    assert.deepEqual(labelled?.body, { labels: ['agent', 'needs-review'] });
    assert.equal(created?.authorization, `token ${TOKEN}`);
  });

  test('updates the open pull request from the same branch, opening no other', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [pull(5)] }));
    on('PATCH', /^\/repos\/octo\/widgets\/pulls\/5$/, () => ({ status: 200, body: pull(5) }));
    on('POST', /^\/repos\/octo\/widgets\/issues\/5\/labels$/, () => ({ status: 200, body: [] }));

    const result = await openOrUpdatePullRequest(octokit, REQUEST);

    assert.equal(result.outcome, 'updated');
    assert.equal(result.number, 5);
    const patched = recorded.find((r) => r.method === 'PATCH');
    assert.equal(patched?.body.body, REQUEST.body);
    const opened = recorded.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls'));
    assert.equal(opened.length, 0);
  });

  test('sends no label request when no labels are configured', async () => {
    githubWithNoOpenPullRequest();

    await openOrUpdatePullRequest(octokit, { ...REQUEST, labels: [], draft: false });

    assert.equal(
      recorded.some((r) => r.path.includes('/labels')),
      false,
    );
    const created = recorded.find((r) => r.method === 'POST');
    assert.equal(created?.body.draft, false);
  });

  test('falls back to a ready pull request where drafts are not supported, and warns', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
    on('POST', /^\/repos\/octo\/widgets\/pulls$/, (request) =>
      request.body.draft
        ? {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ message: 'Draft pull requests are not supported in this repository.' }],
            },
          }
        : { status: 201, body: pull(13) },
    );

    const result = await openOrUpdatePullRequest(octokit, { ...REQUEST, labels: [] });

    assert.equal(result.number, 13);
    assert.match(result.warnings.join('\n'), /does not support draft/);
  });

  test('a label failure leaves the pull request open and becomes a warning', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
    on('POST', /^\/repos\/octo\/widgets\/pulls$/, () => ({ status: 201, body: pull(14) }));
    on('POST', /\/labels$/, () => ({ status: 403, body: { message: 'Resource not accessible' } }));

    const result = await openOrUpdatePullRequest(octokit, REQUEST);

    assert.equal(result.outcome, 'opened');
    assert.match(result.warnings.join('\n'), /Could not add the labels agent, needs-review/);
  });
});

describe('when GitHub refuses the pull request', () => {
  test('says to allow Actions to create pull requests when the setting forbids it', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
    on('POST', /^\/repos\/octo\/widgets\/pulls$/, () => ({
      status: 403,
      body: { message: 'GitHub Actions is not permitted to create or approve pull requests.' },
    }));

    await assert.rejects(openOrUpdatePullRequest(octokit, REQUEST), {
      name: 'PublishError',
      message: /Could not open a pull request \(HTTP 403/,
      hint: /Allow GitHub Actions to create and approve pull requests/,
    });
  });

  test('says to grant pull-requests: write when the token may not open one', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
    on('POST', /^\/repos\/octo\/widgets\/pulls$/, () => ({
      status: 403,
      body: { message: 'Resource not accessible by integration' },
    }));

    await assert.rejects(openOrUpdatePullRequest(octokit, REQUEST), {
      name: 'PublishError',
      hint: /pull-requests: write/,
    });
  });

  test('names the base branch when GitHub finds nothing to compare', async () => {
    on('GET', /^\/repos\/octo\/widgets\/pulls\?/, () => ({ status: 200, body: [] }));
    on('POST', /^\/repos\/octo\/widgets\/pulls$/, () => ({
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ message: 'No commits between main and x' }],
      },
    }));

    await assert.rejects(openOrUpdatePullRequest(octokit, REQUEST), {
      name: 'PublishError',
      message: /No commits between main and x/,
      hint: /base-branch/,
    });
  });
});
