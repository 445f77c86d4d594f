/**
 * The action's inputs with their defaults. action.yml states the same defaults for the UI; this
 * table is what the code uses, so the local command behaves exactly like the action.
 */
export const INPUT_DEFAULTS = {
  task: '',
  model: '',
  'api-key': '',
  'base-url': '',
  'github-token': '',
  image: 'debian:bookworm-slim',
  engine: 'auto',
  tools: 'read_file,read_lines,write_file,edit_file,grep,find',
  'disable-shell': 'false',
  cpus: '1',
  memory: '2g',
  'pids-limit': '256',
  'timeout-minutes': '30',
  'command-timeout': '120',
  'max-steps': '50',
  'branch-prefix': 'agent/',
  'base-branch': '',
  draft: 'true',
  labels: '',
  'protected-paths': '.github/workflows/**',
  'max-file-size': '1m',
  'audit-artifact': 'agent-audit',
  'working-directory': '.',
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

/** Reads one raw input, empty when unset. The action and the local command each supply one. */
export type InputReader = (name: InputName) => string;

export function withDefaults(read: InputReader): InputReader {
  return (name) => {
    const value = read(name).trim();
    return value === '' ? INPUT_DEFAULTS[name] : value;
  };
}
