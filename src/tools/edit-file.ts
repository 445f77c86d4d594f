import { z } from 'zod';
import { shortDiff } from './diff-summary.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  ARGUMENT_PROBLEMS,
  binaryFile,
  fileEdited,
  fileTooLargeToEdit,
  formatBytes,
  notUtf8,
  oldStringAmbiguous,
  oldStringHasLineNumbers,
  oldStringNotFound,
  TOOL_DESCRIPTIONS,
} from './messages.ts';
import { type ConfinedPath, confinePath, refuseGitInternals } from './paths.ts';
import { looksBinary, readFileHead, requireFile, writeFileContent } from './sandbox-files.ts';
import { closestLines, findOccurrences, hasLineNumberPrefix, lineNumberAt } from './text-match.ts';
import { defineTool, type ToolContext, ToolError } from './tool.ts';

/** Edits happen in the action's memory; larger files are better changed with a command. */
const EDIT_MAX_BYTES = 1024 * 1024;

const schema = z
  .strictObject({
    path: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.filePath),
    old_string: z.string().describe(ARGUMENT_DESCRIPTIONS.oldString),
    new_string: z.string().describe(ARGUMENT_DESCRIPTIONS.newString),
  })
  .refine((args) => args.old_string !== '', {
    message: ARGUMENT_PROBLEMS.emptyOldString,
    path: ['old_string'],
  })
  .refine((args) => args.old_string !== args.new_string, {
    message: ARGUMENT_PROBLEMS.sameStrings,
    path: ['new_string'],
  });

export const editFileTool = defineTool({
  name: 'edit_file',
  description: TOOL_DESCRIPTIONS.edit_file,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path);
    refuseGitInternals(path, args.path);
    requireFile(path);
    const before = await readEditable(runtime, path);
    const edit = locateEdit(path.display, before, args.old_string, args.new_string);
    const after =
      before.slice(0, edit.index) +
      edit.replacement +
      before.slice(edit.index + edit.target.length);
    await writeFileContent(runtime, path, after);
    const summary = fileEdited(path.display, lineNumberAt(before, edit.index));
    const diff = shortDiff(path.display, before, after);
    return diff === undefined ? summary : `${summary}\n${diff}`;
  },
});

async function readEditable(context: ToolContext, path: ConfinedPath): Promise<string> {
  const { data, size } = await readFileHead(context, path, EDIT_MAX_BYTES);
  if (size > data.length) {
    throw new ToolError(
      fileTooLargeToEdit(path.display, formatBytes(size), formatBytes(EDIT_MAX_BYTES)),
    );
  }
  if (looksBinary(data)) throw new ToolError(binaryFile(path.display, formatBytes(size)));
  try {
    // Strict, and keeping a byte-order mark: a lossy decode would corrupt the file on write.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch {
    throw new ToolError(notUtf8(path.display));
  }
}

interface Edit {
  readonly index: number;
  readonly target: string;
  readonly replacement: string;
}

/**
 * Finds the one place to edit. A file with CRLF line ends is matched with the model's LF text
 * converted, since models rarely reproduce carriage returns.
 */
export function locateEdit(
  display: string,
  text: string,
  target: string,
  replacement: string,
): Edit {
  let found = findOccurrences(text, target);
  if (found.length === 0 && text.includes('\r\n') && !target.includes('\r')) {
    const crlfTarget = target.replaceAll('\n', '\r\n');
    const crlfFound = findOccurrences(text, crlfTarget);
    if (crlfFound.length > 0) {
      found = crlfFound;
      target = crlfTarget;
      replacement = replacement.replaceAll('\n', '\r\n');
    }
  }
  const [first] = found;
  if (first === undefined) throw new ToolError(notFoundMessage(display, text, target));
  if (found.length > 1) {
    throw new ToolError(
      oldStringAmbiguous(
        display,
        found.map((i) => lineNumberAt(text, i)),
      ),
    );
  }
  return { index: first, target, replacement };
}

function notFoundMessage(display: string, text: string, target: string): string {
  const message = oldStringNotFound(display, closestLines(text, target));
  return hasLineNumberPrefix(target) ? `${message}\n${oldStringHasLineNumbers()}` : message;
}
