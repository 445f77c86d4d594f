import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { captureChanges } from '../../src/changes/capture.ts';
import { createGit } from '../../src/changes/git.ts';
import type { Git } from '../../src/changes/git.ts';
import { buildCommitMessage, createBranchCommit } from '../../src/publish/commit.ts';
import { basicCredential, pushBranch } from '../../src/publish/push.ts';
import { createScratchRepo } from '../support/scratch-git-repo.ts';
import type { ScratchRepo } from '../support/scratch-git-repo.ts';

const TOKEN = 'ghs_TestTokenValue0123456789abcdef';
const EXPECTED_HEADER = `basic ${basicCredential(TOKEN)}`;
const BRANCH = 'agent/http-push-5';
const QUIET_PUSH = { branch: BRANCH, token: TOKEN, registerSecret: (): void => {} };

type Answer = 'serve' | 401 | 403;

/** What the stand-in GitHub remote saw: every Authorization header, and argv leaks. */
interface Observed {
  authorizations: string[][];
  tokenInArgv: boolean;
}

let scratch: ScratchRepo;
let git: Git;
let server: Server;
let remoteUrl: string;
let answer: Answer;
let observed: Observed;

beforeEach(async () => {
  scratch = await createScratchRepo({ 'README.md': 'hello\n' });
  answer = 'serve';
  observed = { authorizations: [], tokenInArgv: false };
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  remoteUrl = `http://127.0.0.1:${port}/owner/origin.git`;
  await scratch.git(['remote', 'set-url', 'origin', remoteUrl]);
  await plantStaleCredentials(port);
  git = await createGit(scratch.repo);
  await scratch.write('CHANGELOG.md', 'Pushed over http\n');
  const captured = await captureChanges(scratch.repo);
  await createBranchCommit(git, {
    tree: captured.tree,
    parent: captured.baseCommit,
    branch: BRANCH,
    message: buildCommitMessage('Update the changelog'),
  });
});

afterEach(async () => {
  await git.dispose();
  await new Promise((resolve) => server.close(resolve));
  await scratch.cleanup();
});

/** What actions/checkout leaves behind: a header in .git/config and one in an included file. */
async function plantStaleCredentials(port: number): Promise<void> {
  const hostKey = `http.http://127.0.0.1:${port}/.extraheader`;
  await scratch.git(['config', hostKey, 'AUTHORIZATION: basic STALE']);
  await scratch.git(['config', '--add', 'http.extraheader', 'AUTHORIZATION: basic GENERIC']);
  const included = join(scratch.root, 'checkout-credentials.config');
  const section = `[http "${remoteUrl}"]\n\textraheader = AUTHORIZATION: basic INCLUDED\n`;
  await writeFile(included, section);
  await scratch.git(['config', `includeIf.gitdir:${scratch.repo}/.git/.path`, included]);
}

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  observed.authorizations.push(headerValues(request, 'authorization'));
  observed.tokenInArgv ||= await isTokenInAnyArgv();
  if (answer !== 'serve') {
    response.writeHead(answer, { 'WWW-Authenticate': 'Basic realm="GitHub"' }).end('denied');
    return;
  }
  if (request.headers.authorization !== EXPECTED_HEADER) {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="GitHub"' }).end();
    return;
  }
  serveWithHttpBackend(request, response);
}

function headerValues(request: IncomingMessage, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const header = request.rawHeaders[i]?.toLowerCase();
    if (header === name) values.push(request.rawHeaders[i + 1] ?? '');
  }
  return values;
}

/** Reads every process's command line while git is waiting on this request. */
async function isTokenInAnyArgv(): Promise<boolean> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes(TOKEN) || argv.includes(basicCredential(TOKEN))) return true;
  }
  return false;
}

/** Real smart-HTTP service: git's own CGI program over the scratch repository's bare origin. */
function serveWithHttpBackend(request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: scratch.root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: 'x-access-token',
      REQUEST_METHOD: request.method ?? 'GET',
      PATH_INFO: url.pathname.replace(/^\/owner/, ''),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      CONTENT_LENGTH: request.headers['content-length'] ?? '',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: scratch.root,
    },
  });
  request.pipe(backend.stdin);
  const chunks: Buffer[] = [];
  backend.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  backend.on('close', () => writeCgiResponse(Buffer.concat(chunks), response));
}

function writeCgiResponse(output: Buffer, response: ServerResponse): void {
  const split = output.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of output.subarray(0, split).toString('latin1').split('\r\n')) {
    const [name = '', ...rest] = line.split(':');
    if (name.toLowerCase() === 'status') status = Number.parseInt(rest.join(':').trim(), 10);
    else if (name !== '') headers[name] = rest.join(':').trim();
  }
  response.writeHead(status, headers).end(output.subarray(split + 4));
}

describe('pushing to an http(s) remote', () => {
  test('sends the token as one Authorization header and nowhere on a command line', async () => {
    const result = await pushBranch(git, QUIET_PUSH);

    assert.equal(result.authenticated, true);
    assert.equal(result.remoteUrl, remoteUrl);
    assert.ok(observed.authorizations.length >= 2, 'git made its discovery and push requests');
    for (const headers of observed.authorizations) assert.deepEqual(headers, [EXPECTED_HEADER]);
    assert.equal(observed.tokenInArgv, false);
    assert.equal(
      await scratch.git(['rev-parse', `${BRANCH}^{tree}`], scratch.origin),
      await scratch.git(['rev-parse', `${BRANCH}^{tree}`]),
    );
  });

  test('writes the token into no file of the repository', async () => {
    await pushBranch(git, QUIET_PUSH);

    const config = await readFile(join(scratch.repo, '.git', 'config'), 'utf8');
    assert.doesNotMatch(config, new RegExp(TOKEN));
    assert.doesNotMatch(config, new RegExp(basicCredential(TOKEN)));
    const fetchHead = await scratch.git(['for-each-ref', '--format=%(refname)']);
    assert.doesNotMatch(fetchHead, new RegExp(TOKEN));
  });

  test('registers the header credential for masking before git sees it', async () => {
    const masked: string[] = [];

    await pushBranch(git, { ...QUIET_PUSH, registerSecret: (value) => masked.push(value) });

    assert.ok(masked.includes(basicCredential(TOKEN)));
    assert.ok(masked.includes(`AUTHORIZATION: ${EXPECTED_HEADER}`));
  });

  test('a 403 from GitHub is a PublishError that says to grant contents: write', async () => {
    answer = 403;

    await assert.rejects(pushBranch(git, QUIET_PUSH), {
      name: 'PublishError',
      hint: /contents: write/,
    });
    assert.equal(observed.tokenInArgv, false);
  });

  test('a rejected token is a PublishError pointing at github-token, not a prompt', async () => {
    answer = 401;

    await assert.rejects(pushBranch(git, QUIET_PUSH), {
      name: 'PublishError',
      hint: /github-token/,
    });
  });

  test('control: plain git would have sent the stale headers the push clears', async () => {
    answer = 401;

    await assert.rejects(scratch.git(['push', 'origin', BRANCH]));

    const sent = observed.authorizations.flat();
    assert.ok(sent.includes('basic INCLUDED') || sent.includes('basic STALE'), sent.join(', '));
  });
});
