import { randomBytes } from 'node:crypto';
import { DefaultArtifactClient } from '@actions/artifact';
import type { ArtifactClient } from '@actions/artifact';

/** What became of the upload. Never thrown: a lost artifact must not fail a finished run. */
export type ArtifactUploadResult =
  | {
      readonly status: 'uploaded';
      readonly name: string;
      readonly id: number | undefined;
      readonly size: number | undefined;
    }
  | { readonly status: 'skipped'; readonly name: string; readonly reason: string }
  | { readonly status: 'failed'; readonly name: string; readonly reason: string };

export interface ArtifactUploadOptions {
  /** Default: `process.env`. Decides whether the Actions runtime is there at all. */
  readonly env?: NodeJS.ProcessEnv;
  /** Default: `DefaultArtifactClient`, which talks to the runner's results service. */
  readonly client?: Pick<ArtifactClient, 'uploadArtifact'>;
}

/** Set by the runner for steps that may use the artifact service; absent everywhere else. */
const RUNTIME_VARIABLES = ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL'] as const;

/** Characters the artifact service refuses in a name. */
const INVALID_NAME_CHARACTERS = /["':<>|*?\r\n\\/]/g;

/**
 * A name no other upload in the workflow run can hold: artifact names are unique per run, and
 * a run can reach this code several times (re-run attempts, several jobs, matrix legs of one
 * job, the action used twice in a job). Run id, attempt and job make the name readable where
 * it is downloaded; the random suffix separates matrix legs and repeated steps, which the
 * environment cannot tell apart. Outside Actions the parts read `local`.
 */
export function auditArtifactName(
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
  suffix: string = randomBytes(3).toString('hex'),
): string {
  const parts = [
    prefix,
    env['GITHUB_RUN_ID'] || 'local',
    env['GITHUB_RUN_ATTEMPT'] || '1',
    env['GITHUB_JOB'] || 'local',
    suffix,
  ];
  return parts.map((part) => part.replace(INVALID_NAME_CHARACTERS, '-')).join('-');
}

/** Uploads the audit files as one artifact when the Actions runtime is present. */
export async function uploadAuditArtifact(
  name: string,
  files: string[],
  rootDirectory: string,
  options: ArtifactUploadOptions = {},
): Promise<ArtifactUploadResult> {
  const env = options.env ?? process.env;
  const missing = RUNTIME_VARIABLES.filter((variable) => !env[variable]);
  if (missing.length > 0) {
    const reason = `not running in GitHub Actions (${missing.join(' and ')} not set)`;
    return { status: 'skipped', name, reason };
  }
  if (files.length === 0) return { status: 'skipped', name, reason: 'there are no files' };
  try {
    const client = options.client ?? new DefaultArtifactClient();
    const response = await client.uploadArtifact(name, files, rootDirectory);
    return { status: 'uploaded', name, id: response.id, size: response.size };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { status: 'failed', name, reason };
  }
}
