import { z } from 'zod';
import { splitLines } from './capping.ts';
import { shortDiff } from './diff-summary.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  binaryReplaced,
  fileCreated,
  fileUnchanged,
  fileUpdated,
  formatBytes,
  isFolder,
  notRegularFile,
  previousContentTooLarge,
} from './messages.ts';
import { TOOL_DESCRIPTIONS } from './messages.ts';
import { type ConfinedPath, confinePath, refuseGitInternals } from './paths.ts';
import { looksBinary, readFileHead, writeFileContent } from './sandbox-files.ts';
import { defineTool, type ToolContext, ToolError } from './tool.ts';

/** Past this the previous content is not read back for a diff. */
const DIFF_SOURCE_MAX_BYTES = 1024 * 1024;

const schema = z.strictObject({
  path: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.writePath),
  content: z.string().describe(ARGUMENT_DESCRIPTIONS.content),
});

export const writeFileTool = defineTool({
  name: 'write_file',
  description: TOOL_DESCRIPTIONS.write_file,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path);
    refuseGitInternals(path, args.path);
    if (path.kind === 'folder') throw new ToolError(isFolder(path.display));
    if (path.kind === 'other') throw new ToolError(notRegularFile(path.display));
    if (path.kind === 'missing') {
      await writeFileContent(runtime, path, args.content);
      return fileCreated(path.display, splitLines(args.content).length);
    }
    const before = await readPrevious(runtime, path);
    if (before.text === args.content) return fileUnchanged(path.display);
    await writeFileContent(runtime, path, args.content);
    const diff =
      before.text === undefined ? before.note : shortDiff(path.display, before.text, args.content);
    return diff === undefined ? fileUpdated(path.display) : `${fileUpdated(path.display)}\n${diff}`;
  },
});

interface PreviousContent {
  /** Absent when the previous content cannot be diffed; `note` says why. */
  readonly text?: string;
  readonly note?: string;
}

async function readPrevious(context: ToolContext, path: ConfinedPath): Promise<PreviousContent> {
  const { data, size } = await readFileHead(context, path, DIFF_SOURCE_MAX_BYTES);
  if (size > data.length) return { note: previousContentTooLarge(formatBytes(size)) };
  if (looksBinary(data)) return { note: binaryReplaced(formatBytes(size)) };
  return { text: data.toString('utf8') };
}
