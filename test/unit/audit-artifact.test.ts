import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ArtifactClient } from '@actions/artifact';
import { auditArtifactName, uploadAuditArtifact } from '../../src/audit/artifact.ts';

const RUNTIME_ENV = {
  ACTIONS_RUNTIME_TOKEN: 'runtime-token',
  ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/',
};

type Upload = { name: string; files: string[]; rootDirectory: string };

/** Stands in for the results service, which unit tests cannot reach. */
function recordingClient(uploads: Upload[]): Pick<ArtifactClient, 'uploadArtifact'> {
  return {
    uploadArtifact: async (name, files, rootDirectory) => {
      uploads.push({ name, files, rootDirectory });
      return { id: 7, size: 1234, digest: 'abc' };
    },
  };
}

describe('naming the audit artifact', () => {
  test('the name carries the prefix, run id, attempt, job and a suffix', () => {
    const env = { GITHUB_RUN_ID: '98765', GITHUB_RUN_ATTEMPT: '2', GITHUB_JOB: 'agent' };
    assert.equal(
      auditArtifactName('agent-audit', env, 'c0ffee'),
      'agent-audit-98765-2-agent-c0ffee',
    );
  });

  test('two uploads in the same job attempt get different names', () => {
    const env = { GITHUB_RUN_ID: '1', GITHUB_RUN_ATTEMPT: '1', GITHUB_JOB: 'matrix' };
    assert.notEqual(auditArtifactName('audit', env), auditArtifactName('audit', env));
  });

  test('outside Actions the name still forms; characters the service refuses become dashes', () => {
    assert.equal(auditArtifactName('my/audit:log', {}, 'x'), 'my-audit-log-local-1-local-x');
  });
});

describe('uploading the audit artifact', () => {
  test('without the Actions runtime the upload is skipped, naming what is missing', async () => {
    const uploads: Upload[] = [];
    const result = await uploadAuditArtifact('audit', ['/tmp/a.jsonl'], '/tmp', {
      env: { ACTIONS_RESULTS_URL: 'http://127.0.0.1:9/' },
      client: recordingClient(uploads),
    });
    assert.deepEqual(result, {
      status: 'skipped',
      name: 'audit',
      reason: 'not running in GitHub Actions (ACTIONS_RUNTIME_TOKEN not set)',
    });
    assert.deepEqual(uploads, []);
  });

  test('with nothing to upload the upload is skipped', async () => {
    const result = await uploadAuditArtifact('audit', [], '/tmp', { env: RUNTIME_ENV });
    assert.deepEqual(result, { status: 'skipped', name: 'audit', reason: 'there are no files' });
  });

  test('with the runtime present the files are uploaded under the given name', async () => {
    const uploads: Upload[] = [];
    const result = await uploadAuditArtifact(
      'agent-audit-1-1-job-abc',
      ['/w/audit.jsonl', '/w/changes.patch'],
      '/w',
      { env: RUNTIME_ENV, client: recordingClient(uploads) },
    );
    assert.deepEqual(result, {
      status: 'uploaded',
      name: 'agent-audit-1-1-job-abc',
      id: 7,
      size: 1234,
    });
    assert.deepEqual(uploads, [
      {
        name: 'agent-audit-1-1-job-abc',
        files: ['/w/audit.jsonl', '/w/changes.patch'],
        rootDirectory: '/w',
      },
    ]);
  });

  test('a failing upload is returned as a failure with its message instead of thrown', async () => {
    const result = await uploadAuditArtifact('audit', ['/w/audit.jsonl'], '/w', {
      env: RUNTIME_ENV,
      client: {
        uploadArtifact: async () => {
          throw new Error('CreateArtifact: response from backend was not ok');
        },
      },
    });
    assert.deepEqual(result, {
      status: 'failed',
      name: 'audit',
      reason: 'CreateArtifact: response from backend was not ok',
    });
  });

  test('the real client reports a file that does not exist as a failure, not a crash', async () => {
    const missing = join(tmpdir(), 'no-such-audit-log.jsonl');
    const result = await uploadAuditArtifact('audit', [missing], tmpdir(), { env: RUNTIME_ENV });
    assert.deepEqual(result, {
      status: 'failed',
      name: 'audit',
      reason: `File ${missing} does not exist`,
    });
  });
});
