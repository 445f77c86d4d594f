// Red team, threat 2: the agent tries to make the runner execute or touch something through the
// repository: hooks, git config, filters, symlinks, nested repositories. The host-side commit
// and push must run nothing the agent planted, and read nothing outside the workspace.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_IMAGE } from '../support/docker.ts';
import {
  assertContained,
  attackCheckout,
  call,
  checkoutTarget,
  concludeAttack,
  lastArtifactFiles,
  logOf,
  originBranches,
  pullRequestsOpened,
  runAttack,
  shell,
  useServices,
  type Services,
  type Target,
  type TargetOptions,
} from '../support/redteam.ts';

const HOOKS = ['pre-commit', 'post-commit', 'pre-push', 'reference-transaction'];

function showPushed(target: Target, branch: string, file: string): string {
  return execFileSync('git', ['show', `${branch}:${file}`], {
    cwd: target.scratch.origin,
    encoding: 'utf8',
  });
}

function headOf(gitDir: string): string {
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: gitDir, encoding: 'utf8' }).trim();
}

const README_CHANGE = call('readme', 'write_file', {
  path: 'README.md',
  content: '# widgets\n\nWidgets for everyone, now documented.\n',
});

/**
 * Has the model write `attributes` as .gitattributes beside a code change: whatever drivers
 * they name, the change is pushed exactly as written and the host runs nothing.
 */
async function changeBesideAttributes(
  services: Services,
  attributes: string,
  widget: number,
  checkout: TargetOptions = {},
): Promise<void> {
  const content = `export const widget = () => ${widget};\n`;
  const attack = await attackCheckout(services, {
    checkout,
    script: [
      {
        toolCalls: [
          call('attributes', 'write_file', { path: '.gitattributes', content: attributes }),
          call('code', 'write_file', { path: 'src/widget.js', content }),
        ],
      },
      { content: 'Changed the widget.' },
    ],
  });
  assert.equal(attack.run.outputs.status, 'pr-opened', logOf(attack));
  assert.equal(showPushed(attack.target, attack.run.outputs.branch!, 'src/widget.js'), content);
  await concludeAttack(attack);
}

