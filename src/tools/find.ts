import { z } from 'zod';
import { capText, decodeUtf8Prefix } from './capping.ts';
import { describeStderr, execFixed } from './exec.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  listingIncomplete,
  noFilesFound,
  noSuchFolder,
  notAFolder,
  notRegularFile,
  searchFailed,
  TOOL_DESCRIPTIONS,
  TRUNCATION_HINTS,
} from './messages.ts';
import { confinePath, displayFromSearch, searchLocation } from './paths.ts';
import { posixFiles, ripgrepFiles } from './search-commands.ts';
import { defineTool, ToolError } from './tool.ts';

const MAX_DEPTH = 100;
/** A listing longer than this is rarely read; the note asks for a narrower one. */
const MAX_FILES = 1000;
const LISTING_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;

const schema = z.strictObject({
  pattern: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.findPattern),
  path: z.string().min(1).optional().describe(ARGUMENT_DESCRIPTIONS.findPath),
  max_depth: z.int().min(1).max(MAX_DEPTH).optional().describe(ARGUMENT_DESCRIPTIONS.maxDepth),
});

export const findTool = defineTool({
  name: 'find',
  description: TOOL_DESCRIPTIONS.find,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path ?? '.');
    if (path.kind === 'missing') throw new ToolError(noSuchFolder(path.display));
    if (path.kind === 'file') throw new ToolError(notAFolder(path.display));
    if (path.kind === 'other') throw new ToolError(notRegularFile(path.display));
    const location = searchLocation(path);
    const query = { pattern: args.pattern, target: location.target, maxDepth: args.max_depth };
    const argv = (await runtime.hasRipgrep()) ? ripgrepFiles(query) : posixFiles(query);
    const result = await execFixed(runtime, {
      argv,
      action: `Listing "${path.display}"`,
      cwd: location.cwd,
      maxOutputBytes: LISTING_MAX_OUTPUT_BYTES,
    });
    const incomplete = result.droppedBytes.stdout > 0;
    const stdout = incomplete ? decodeUtf8Prefix(result.stdout) : result.stdout.toString('utf8');
    const files = listedFiles(stdout, incomplete)
      .map((line) => displayFromSearch(location, line))
      .sort();
    if (files.length === 0) {
      if (result.stderr.length > 0 && result.exitCode !== 1) {
        throw new ToolError(searchFailed(describeStderr(result)));
      }
      return noFilesFound(args.pattern, path.display);
    }
    const listing = capText(`${files.join('\n')}\n`, {
      maxLines: MAX_FILES,
      hint: TRUNCATION_HINTS.find,
    });
    return incomplete ? `${listing}${listingIncomplete()}` : listing;
  },
});

/** The printed paths; a line cut off by the output cap is left out. */
function listedFiles(stdout: string, incomplete: boolean): string[] {
  const lines = stdout.split('\n');
  if (incomplete) lines.pop();
  return lines.filter((line) => line !== '');
}
