import picomatch from 'picomatch';
import type { AuditRecorder } from '../audit/events.ts';
import { GLOB_OPTIONS } from '../config/protected-paths.ts';
import type { Settings } from '../config/settings.ts';
import type { CapturedChanges, ChangedFile } from './capture.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * Most bytes of content that one change may add or leave changed, summed over its files (as
 * `stats.contentBytes` counts them). Measured on content rather than on the patch: a patch
 * also repeats what was removed, and deleting a big file adds no risk.
 */
export const MAX_CHANGE_CONTENT_BYTES = 10 * MIB;

/** How long a symlink target may be when quoted in a reason. */
const MAX_QUOTED_TARGET_CHARS = 200;

export type VetRule =
  | 'nested-repository'
  | 'outside-working-directory'
  | 'protected-path'
  | 'submodule'
  | 'escaping-symlink'
  | 'file-size'
  | 'change-size';

export interface VetPolicy {
  /** Globs from `protected-paths`; empty protects nothing. */
  readonly protectedPaths: readonly string[];
  readonly maxFileBytes: number;
  readonly maxChangeBytes: number;
  /**
   * The folder the agent was confined to, `.` for the whole repository. The file tools refuse
   * paths outside it, but a shell can still write there; such changes are not published.
   */
  readonly workingDirectory: string;
}

export interface VetReason {
  readonly rule: VetRule;
  /** The repository-relative path at fault; `.` when the change as a whole is. */
  readonly path: string;
  /** A sentence for the job summary that names the path and the rule. */
  readonly message: string;
}

export type VetVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reasons: readonly VetReason[] };

/** The policy a run's settings ask for. */
export function vetPolicyFor(
  settings: Pick<Settings, 'protectedPaths' | 'maxFileBytes' | 'workingDirectory'>,
): VetPolicy {
  return {
    workingDirectory: settings.workingDirectory,
    protectedPaths: settings.protectedPaths,
    maxFileBytes: settings.maxFileBytes,
    maxChangeBytes: Math.max(MAX_CHANGE_CONTENT_BYTES, settings.maxFileBytes),
  };
}

/**
 * Decides whether a captured change may be published. Pure: it judges the captured tree's
 * metadata (paths, modes, blob sizes, link targets as text) and never reads the working tree.
 */
export function vetChanges(changes: CapturedChanges, policy: VetPolicy): VetVerdict {
  const protection = compileProtection(policy.protectedPaths);
  const reasons = [
    ...changes.files.flatMap((file) => vetFile(file, policy, protection)),
    ...vetWholeChange(changes, policy),
  ];
  return reasons.length === 0 ? { ok: true } : { ok: false, reasons };
}

/**
 * Vets the change and records a refusal as a `changes.refused` audit event. Returns the
 * refusal as text for the summary, or undefined when the change may be published.
 */
export function tryRefuseChanges(
  changes: CapturedChanges,
  policy: VetPolicy,
  audit: AuditRecorder,
): string | undefined {
  const verdict = vetChanges(changes, policy);
  if (verdict.ok) return undefined;
  audit.record('changes.refused', { reasons: verdict.reasons });
  return describeRefusal(verdict.reasons);
}

/** The refusal as the summary, the warning and the local command show it. */
export function describeRefusal(reasons: readonly VetReason[]): string {
  return [
    'The change was not published:',
    ...reasons.map((reason) => `- ${reason.message}`),
    'Make these changes yourself, or change the protected-paths, max-file-size or ' +
      'working-directory input if the policy is wrong for this repository.',
  ].join('\n');
}

function vetFile(file: ChangedFile, policy: VetPolicy, protection: Protection): VetReason[] {
  return [
    outsideReason(file, policy.workingDirectory),
    protectedPathReason(file, protection),
    submoduleReason(file),
    symlinkReason(file),
    fileSizeReason(file, policy),
  ].filter((reason) => reason !== undefined);
}

function outsideReason(file: ChangedFile, workingDirectory: string): VetReason | undefined {
  if (workingDirectory === '.') return undefined;
  const prefix = `${workingDirectory}/`;
  const outside = touchedPaths(file).find((path) => !path.startsWith(prefix));
  if (outside === undefined) return undefined;
  return {
    rule: 'outside-working-directory',
    path: outside,
    message:
      `${showPath(outside)} is outside the working directory ${showPath(workingDirectory)}; ` +
      `the change ${describeTouch(file)}.`,
  };
}

