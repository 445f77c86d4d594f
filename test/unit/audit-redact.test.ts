import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MIN_SECRET_LENGTH, REDACTED, Redactor } from '../../src/audit/redact.ts';

const API_KEY = 'k3y-With/Slash+Plus=Eq&Amp';
const GITHUB_TOKEN = 'ghs_Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0PpOoNn';
const QUOTED_PASSWORD = 'pa"ss\\word-1234';

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

describe('redacting registered secrets', () => {
  const redactor = Redactor.create([API_KEY, GITHUB_TOKEN, QUOTED_PASSWORD]);

  const encodings: [string, string][] = [
    ['raw', API_KEY],
    ['base64', base64(API_KEY)],
    ['base64url', base64(API_KEY).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
    ['URL-encoded', encodeURIComponent(API_KEY)],
    [
      'URL-encoded with lower-case escapes',
      encodeURIComponent(API_KEY).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
    ],
    ['JSON-escaped', JSON.stringify(QUOTED_PASSWORD).slice(1, -1)],
    ['git basic auth', base64(`x-access-token:${GITHUB_TOKEN}`)],
  ];
  for (const [name, encoded] of encodings) {
    test(`the ${name} form of a secret is replaced`, () => {
      const redacted = redactor.redactText(`before ${encoded} after`);
      assert.ok(!redacted.includes(encoded), redacted);
      assert.match(redacted, /^before .*\*\*\*.* after$/);
    });
  }

  test('a secret inside a longer base64 blob is masked at every byte offset', () => {
    // Only the one or two characters that mix the secret's edge bits with its neighbours' may
    // survive; everything that encodes the secret alone is masked.
    const encodedSecretLength = Math.floor((API_KEY.length * 4) / 3);
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const blob = base64(`user=${prefix}${API_KEY};scope=repo`);
      const redacted = redactor.redactText(blob);
      const maskedLength = blob.length - (redacted.length - REDACTED.length);
      assert.ok(maskedLength >= encodedSecretLength - 4, `offset ${prefix.length}: ${redacted}`);
    }
  });

  test('a secret registered after creation is masked from then on', () => {
    const late = Redactor.create([]);
    late.add('minted-mid-run-token-123');
    assert.equal(late.redactText('use minted-mid-run-token-123 now'), 'use *** now');
  });

  test(`values shorter than ${MIN_SECRET_LENGTH} characters are not treated as secrets`, () => {
    const placeholder = Redactor.create(['ollama']);
    assert.equal(placeholder.redactText('ollama/llama3.1'), 'ollama/llama3.1');
    assert.equal(Redactor.create(['']).redactText('text stays'), 'text stays');
  });
});

describe('redacting token shapes nobody registered', () => {
  const redactor = Redactor.create([]);
  const shapes: [string, string][] = [
    ['GitHub personal token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['GitHub OAuth token', 'gho_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['GitHub installation token', 'ghs_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['GitHub user-to-server token', 'ghu_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['GitHub refresh token', 'ghr_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['GitHub fine-grained token', 'github_pat_11ABCDEFG0123456789abc_xyzXYZ0123456789abcdefghijk'],
    ['OpenAI key', 'sk-proj-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56'],
    ['OpenAI legacy key', 'sk-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78'],
    ['Anthropic key', 'sk-ant-api03-Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56-AA'],
    ['Google API key', 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI'],
    ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['AWS temporary key id', 'ASIAIOSFODNN7EXAMPLE'],
    ['GitLab token', 'glpat-Ab12Cd34Ef56Gh78Ij90'],
    ['npm token', 'npm_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78'],
    ['Slack token', 'xoxb-1234567890-0987654321-AbCdEf'],
    ['Hugging Face token', 'hf_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56'],
  ];
  for (const [name, token] of shapes) {
    test(`a ${name} is replaced wherever it appears`, () => {
      const redacted = redactor.redactText(`export TOKEN=${token}\n"${token}"`);
      assert.equal(redacted, `export TOKEN=${REDACTED}\n"${REDACTED}"`);
    });
  }

  test('an Authorization header keeps its scheme and loses its credentials', () => {
    assert.equal(
      redactor.redactText('Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig'),
      'Authorization: Bearer ***',
    );
    assert.equal(
      redactor.redactText('http.extraheader=AUTHORIZATION: basic eC1hY2Nlc3M6dG9rZW4='),
      'http.extraheader=AUTHORIZATION: basic ***',
    );
    assert.equal(redactor.redactText('"Bearer abcdef0123456789abcdef"'), '"Bearer ***"');
  });

  test('a password in a remote URL is replaced and the rest of the URL kept', () => {
    assert.equal(
      redactor.redactText('fatal: https://x-access-token:s3cret@github.com/o/r.git'),
      'fatal: https://x-access-token:***@github.com/o/r.git',
    );
  });

  test('a private key block is replaced whole, even when cut off before its end line', () => {
    const pem =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n' +
      '-----END OPENSSH PRIVATE KEY-----';
    assert.equal(redactor.redactText(`key:\n${pem}\ndone`), 'key:\n***\ndone');
    const cut = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA';
    assert.equal(redactor.redactText(`cat id_rsa\n${cut}`), 'cat id_rsa\n***');
  });

  test('ordinary prose and code that merely resemble tokens are left alone', () => {
    const text =
      'task-runner-configuration-loader uses bearer authentication; risk-assessment ' +
      'and the AKIA prefix are documented at https://example.com/path';
    assert.equal(redactor.redactText(text), text);
  });
});

describe('redacting JSON values', () => {
  const redactor = Redactor.create([API_KEY]);

  test('strings are redacted at any depth, in arrays and in object keys', () => {
    const redacted = redactor.redactJson({
      argv: ['curl', '-H', `x-api-key: ${API_KEY}`],
      env: { [API_KEY]: 'value', nested: { deeper: [{ leak: `key=${API_KEY}` }] } },
      count: 3,
      ok: true,
      none: null,
    });
    assert.deepEqual(redacted, {
      argv: ['curl', '-H', 'x-api-key: ***'],
      env: { '***': 'value', nested: { deeper: [{ leak: 'key=***' }] } },
      count: 3,
      ok: true,
      none: null,
    });
  });

  test('two keys that redact to the same text both keep their values', () => {
    const other = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const redacted = redactor.redactJson({ [API_KEY]: 1, [other]: 2 });
    assert.deepEqual(redacted, { '***': 1, '***#2': 2 });
  });

  test('bytes, errors and dates are made readable and then redacted', () => {
    const redacted = redactor.redactJson({
      stdout: Buffer.from(`token ${API_KEY}\n`),
      error: new Error(`request with ${API_KEY} failed`),
      at: new Date(0),
    });
    assert.deepEqual(redacted, {
      stdout: 'token ***\n',
      error: { name: 'Error', message: 'request with *** failed' },
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  test('values JSON cannot hold become null or disappear instead of breaking the log', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const redacted = redactor.redactJson({
      nan: Number.NaN,
      big: 10n,
      gone: undefined,
      fn: () => API_KEY,
      cyclic,
    });
    assert.deepEqual(redacted, {
      nan: null,
      big: '10',
      cyclic: { name: 'loop', self: '[circular]' },
    });
  });

  test('a __proto__ key stays plain data', () => {
    const redacted = redactor.redactJson(JSON.parse('{"__proto__":{"polluted":true}}'));
    assert.equal(Object.getPrototypeOf(redacted), Object.prototype);
    assert.deepEqual(Object.keys(redacted as object), ['__proto__']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});
