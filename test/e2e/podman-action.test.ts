import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { connectEngine, type Engine } from '../../src/sandbox/engine.ts';
import {
  API_KEY,
  GITHUB_TOKEN,
  runAction,
  runPostStep,
  scriptedModelInputs,
  serviceEnv,
  useServices,
} from '../support/action-harness.ts';
import { BUSYBOX_IMAGE } from '../support/docker.ts';
import { startFakeModelServer, toolResultsOf } from '../support/fake-model-server.ts';
import { containersOfSession } from '../support/sandbox-cases.ts';
import { createScratchRepo } from '../support/scratch-git-repo.ts';

describe('the action with engine: podman', () => {
  let podman: Engine;
  const services = useServices(async () => {
    try {
      podman = await connectEngine('podman');
    } catch (error) {
      throw new Error(`These tests need Podman's API service (run .ci/run): ${error}`);
    }
  });

  it('runs the agent in a Podman sandbox and opens the pull request', async () => {
    const repo = await createScratchRepo({ 'src/date.js': 'export const MONTH_BASE = 1;\n' });
    const model = await startFakeModelServer({
      apiKey: API_KEY,
      script: [
        {
          toolCalls: [
            {
              name: 'run_shell',
              arguments: { cmd: 'id -u; cat /proc/1/environ | tr "\\0" "\\n"' },
            },
            {
              name: 'edit_file',
              arguments: {
                path: 'src/date.js',
                old_string: 'MONTH_BASE = 1',
                new_string: 'MONTH_BASE = 0',
              },
            },
          ],
        },
        { content: 'Months are 0-based now.' },
      ],
    });
    const run = await runAction({
      workspace: repo.repo,
      inputs: {
        task: 'Make months 0-based',
        ...scriptedModelInputs(model.url),
        image: BUSYBOX_IMAGE,
        engine: 'podman',
        tools: 'read_file,edit_file,run_shell',
      },
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.status, 'pr-opened');
    assert.match(run.stdout, /Sandbox engine: podman at \/run\/podman\/podman\.sock/);

    const branch = run.outputs.branch!;
    const pushed = await repo.git(['show', `${branch}:src/date.js`], repo.origin);
    assert.equal(pushed, 'export const MONTH_BASE = 0;');

    // The commands ran in Podman's sandbox, as the workspace owner, with Podman's marker.
    const shell = toolResultsOf(model.chatRequests[1]!).find((r) => r.name === 'run_shell');
    assert.match(shell?.content ?? '', new RegExp(`\\b${process.getuid?.()}\\b`));
    assert.match(shell?.content ?? '', /container=podman/);
    assert.doesNotMatch(shell?.content ?? '', new RegExp(`${API_KEY}|${GITHUB_TOKEN}`));

    const log = readFileSync(run.outputs['audit-log']!, 'utf8');
    assert.equal(verifyAuditLog(log).ok, true);
    const start = log
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((event) => event.type === 'sandbox.start');
    assert.equal(start?.data.engine, 'podman');

    // Nothing is left in Podman once the step ends; the post step finds nothing to remove.
    const left = await containersOfSession(podman, run.state['sandbox-session']!);
    assert.deepEqual(left, []);
    assert.equal((await runPostStep(run)).exitCode, 0);
    await repo.cleanup();
  });
});
