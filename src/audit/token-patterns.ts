/**
 * Shapes of credentials that are redacted even when nobody registered the value: a token the
 * model read from a file, printed by a command, or pasted into an issue.
 *
 * Why a list here rather than a library: secretlint, the maintained collection on npm, works
 * as an asynchronous linter over whole sources, while redaction happens inside the synchronous
 * `AuditRecorder.record`; the other packages match key names, not values. The list is short on
 * purpose: each entry has a distinctive prefix, so prose and code rarely match by accident.
 *
 * Every regex is global and matches only the secret part (lookbehinds keep the header or URL
 * around it readable), so a match is replaced whole.
 */
export interface TokenPattern {
  readonly name: string;
  readonly regex: RegExp;
}

/** A token must not continue a longer identifier on its left: `task-...` is not `sk-`. */
const START = '(?<![A-Za-z0-9_-])';

const PEM_BEGIN = '-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----';
const PEM_END = '-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----';

export const TOKEN_PATTERNS: readonly TokenPattern[] = [
  {
    name: 'private key block',
    // An unterminated block (output cut at a size cap) is redacted to the end of the text.
    regex: new RegExp(`${PEM_BEGIN}[\\s\\S]*?(?:${PEM_END}|$)`, 'g'),
  },
  { name: 'GitHub token', regex: new RegExp(`${START}gh[pousr]_[A-Za-z0-9]{30,}`, 'g') },
  {
    name: 'GitHub fine-grained token',
    regex: new RegExp(`${START}github_pat_[A-Za-z0-9_]{22,}`, 'g'),
  },
  { name: 'Anthropic key', regex: new RegExp(`${START}sk-ant-[A-Za-z0-9_-]{20,}`, 'g') },
  // Covers project, service-account and admin keys (`sk-proj-`, `sk-svcacct-`, `sk-admin-`).
  { name: 'OpenAI-style key', regex: new RegExp(`${START}sk-[A-Za-z0-9_-]{20,}`, 'g') },
  { name: 'Google API key', regex: new RegExp(`${START}AIza[A-Za-z0-9_-]{35}`, 'g') },
  { name: 'AWS access key id', regex: /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  { name: 'GitLab token', regex: new RegExp(`${START}glpat-[A-Za-z0-9_-]{20,}`, 'g') },
  { name: 'npm token', regex: new RegExp(`${START}npm_[A-Za-z0-9]{36}`, 'g') },
  { name: 'Slack token', regex: new RegExp(`${START}xox[abeprs]-[A-Za-z0-9-]{10,}`, 'g') },
  { name: 'Hugging Face token', regex: new RegExp(`${START}hf_[A-Za-z0-9]{30,}`, 'g') },
  {
    name: 'Authorization header credentials',
    regex:
      /(?<=\bauthorization["']?\s*[:=]\s*["']?\s*(?:bearer|basic|token)\s+)[A-Za-z0-9._~+/-]+=*/gi,
  },
  {
    // A bare `Bearer <token>` (a header value kept apart from its name); the length floor keeps
    // prose such as "bearer authentication" intact.
    name: 'bearer token',
    regex: /(?<=\bbearer\s+)[A-Za-z0-9._~+/-]{16,}=*/gi,
  },
  {
    name: 'password in a URL',
    regex: /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+(?=@)/gi,
  },
];