function protectedPathReason(file: ChangedFile, protection: Protection): VetReason | undefined {
  for (const path of touchedPaths(file)) {
    const why = protection.find(path);
    if (why !== undefined) {
      return {
        rule: 'protected-path',
        path,
        message: `${showPath(path)} ${why}; the change ${describeTouch(file)}.`,
      };
    }
  }
  return undefined;
}

/** Submodule pointers and their configuration pull in another repository's code unreviewed. */
function submoduleReason(file: ChangedFile): VetReason | undefined {
  const config = touchedPaths(file).find((path) => path.split('/').at(-1) === '.gitmodules');
  const path = file.isSubmodule ? file.path : config;
  if (path === undefined) return undefined;
  const what = file.isSubmodule ? 'a submodule pointer (gitlink)' : 'the submodule configuration';
  return {
    rule: 'submodule',
    path,
    message:
      `${showPath(path)} is ${what}; the change ${describeTouch(file)}, and submodule ` +
      'changes are never published.',
  };
}

function symlinkReason(file: ChangedFile): VetReason | undefined {
  if (!file.isSymlink || !file.symlinkEscapes || file.status === 'deleted') return undefined;
  return {
    rule: 'escaping-symlink',
    path: file.path,
    message:
      `${showPath(file.path)} is a symbolic link to ` +
      `${quoteTarget(file.symlinkTarget ?? '')}, outside the repository or into .git; such ` +
      'links are never published.',
  };
}

function fileSizeReason(file: ChangedFile, policy: VetPolicy): VetReason | undefined {
  if (file.size <= policy.maxFileBytes) return undefined;
  return {
    rule: 'file-size',
    path: file.path,
    message:
      `${showPath(file.path)} is ${formatBytes(file.size)}, over the limit of ` +
      `${formatBytes(policy.maxFileBytes)} per file (max-file-size).`,
  };
}

function vetWholeChange(changes: CapturedChanges, policy: VetPolicy): VetReason[] {
  const content = changes.stats.contentBytes;
  if (content > policy.maxChangeBytes) {
    return [
      {
        rule: 'change-size',
        path: '.',
        message:
          `The change holds ${formatBytes(content)} of content in ${changes.files.length} ` +
          `files, over the limit of ${formatBytes(policy.maxChangeBytes)} per change.`,
      },
    ];
  }
  if (changes.patchOmitted) {
    return [
      {
        rule: 'change-size',
        path: '.',
        message:
          'The change is too large to record as a patch for review (big files replaced or ' +
          'removed); make it yourself.',
      },
    ];
  }
  return [];
}

/** A rename touches both its paths: moving a workflow out of `.github/workflows` deletes it. */
function touchedPaths(file: ChangedFile): string[] {
  return file.oldPath !== undefined ? [file.oldPath, file.path] : [file.path];
}

function describeTouch(file: ChangedFile): string {
  switch (file.status) {
    case 'added':
      return 'adds it';
    case 'deleted':
      return 'deletes it';
    case 'renamed':
      return `renames ${showPath(file.oldPath ?? '')} to ${showPath(file.path)}`;
    default:
      return 'changes it';
  }
}

interface Protection {
  /** Why `path` is protected, as the end of a sentence that starts with it; else undefined. */
  find(path: string): string | undefined;
}

/**
 * A path is protected when a glob matches it or a folder above it (so `.github/workflows`
 * covers its files), and also when it stands where a folder that holds protected paths should
 * be: a file or symlink named `.github` would redirect `.github/workflows/**`.
 */
function compileProtection(globs: readonly string[]): Protection {
  const guards = globs.map((glob) => ({
    glob,
    matches: picomatch(glob, GLOB_OPTIONS),
    base: picomatch.scan(glob, GLOB_OPTIONS).base,
  }));
  return {
    find(path) {
      const candidates = selfAndAncestors(path);
      for (const { glob, matches, base } of guards) {
        if (candidates.some((candidate) => matches(candidate))) {
          return `is a protected path ('${glob}' in protected-paths)`;
        }
        if (base !== '' && (base === path || base.startsWith(`${path}/`))) {
          return `stands where the protected '${glob}' (protected-paths) lives`;
        }
      }
      return undefined;
    },
  };
}

function selfAndAncestors(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** A path as written, unless it holds control characters that could fake lines of the text. */
function showPath(path: string): string {
  return /[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path;
}

function quoteTarget(target: string): string {
  const flat = JSON.stringify(target);
  return flat.length > MAX_QUOTED_TARGET_CHARS
    ? `${flat.slice(0, MAX_QUOTED_TARGET_CHARS)}…`
    : flat;
}

export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  if (bytes >= KIB) return `${(bytes / KIB).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
