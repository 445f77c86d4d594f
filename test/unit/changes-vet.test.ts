import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedChanges, ChangedFile } from '../../src/changes/capture.ts';
import {
  describeRefusal,
  formatBytes,
  MAX_CHANGE_CONTENT_BYTES,
  tryRefuseChanges,
  vetChanges,
  vetPolicyFor,
  type VetPolicy,
  type VetReason,
} from '../../src/changes/vet.ts';

const MIB = 1024 ** 2;
const DEFAULT_POLICY: VetPolicy = vetPolicyFor({
  protectedPaths: ['.github/workflows/**'],
  maxFileBytes: MIB,
  workingDirectory: '.',
});

function file(path: string, overrides: Partial<ChangedFile> = {}): ChangedFile {
  return {
    path,
    status: 'modified',
    additions: 1,
    deletions: 1,
    isBinary: false,
    isSymlink: false,
    isSubmodule: false,
    mode: '100644',
    oldMode: '100644',
    size: 100,
    symlinkEscapes: false,
    ...overrides,
  };
}

function changesOf(files: ChangedFile[], extra: Partial<CapturedChanges> = {}): CapturedChanges {
  return {
    baseCommit: 'a'.repeat(40),
    tree: 'b'.repeat(40),
    files,
    patch: 'diff',
    patchBytes: Buffer.from('diff'),
    patchOmitted: false,
    stats: {
      filesChanged: files.length,
      additions: 0,
      deletions: 0,
      patchBytes: 4,
      contentBytes: files.reduce((total, f) => total + f.size, 0),
    },
    ...extra,
  };
}

function reasonsFor(files: ChangedFile[], policy = DEFAULT_POLICY): readonly VetReason[] {
  const verdict = vetChanges(changesOf(files), policy);
  return verdict.ok ? [] : verdict.reasons;
}

function rulesFor(files: ChangedFile[], policy = DEFAULT_POLICY): string[] {
  return reasonsFor(files, policy).map((reason) => `${reason.rule} ${reason.path}`);
}

describe('vetting: ordinary changes', () => {
  it('lets an ordinary change through', () => {
    const verdict = vetChanges(
      changesOf([
        file('src/date.js'),
        file('docs/new.md', { status: 'added', oldMode: '000000' }),
        file('old.txt', { status: 'deleted', size: 0 }),
        file('.github/dependabot.yml'),
        file('link', { isSymlink: true, mode: '120000', symlinkTarget: 'src/date.js' }),
      ]),
      DEFAULT_POLICY,
    );
    assert.deepEqual(verdict, { ok: true });
  });
});

describe('vetting: protected paths', () => {
  it('refuses adding, changing and deleting a workflow under the default glob', () => {
    assert.deepEqual(
      rulesFor([
        file('.github/workflows/evil.yml', { status: 'added' }),
        file('.github/workflows/ci.yml'),
        file('.github/workflows/nested/old.yml', { status: 'deleted', size: 0 }),
      ]),
      [
        'protected-path .github/workflows/evil.yml',
        'protected-path .github/workflows/ci.yml',
        'protected-path .github/workflows/nested/old.yml',
      ],
    );
  });

  it('names the path, the glob and what the change did in words', () => {
    const [reason] = reasonsFor([file('.github/workflows/evil.yml', { status: 'added' })]);
    assert.equal(
      reason?.message,
      ".github/workflows/evil.yml is a protected path ('.github/workflows/**' in " +
        'protected-paths); the change adds it.',
    );
  });

  it('refuses a rename out of a protected folder, through its old path', () => {
    const reasons = reasonsFor([
      file('ci.yml', { status: 'renamed', oldPath: '.github/workflows/ci.yml' }),
    ]);
    assert.equal(reasons.length, 1);
    assert.equal(reasons[0]?.path, '.github/workflows/ci.yml');
    assert.match(reasons[0]!.message, /renames \.github\/workflows\/ci\.yml to ci\.yml/);
  });

  it('refuses a rename into a protected folder', () => {
    assert.deepEqual(
      rulesFor([file('.github/workflows/x.yml', { status: 'renamed', oldPath: 'x.yml' })]),
      ['protected-path .github/workflows/x.yml'],
    );
  });

  it('refuses a file or symlink standing where the protected folder belongs', () => {
    assert.deepEqual(
      rulesFor([
        file('.github', { status: 'added', isSymlink: true, mode: '120000', symlinkTarget: 'ci' }),
        file('.github/workflows', { status: 'added' }),
      ]),
      ['protected-path .github', 'protected-path .github/workflows'],
    );
  });

  it('matches case-sensitively, as GitHub reads paths', () => {
    assert.deepEqual(rulesFor([file('.GitHub/Workflows/evil.yml', { status: 'added' })]), []);
    assert.deepEqual(rulesFor([file('.github/Workflows/evil.yml', { status: 'added' })]), []);
  });

  it('does not treat a workflows folder deeper in the tree as protected', () => {
    assert.deepEqual(rulesFor([file('pkg/.github/workflows/ci.yml', { status: 'added' })]), []);
  });

  it('lets a pattern without wildcards cover everything below it', () => {
    const policy = { ...DEFAULT_POLICY, protectedPaths: ['deploy', 'secrets/*.key'] };
    assert.deepEqual(
      rulesFor(
        [file('deploy/prod/values.yml'), file('secrets/a.key'), file('secrets/a.pub')],
        policy,
      ),
      ['protected-path deploy/prod/values.yml', 'protected-path secrets/a.key'],
    );
  });

  it('matches dot files and folders with wildcards', () => {
    const policy = { ...DEFAULT_POLICY, protectedPaths: ['**/*.env', 'config/*'] };
    assert.deepEqual(rulesFor([file('a/.b/.env'), file('config/.secret')], policy), [
      'protected-path a/.b/.env',
      'protected-path config/.secret',
    ]);
  });

  it('protects nothing when the list is empty', () => {
    const policy = { ...DEFAULT_POLICY, protectedPaths: [] };
    assert.deepEqual(rulesFor([file('.github/workflows/ci.yml')], policy), []);
  });
});

