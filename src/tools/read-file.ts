import { z } from 'zod';
import { capText, RESULT_LIMITS } from './capping.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  binaryFile,
  emptyFile,
  formatBytes,
  TOOL_DESCRIPTIONS,
  TRUNCATION_HINTS,
} from './messages.ts';
import { confinePath } from './paths.ts';
import { looksBinary, readFileHead, requireFile } from './sandbox-files.ts';
import { defineTool, ToolError } from './tool.ts';

const schema = z.strictObject({
  path: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.filePath),
});

export const readFileTool = defineTool({
  name: 'read_file',
  description: TOOL_DESCRIPTIONS.read_file,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path);
    requireFile(path);
    const { data, size } = await readFileHead(runtime, path, RESULT_LIMITS.maxBytes);
    if (size === 0) return emptyFile(path.display);
    if (looksBinary(data)) throw new ToolError(binaryFile(path.display, formatBytes(size)));
    return capText(data, {
      droppedBytes: Math.max(0, size - data.length),
      hint: TRUNCATION_HINTS.readFile,
    });
  },
});
