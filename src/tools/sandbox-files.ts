import { posix } from 'node:path';
import { describeStderr, execFixed } from './exec.ts';
import { isFolder, noSuchFile, notRegularFile, readFailed, writeFailed } from './messages.ts';
import type { ConfinedPath } from './paths.ts';
import { type ToolContext, ToolError } from './tool.ts';

/** Files holding a NUL byte in their first 8 KiB are treated as binary, as git does. */
const BINARY_PROBE_BYTES = 8000;

export interface FileHead {
  /** The first bytes of the file, at most the number asked for. */
  readonly data: Buffer;
  /** The file's whole size in bytes. */
  readonly size: number;
}

/** Throws the message the model should read unless the path is an existing regular file. */
export function requireFile(path: ConfinedPath): void {
  if (path.kind === 'missing') throw new ToolError(noSuchFile(path.display));
  if (path.kind === 'folder') throw new ToolError(isFolder(path.display));
  if (path.kind === 'other') throw new ToolError(notRegularFile(path.display));
}

/** Reads a file's size and its first `maxBytes` bytes in one exec. */
export async function readFileHead(
  context: ToolContext,
  path: ConfinedPath,
  maxBytes: number,
): Promise<FileHead> {
  const result = await execFixed(context, {
    argv: ['sh', '-c', 'wc -c < "$1" && head -c "$2" -- "$1"', 'sh', path.real, String(maxBytes)],
    action: `Reading "${path.display}"`,
    maxOutputBytes: maxBytes + 64,
  });
  if (result.exitCode !== 0) throw new ToolError(readFailed(path.display, describeStderr(result)));
  const sizeEnd = result.stdout.indexOf('\n');
  return {
    size: Number.parseInt(result.stdout.subarray(0, sizeEnd).toString('latin1').trim(), 10),
    data: result.stdout.subarray(sizeEnd + 1),
  };
}

/** Replaces the file's content (creating it and its folders), the content passed on stdin. */
export async function writeFileContent(
  context: ToolContext,
  path: ConfinedPath,
  content: string,
): Promise<void> {
  const result = await execFixed(context, {
    argv: ['sh', '-c', 'mkdir -p -- "$1" && cat > "$2"', 'sh', posix.dirname(path.real), path.real],
    action: `Writing "${path.display}"`,
    stdin: content,
    maxOutputBytes: 64 * 1024,
  });
  if (result.exitCode !== 0) throw new ToolError(writeFailed(path.display, describeStderr(result)));
}

export function looksBinary(data: Uint8Array): boolean {
  return data.subarray(0, BINARY_PROBE_BYTES).includes(0);
}