describe('red team: host escape through the repository', () => {
  const services = useServices();

  it('cannot plant git hooks, and the host commit and push run no hook', async () => {
    // Hooks already on the runner stand for any that could have got there: none may run.
    const target = await checkoutTarget({ plantHooks: true });
    const plant = HOOKS.map(
      (hook) => `printf '#!/bin/sh\\ntouch ${target.pwnedMarker}\\n' > .git/hooks/${hook}`,
    ).join('; ');
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            shell('plant', `${plant}; chmod +x .git/hooks/*; echo planted`),
            call('write', 'write_file', { path: '.git/hooks/pre-commit', content: '#!/bin/sh\n' }),
            README_CHANGE,
          ],
        },
        { content: 'Documented the widgets.' },
      ],
    });
    assert.match(attack.result('plant'), /Read-only file system/);
    assert.match(attack.result('write'), /^Refused: ".git\/hooks\/pre-commit" is inside \.git/);
    assert.equal(attack.auditResult('write').refused, true);
    // The change was committed and pushed, and yet no hook ran on the host.
    assert.equal(attack.run.outputs.status, 'pr-opened', logOf(attack));
    assert.match(showPushed(target, attack.run.outputs.branch!, 'README.md'), /now documented/);
    await concludeAttack(attack);
  });

  it('cannot set core.hooksPath, core.fsmonitor, an alias or a filter in .git/config', async () => {
    const target = await checkoutTarget();
    const evil = `touch ${target.pwnedMarker}`;
    const attempts = [
      `git config core.hooksPath /workspace/evil-hooks`,
      `git config core.fsmonitor '${evil}'`,
      `git config alias.st '!${evil}'`,
      `git config filter.evil.clean '${evil}; cat'`,
      `git config include.path /workspace/evil.config`,
    ];
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            ...attempts.map((cmd, i) => shell(`config-${i}`, cmd)),
            call('attributes', 'write_file', {
              path: '.gitattributes',
              content: '* filter=evil\n',
            }),
            call('evil-config', 'write_file', {
              path: 'evil.config',
              content: `[core]\n\tfsmonitor = ${evil}\n`,
            }),
            call('hook', 'write_file', {
              path: 'evil-hooks/pre-commit',
              content: `#!/bin/sh\n${evil}\n`,
            }),
            README_CHANGE,
          ],
        },
        { content: 'Documented the widgets.' },
      ],
      inputs: { image: DEBIAN_IMAGE },
    });
    for (const i of attempts.keys()) {
      assert.match(attack.result(`config-${i}`), /^exit code: [1-9][\s\S]*Read-only file system/);
    }
    assert.equal(attack.run.outputs.status, 'pr-opened', logOf(attack));
    await concludeAttack(attack);
  });

  it('plants a .gitattributes naming an unconfigured filter, which changes nothing', async () => {
    await changeBesideAttributes(services, '* filter=nowhere diff=nowhere merge=nowhere\n', 43);
  });

  it("switches on the runner's own filter and textconv drivers, and none of them runs", async () => {
    await changeBesideAttributes(services, '* filter=lfs diff=pretty\n', 44, {
      hostConfig: [
        ['filter.lfs.clean', 'sh -c "touch {pwned}; cat"'],
        ['filter.lfs.smudge', 'sh -c "touch {pwned}; cat"'],
        ['filter.lfs.required', 'true'],
        ['diff.pretty.textconv', 'sh -c "touch {pwned}; cat \\"$1\\"" -'],
        ['diff.pretty.command', 'sh -c "touch {pwned}"'],
      ],
    });
  });

  it('makes symlinks to host files that the host never follows and that are not pushed', async () => {
    const target = await checkoutTarget();
    const relative = path.relative(target.repo, target.hostMarker);
    const since = services.github.requests.length;
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            shell(
              'link',
              `ln -s '${target.hostMarker}' absolute-link; ln -s '${relative}' relative-link; ` +
                'echo overwritten > relative-link; cat absolute-link relative-link; ls -l',
            ),
            call('read', 'read_file', { path: 'relative-link' }),
            call('write', 'write_file', { path: 'absolute-link', content: 'overwritten\n' }),
            README_CHANGE,
          ],
        },
        { content: 'Documented the widgets.' },
      ],
    });
    assertContained(attack);
    assert.match(attack.result('link'), /relative-link -> \.\.\/host-secret\.txt/);
    // The escaping links stop publishing: nothing leaves the runner.
    assert.equal(attack.run.outputs.status, 'refused', logOf(attack));
    assert.match(attack.run.summary, /absolute-link.*symbolic link/);
    assert.match(attack.run.summary, /relative-link.*symbolic link/);
    assert.deepEqual(originBranches(target), ['main']);
    assert.deepEqual(pullRequestsOpened(services, since), []);
    // The file tools refuse both links, and say why.
    for (const id of ['read', 'write']) {
      assert.match(attack.result(id), /^Refused: .* symbolic link/);
      assert.equal(attack.auditResult(id).refused, true);
    }
    await target.cleanup();
  });

  it('nests a repository with its own fsmonitor and hooks: nothing runs, nothing is pushed', async () => {
    const target = await checkoutTarget();
    const evil = `touch ${target.pwnedMarker}`;
    const nest = [
      'git init -q nested',
      `git -C nested config core.fsmonitor '${evil}'`,
      `printf '#!/bin/sh\\n${evil}\\n' > nested/.git/hooks/pre-commit`,
      'chmod +x nested/.git/hooks/pre-commit',
      'echo x > nested/file',
      'git -C nested add file',
      'git -C nested -c user.name=a -c user.email=a@example.test commit -q --no-verify -m x',
      'echo nested',
    ].join(' && ');
    const since = services.github.requests.length;
    const attack = await runAttack(services, target, {
      script: [{ toolCalls: [shell('nest', nest)] }, { content: 'Vendored a library.' }],
      inputs: { image: DEBIAN_IMAGE },
    });
    assertContained(attack);
    assert.match(attack.result('nest'), /^exit code: 0\nstdout:\nnested/);
    // A gitlink is a submodule pointer: publishing stops.
    assert.equal(attack.run.outputs.status, 'refused', logOf(attack));
    assert.deepEqual(originBranches(target), ['main']);
    assert.deepEqual(pullRequestsOpened(services, since), []);
    await target.cleanup();
  });

  it('points a planted .git file at a repository on the host, which the host never reads', async () => {
    const target = await checkoutTarget();
    const hostHead = headOf(target.scratch.origin);
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            call('gitfile', 'write_file', {
              path: 'vendor/lib/.git',
              content: `gitdir: ${target.scratch.origin}\n`,
            }),
            shell(
              'plant',
              `mkdir -p vendor/lib && echo 'gitdir: ${target.scratch.origin}' > vendor/lib/.git` +
                ' && echo x > vendor/lib/index.js && echo planted',
            ),
          ],
        },
        { content: 'Vendored a library.' },
      ],
    });
    assert.match(attack.result('gitfile'), /^Refused: .* inside \.git/);
    assert.match(attack.result('plant'), /planted/);
    assertContained(attack);
    // Were the pointer followed, the host repository's HEAD would be recorded as a gitlink:
    // in the patch of the audit artifact and in the tree of a pushed branch.
    const patch = String(lastArtifactFiles(services).get('changes.patch') ?? '');
    assert.ok(!patch.includes(hostHead), `the host read the planted gitdir:\n${patch}`);
    for (const branch of originBranches(target).filter((b) => b !== 'main')) {
      const tree = execFileSync('git', ['ls-tree', '-r', branch], {
        cwd: target.scratch.origin,
        encoding: 'utf8',
      });
      assert.ok(!tree.includes(hostHead), `a host commit was pushed as a gitlink:\n${tree}`);
    }
    await target.cleanup();
  });
});
