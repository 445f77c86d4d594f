import { z } from 'zod';
import { capLineLength, capText, decodeUtf8Prefix } from './capping.ts';
import { describeStderr, execFixed } from './exec.ts';
import {
  ARGUMENT_DESCRIPTIONS,
  matchesCapped,
  noMatches,
  noSuchFolder,
  notRegularFile,
  searchFailed,
  TOOL_DESCRIPTIONS,
  TRUNCATION_HINTS,
} from './messages.ts';
import { confinePath, displayFromSearch, searchLocation } from './paths.ts';
import { posixSearch, ripgrepSearch } from './search-commands.ts';
import { defineTool, ToolError } from './tool.ts';

const DEFAULT_MAX_RESULTS = 100;
const MAX_RESULTS = 1000;
/** A match in minified code can be one enormous line; the path and number are what matter. */
const MAX_MATCH_LINE_CHARS = 500;
const SEARCH_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;
// GNU grep reports matches in binary files with a line of its own instead of the text.
const BINARY_NOTICE = /^Binary file .* matches$/;

const schema = z.strictObject({
  pattern: z.string().min(1).describe(ARGUMENT_DESCRIPTIONS.grepPattern),
  path: z.string().min(1).optional().describe(ARGUMENT_DESCRIPTIONS.searchPath),
  file_glob: z.string().min(1).optional().describe(ARGUMENT_DESCRIPTIONS.fileGlob),
  case_sensitive: z.boolean().optional().describe(ARGUMENT_DESCRIPTIONS.caseSensitive),
  max_results: z
    .int()
    .min(1)
    .max(MAX_RESULTS)
    .optional()
    .describe(ARGUMENT_DESCRIPTIONS.maxResults),
});

export const grepTool = defineTool({
  name: 'grep',
  description: TOOL_DESCRIPTIONS.grep,
  schema,
  async run(args, runtime) {
    const path = await confinePath(runtime, args.path ?? '.');
    if (path.kind === 'missing') throw new ToolError(noSuchFolder(path.display));
    if (path.kind === 'other') throw new ToolError(notRegularFile(path.display));
    const location = searchLocation(path);
    const query = {
      pattern: args.pattern,
      target: location.target,
      fileGlob: args.file_glob,
      caseSensitive: args.case_sensitive ?? true,
    };
    const argv = (await runtime.hasRipgrep()) ? ripgrepSearch(query) : posixSearch(query);
    const result = await execFixed(runtime, {
      argv,
      action: `Searching "${path.display}"`,
      cwd: location.cwd,
      maxOutputBytes: SEARCH_MAX_OUTPUT_BYTES,
    });
    const dropped = result.droppedBytes.stdout;
    const stdout = dropped > 0 ? decodeUtf8Prefix(result.stdout) : result.stdout.toString('utf8');
    const lines = stdout.split('\n');
    if (dropped > 0) lines.pop(); // cut off mid-line by the output cap
    const matches = lines.filter((line) => line !== '' && !BINARY_NOTICE.test(line));
    if (matches.length === 0) {
      // Error output without a match is worth showing (a bad regular expression, an unreadable
      // folder); exit codes cannot tell it apart, since find reports grep's failures as 1.
      if (result.stderr.length > 0) {
        throw new ToolError(searchFailed(describeStderr(result)));
      }
      return noMatches(args.pattern, path.display, args.file_glob);
    }
    const shown = sortMatches(matches.map((line) => displayFromSearch(location, line)));
    return formatMatches(shown, args.max_results ?? DEFAULT_MAX_RESULTS, dropped > 0);
  },
});

function formatMatches(matches: readonly string[], maxResults: number, hasMore: boolean): string {
  const shown = matches.slice(0, maxResults);
  const text = capLineLength(shown.join('\n'), MAX_MATCH_LINE_CHARS);
  const capped = capText(`${text}\n`, { hint: TRUNCATION_HINTS.grep });
  if (matches.length <= maxResults && !hasMore) return capped;
  return `${capped}${matchesCapped(shown.length)}`;
}

// path:line:text; the first ":digits:" ends the path, which holds for all but odd file names.
const MATCH_PREFIX = /^(.*?):(\d+):/;

/** Orders matches by path, then line, whichever tool and thread order produced them. */
function sortMatches(matches: readonly string[]): string[] {
  const keyed = matches.map((line) => {
    const prefix = MATCH_PREFIX.exec(line);
    return { line, path: prefix?.[1] ?? line, number: Number(prefix?.[2] ?? 0) };
  });
  keyed.sort((a, b) => compareStrings(a.path, b.path) || a.number - b.number);
  return keyed.map((entry) => entry.line);
}

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
