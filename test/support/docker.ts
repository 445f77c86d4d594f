import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine, type Engine } from '../../src/sandbox/engine.ts';

export const BUSYBOX_IMAGE = 'sandbox-test-busybox:latest';
export const DEBIAN_IMAGE = 'sandbox-test-debian:latest';

/** Fails the calling test loudly when no engine answers: Docker-backed tests never skip. */
export async function requireEngine(): Promise<Engine> {
  try {
    return await connectEngine('auto');
  } catch (error) {
    throw new Error(
      `These tests need a running Docker engine (start dockerd, or run .ci/run): ${error}`,
    );
  }
}

/** The uid the sandbox runs as in tests: ours, or 1001 (GitHub's runner uid) when we are root. */
export function sandboxUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 1001;
  const gid = process.getgid?.() ?? 1001;
  return uid === 0 ? { uid: 1001, gid: 1001 } : { uid, gid };
}

/** A scratch workspace owned by the sandbox user. */
export function makeWorkspace(prefix = 'ws-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const { uid, gid } = sandboxUser();
  if (process.getuid?.() === 0) chownSync(dir, uid, gid);
  return dir;
}

export function containersWithLabel(label: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], {
    encoding: 'utf8',
  });
  return out.split('\n').filter(Boolean);
}