describe('vetting: submodules', () => {
  it('refuses a new, moved or removed submodule pointer', () => {
    const gitlink = { isSubmodule: true, mode: '160000', size: 0 };
    assert.deepEqual(
      rulesFor([
        file('vendor/lib', { ...gitlink, status: 'added', oldMode: '000000' }),
        file('vendor/other', { ...gitlink, oldMode: '160000' }),
        file('vendor/gone', { ...gitlink, status: 'deleted', oldMode: '160000' }),
      ]),
      ['submodule vendor/lib', 'submodule vendor/other', 'submodule vendor/gone'],
    );
  });

  it('refuses a change to .gitmodules, also when renamed away', () => {
    assert.deepEqual(
      rulesFor([
        file('.gitmodules'),
        file('notes.txt', { status: 'renamed', oldPath: '.gitmodules' }),
      ]),
      ['submodule .gitmodules', 'submodule .gitmodules'],
    );
    const [reason] = reasonsFor([file('.gitmodules')]);
    assert.match(reason!.message, /submodule configuration.*never published/);
  });
});

describe('vetting: symlinks', () => {
  it('refuses a symlink that escapes the repository and quotes its target', () => {
    const reasons = reasonsFor([
      file('leak', {
        status: 'added',
        isSymlink: true,
        mode: '120000',
        symlinkTarget: '/etc/passwd',
        symlinkEscapes: true,
      }),
    ]);
    assert.deepEqual(
      reasons.map((r) => r.rule),
      ['escaping-symlink'],
    );
    assert.match(reasons[0]!.message, /^leak is a symbolic link to "\/etc\/passwd", outside/);
  });

  it('does not object to deleting a symlink that used to escape', () => {
    const deleted = file('old-link', {
      status: 'deleted',
      isSymlink: true,
      mode: '120000',
      symlinkEscapes: false,
      size: 0,
    });
    assert.deepEqual(rulesFor([deleted]), []);
  });

  it('quotes a path with a line break, so it cannot fake a line of the refusal', () => {
    const [reason] = reasonsFor([file('.github/workflows/a\n- all fine.yml', { status: 'added' })]);
    assert.match(reason!.message, /^"\.github\/workflows\/a\\n- all fine\.yml" is a protected/);
    assert.doesNotMatch(describeRefusal([reason!]), /\n- all fine/);
  });

  it('shortens a very long target in the reason', () => {
    const target = `/${'x'.repeat(5000)}`;
    const [reason] = reasonsFor([
      file('l', { isSymlink: true, symlinkTarget: target, symlinkEscapes: true, size: 5001 }),
    ]);
    assert.ok(reason!.message.length < 400, reason!.message);
  });
});

