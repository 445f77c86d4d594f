// Runs as root, like a self-hosted runner that runs jobs as root: .ci/run runs this tier as
// root after the rest of the suite ran as the unprivileged runner user.
import assert from 'node:assert/strict';
import { readdirSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  API_KEY,
  runAction,
  scriptedModelInputs,
  serviceEnv,
  useServices,
} from '../support/action-harness.ts';
import { BUSYBOX_IMAGE, requireEngine } from '../support/docker.ts';
import { startFakeModelServer, toolResultsOf } from '../support/fake-model-server.ts';
import { createScratchRepo } from '../support/scratch-git-repo.ts';

function owners(dir: string): Set<string> {
  const seen = new Set<string>();
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const stat = lstatSync(path.join(dir, name));
    seen.add(`${stat.uid}:${stat.gid}`);
  }
  return seen;
}

describe('a checkout that belongs to root', () => {
  const services = useServices(async () => {
    assert.equal(process.getuid?.(), 0, 'this tier must run as root (see .ci/run)');
    await requireEngine();
  });

  it('is worked on by an unprivileged sandbox user and given back to root', async () => {
    const scratch = await createScratchRepo({ 'README.md': '# demo\n' });
    assert.deepEqual([...owners(scratch.repo)], ['0:0']);
    const model = await startFakeModelServer({
      apiKey: API_KEY,
      script: [
        {
          toolCalls: [
            { name: 'run_shell', arguments: { cmd: 'id -u; echo made > made.txt; git status -s' } },
            { name: 'write_file', arguments: { path: 'docs/new.md', content: 'new\n' } },
          ],
        },
        { content: 'Added two files.' },
      ],
    });
    const run = await runAction({
      workspace: scratch.repo,
      inputs: {
        task: 'Add two files',
        ...scriptedModelInputs(model.url),
        image: BUSYBOX_IMAGE,
        tools: 'write_file,run_shell',
      },
      env: serviceEnv(services),
    });
    await model.close();
    assert.equal(run.exitCode, 0, run.stdout + run.stderr);
    const shell = toolResultsOf(model.chatRequests[1]!)[0]!.content;
    assert.match(shell, /^65532$/m, shell);
    assert.equal(run.outputs.status, 'pr-opened');
    assert.deepEqual(run.outputs['changed-files']!.split('\n').sort(), ['docs/new.md', 'made.txt']);
    assert.deepEqual([...owners(scratch.repo)], ['0:0'], 'every file belongs to root again');
    await scratch.cleanup();
  });
});
