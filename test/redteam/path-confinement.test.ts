// Red team, threat 3: the file tools (not the shell) are pointed outside the working directory
// through `..`, absolute paths and symbolic links, and fed arguments that look like options.
// Each attempt is refused with a clear message, or handled as plain data; the host is unchanged.
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
  logOf,
  runAttack,
  shell,
  useServices,
  type Attack,
} from '../support/redteam.ts';

const OUTSIDE = /^Refused: ".*" is outside the working directory \/workspace\./;
const THROUGH_LINK = /^Refused: ".*" leads through a symbolic link to .*, which is outside/;
/** What /etc/passwd of any Linux image begins with. */
const PASSWD_LINE = /root:x?:0:0:/;

function assertRefused(attack: Attack, id: string, message: RegExp): void {
  const seen = attack.result(id);
  assert.match(seen, message);
  assert.doesNotMatch(seen, PASSWD_LINE);
  assert.equal(attack.auditResult(id).refused, true, `call ${id} is audited as refused`);
}

describe('red team: path confinement of the file tools', () => {
  const services = useServices();

  it('refuses ../ paths out of the working directory in every file tool', async () => {
    const target = await checkoutTarget();
    const escape = '../../etc/passwd';
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            call('read', 'read_file', { path: escape }),
            call('lines', 'read_lines', { path: `src/${escape}`, start_line: 1 }),
            call('write', 'write_file', { path: '../host-secret.txt', content: 'pwned\n' }),
            call('edit', 'edit_file', {
              path: '../host-secret.txt',
              old_string: 'host-only',
              new_string: 'pwned',
            }),
            call('grep', 'grep', { pattern: 'root', path: '../../etc' }),
          ],
        },
        { content: 'Could not leave.' },
      ],
    });
    for (const id of ['read', 'lines', 'write', 'edit', 'grep']) assertRefused(attack, id, OUTSIDE);
    assert.equal(attack.run.outputs.status, 'no-changes', logOf(attack));
    await concludeAttack(attack);
  });

  it('refuses absolute paths to system and /proc files', async () => {
    const target = await checkoutTarget();
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            call('passwd', 'read_file', { path: '/etc/passwd' }),
            call('environ', 'read_lines', { path: '/proc/1/environ', start_line: 1 }),
            call('root', 'grep', { pattern: 'x', path: '/' }),
            call('host', 'read_file', { path: target.hostMarker }),
          ],
        },
        { content: 'Could not leave.' },
      ],
    });
    for (const id of ['passwd', 'environ', 'root', 'host']) assertRefused(attack, id, OUTSIDE);
    await concludeAttack(attack);
  });

  it('refuses to read through a symlink in the workspace that points outside it', async () => {
    const attack = await attackCheckout(services, {
      script: [
        {
          toolCalls: [
            shell('links', 'ln -s /etc/passwd passwd-link && ln -s /etc etc-link && echo linked'),
            call('read', 'read_file', { path: 'passwd-link' }),
            call('lines', 'read_lines', { path: 'etc-link/passwd', start_line: 1 }),
            call('grep', 'grep', { pattern: 'root', path: 'etc-link' }),
            call('find', 'find', { pattern: '*', path: 'etc-link' }),
            shell('cleanup', 'rm passwd-link etc-link'),
          ],
        },
        { content: 'Could not leave.' },
      ],
    });
    assert.match(attack.result('links'), /linked/);
    for (const id of ['read', 'lines', 'grep', 'find']) assertRefused(attack, id, THROUGH_LINK);
    assert.doesNotMatch(attack.result('find'), /passwd|shadow|hostname/);
    assert.equal(attack.run.outputs.status, 'no-changes', logOf(attack));
    await concludeAttack(attack);
  });

  it('refuses to write or edit through a symlink that points at a host file', async () => {
    const target = await checkoutTarget();
    const relative = path.relative(target.repo, target.hostMarker);
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            shell(
              'links',
              `ln -s '${relative}' relative-link && ln -s '${target.hostMarker}' absolute-link ` +
                '&& ln -s /tmp tmp-link && echo linked',
            ),
            call('relative', 'write_file', { path: 'relative-link', content: 'pwned\n' }),
            call('absolute', 'write_file', { path: 'absolute-link', content: 'pwned\n' }),
            call('folder', 'write_file', { path: 'tmp-link/dropped', content: 'pwned\n' }),
            call('edit', 'edit_file', {
              path: 'relative-link',
              old_string: 'host-only',
              new_string: 'pwned',
            }),
            shell('cleanup', 'rm relative-link absolute-link tmp-link'),
          ],
        },
        { content: 'Could not leave.' },
      ],
    });
    for (const id of ['relative', 'absolute', 'folder', 'edit']) {
      assertRefused(attack, id, THROUGH_LINK);
    }
    assert.equal(attack.run.outputs.status, 'no-changes', logOf(attack));
    assertContained(attack);
    await target.cleanup();
  });

  for (const engine of ['grep', 'ripgrep'] as const) {
    it(`treats ${engine} patterns and globs that start with '-' as data`, async () => {
      const target = await checkoutTarget({
        files: {
          'README.md': '# widgets\n',
          'notes.txt': 'flag --files here\nflag -f/etc/passwd here\nflag --help here\n',
        },
      });
      const attack = await runAttack(services, target, {
        script: [
          {
            toolCalls: [
              call('files', 'grep', { pattern: '--files' }),
              call('file-option', 'grep', { pattern: '-f/etc/passwd' }),
              call('help', 'grep', { pattern: '--help' }),
              call('pre', 'grep', { pattern: 'flag', file_glob: '--pre=sh' }),
            ],
          },
          { content: 'Searched.' },
        ],
        inputs: engine === 'ripgrep' ? { image: DEBIAN_IMAGE } : {},
      });
      assert.equal(attack.result('files').trimEnd(), 'notes.txt:1:flag --files here');
      assert.equal(attack.result('file-option').trimEnd(), 'notes.txt:2:flag -f/etc/passwd here');
      assert.equal(attack.result('help').trimEnd(), 'notes.txt:3:flag --help here');
      assert.match(attack.result('pre'), /^No matches for "flag"/);
      for (const id of ['files', 'file-option', 'help', 'pre']) {
        assert.doesNotMatch(attack.result(id), /Usage|USAGE|root:/);
      }
      assertContained(attack);
      await target.cleanup();
    });
  }

  it("handles files named '--help' and '-rf' as data in every file tool", async () => {
    const attack = await attackCheckout(services, {
      script: [
        {
          toolCalls: [
            call('write-help', 'write_file', { path: '--help', content: 'not an option\n' }),
            call('write-rf', 'write_file', { path: '-rf', content: 'nor this\n' }),
            call('read', 'read_file', { path: '--help' }),
            call('lines', 'read_lines', { path: '-rf', start_line: 1 }),
            call('edit', 'edit_file', { path: '-rf', old_string: 'nor', new_string: 'neither' }),
            call('grep', 'grep', { pattern: 'option', path: '--help' }),
            call('find', 'find', { pattern: '-*' }),
          ],
        },
        { content: 'Added two oddly named files.' },
      ],
    });
    assert.equal(attack.result('read'), 'not an option\n');
    assert.match(attack.result('lines'), /^\s*1\tnor this/);
    assert.match(attack.result('edit'), /^Edited "-rf" at line 1/);
    assert.equal(attack.result('grep').trimEnd(), '--help:1:not an option');
    assert.equal(attack.result('find').trimEnd(), '--help\n-rf');
    // Both files reach the pull request as files, and nothing else was removed.
    assert.equal(attack.run.outputs.status, 'pr-opened', logOf(attack));
    assert.deepEqual(attack.run.outputs['changed-files']!.split('\n').sort(), ['--help', '-rf']);
    const tree = execFileSync('git', ['ls-tree', '-r', '--name-only', attack.run.outputs.branch!], {
      cwd: attack.target.scratch.origin,
      encoding: 'utf8',
    });
    assert.deepEqual(tree.trim().split('\n').sort(), [
      '--help',
      '-rf',
      'README.md',
      'src/widget.js',
    ]);
    await concludeAttack(attack);
  });

  it("refuses find with a path of '..' and keeps a pattern with '..' inside", async () => {
    const attack = await attackCheckout(services, {
      script: [
        {
          toolCalls: [
            call('parent', 'find', { pattern: '*', path: '..' }),
            call('deep', 'find', { pattern: '*', path: 'src/../..' }),
            call('pattern', 'find', { pattern: '../../etc/*' }),
          ],
        },
        { content: 'Could not leave.' },
      ],
    });
    assertRefused(attack, 'parent', OUTSIDE);
    assertRefused(attack, 'deep', OUTSIDE);
    assert.match(attack.result('pattern'), /^No files match/);
    await concludeAttack(attack);
  });

  it('refuses a path with a newline or NUL that could split a command', async () => {
    const attack = await attackCheckout(services, {
      script: [
        {
          toolCalls: [
            call('newline', 'read_file', { path: 'README.md\n/etc/passwd' }),
            call('nul', 'write_file', { path: 'README.md\u0000../../x', content: 'x\n' }),
          ],
        },
        { content: 'Could not.' },
      ],
    });
    assertRefused(attack, 'newline', /^Refused: the path .* control character/);
    assertRefused(attack, 'nul', /^Refused: the path .* control character/);
    assert.equal(attack.run.outputs.status, 'no-changes', logOf(attack));
    await concludeAttack(attack);
  });
});