describe('vetting: sizes', () => {
  it('refuses a file over the per-file cap, stating both sizes', () => {
    const reasons = reasonsFor([file('big.bin', { status: 'added', size: 2 * MIB })]);
    assert.deepEqual(
      reasons.map((r) => r.rule),
      ['file-size'],
    );
    assert.equal(
      reasons[0]!.message,
      'big.bin is 2.0 MiB, over the limit of 1.0 MiB per file (max-file-size).',
    );
  });

  it('accepts a file of exactly the cap', () => {
    assert.deepEqual(rulesFor([file('edge.bin', { size: MIB })]), []);
  });

  it('refuses a change whose files add up to more than the total cap', () => {
    const files = Array.from({ length: 11 }, (_, i) => file(`part-${i}.bin`, { size: MIB }));
    assert.deepEqual(rulesFor(files), ['change-size .']);
    assert.match(reasonsFor(files)[0]!.message, /11\.0 MiB of content in 11 files.*10\.0 MiB/);
  });

  it('refuses a change too large to hold as a patch', () => {
    const verdict = vetChanges(
      changesOf([file('huge.txt', { status: 'deleted', size: 0 })], {
        patchOmitted: true,
      }),
      DEFAULT_POLICY,
    );
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.reasons[0]?.rule, 'change-size');
  });

  it('raises the total cap to a per-file cap set above it', () => {
    const policy = vetPolicyFor({
      protectedPaths: [],
      maxFileBytes: 15 * MIB,
      workingDirectory: '.',
    });
    assert.equal(policy.maxChangeBytes, 15 * MIB);
    assert.equal(
      vetPolicyFor({ protectedPaths: [], maxFileBytes: MIB, workingDirectory: '.' }).maxChangeBytes,
      MAX_CHANGE_CONTENT_BYTES,
    );
    assert.deepEqual(rulesFor([file('model.bin', { size: 12 * MIB })], policy), []);
  });

  it('writes sizes for people', () => {
    assert.equal(formatBytes(512), '512 bytes');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(10 * MIB), '10.0 MiB');
  });
});

describe('vetting: reporting', () => {
  it('lists every reason of every file, and how to proceed', () => {
    const text = describeRefusal(
      reasonsFor([
        file('.github/workflows/evil.yml', { status: 'added', size: 3 * MIB }),
        file('.gitmodules'),
      ]),
    );
    const lines = text.split('\n');
    assert.equal(lines[0], 'The change was not published:');
    assert.equal(lines.filter((line) => line.startsWith('- ')).length, 3);
    assert.match(text, /protected-paths.*max-file-size/s);
  });

  it('records a refusal in the audit log, and nothing for a clean change', () => {
    const events: Array<[string, Readonly<Record<string, unknown>>]> = [];
    const audit = {
      record: (type: string, data: Readonly<Record<string, unknown>>) => events.push([type, data]),
    };
    assert.equal(tryRefuseChanges(changesOf([file('a.txt')]), DEFAULT_POLICY, audit), undefined);
    assert.equal(events.length, 0);
    const refusal = tryRefuseChanges(
      changesOf([file('.github/workflows/x.yml')]),
      DEFAULT_POLICY,
      audit,
    );
    assert.match(refusal ?? '', /x\.yml is a protected path/);
    assert.equal(events.length, 1);
    assert.equal(events[0]![0], 'changes.refused');
    const reasons = events[0]![1].reasons as VetReason[];
    assert.deepEqual(
      reasons.map((r) => [r.rule, r.path]),
      [['protected-path', '.github/workflows/x.yml']],
    );
  });
});

describe('changes outside the working directory', () => {
  const confined = vetPolicyFor({
    protectedPaths: [],
    maxFileBytes: MIB,
    workingDirectory: 'packages/api',
  });

  it('refuses a file the shell wrote outside the folder the agent was confined to', () => {
    const verdict = vetChanges(changesOf([file('packages/web/index.js')]), confined);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.reasons[0]?.rule, 'outside-working-directory');
    assert.match(!verdict.ok ? verdict.reasons[0]!.message : '', /packages\/api/);
  });

  it('refuses a rename that moves a file in from outside', () => {
    const moved = file('packages/api/a.js', { status: 'renamed', oldPath: 'lib/a.js' });
    assert.deepEqual(rulesFor([moved], confined), ['outside-working-directory lib/a.js']);
  });

  it('accepts changes inside it, and anything when it is the repository root', () => {
    assert.deepEqual(rulesFor([file('packages/api/src/a.js')], confined), []);
    assert.deepEqual(rulesFor([file('packages/web/index.js')], DEFAULT_POLICY), []);
  });

  it('does not mistake a sibling with the same prefix for the folder', () => {
    assert.deepEqual(rulesFor([file('packages/api-v2/a.js')], confined), [
      'outside-working-directory packages/api-v2/a.js',
    ]);
  });
});
