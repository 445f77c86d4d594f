import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configEnvironment } from '../../src/changes/git.ts';
import { authConfig, basicCredential, isHttpUrl, redactUrl } from '../../src/publish/push.ts';

describe('the push credential', () => {
  test('is x-access-token and the token, base64-encoded for a basic header', () => {
    assert.equal(
      Buffer.from(basicCredential('abc'), 'base64').toString('utf8'),
      'x-access-token:abc',
    );
  });

  test('clears inherited extraheaders for the exact remote URL, then sets one', () => {
    const url = 'https://github.com/octo/widgets';

    assert.deepEqual(authConfig(url, 'abc'), [
      ['http.https://github.com/octo/widgets.extraheader', ''],
      [
        'http.https://github.com/octo/widgets.extraheader',
        `AUTHORIZATION: basic ${basicCredential('abc')}`,
      ],
    ]);
  });

  test('travels as GIT_CONFIG_COUNT/KEY/VALUE variables', () => {
    const env = configEnvironment(authConfig('https://github.com/o/r', 'abc'));

    assert.deepEqual(env, {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.https://github.com/o/r.extraheader',
      GIT_CONFIG_VALUE_0: '',
      GIT_CONFIG_KEY_1: 'http.https://github.com/o/r.extraheader',
      GIT_CONFIG_VALUE_1: `AUTHORIZATION: basic ${basicCredential('abc')}`,
    });
  });

  test('no config means no variables at all', () => {
    assert.deepEqual(configEnvironment([]), {});
  });
});

describe('remote URLs', () => {
  test('only http and https remotes are given the token', () => {
    assert.equal(isHttpUrl('https://github.com/o/r.git'), true);
    assert.equal(isHttpUrl('HTTP://ghe.local/o/r'), true);
    assert.equal(isHttpUrl('/tmp/origin.git'), false);
    assert.equal(isHttpUrl('file:///tmp/origin.git'), false);
    assert.equal(isHttpUrl('git@github.com:o/r.git'), false);
  });

  test('user information is removed before a URL is shown', () => {
    const withToken = 'https://x-access-token:ghs_x@github.com/o/r';
    assert.equal(redactUrl(withToken), 'https://github.com/o/r');
    assert.equal(redactUrl('https://github.com/o/r'), 'https://github.com/o/r');
    assert.equal(redactUrl('/tmp/origin.git'), '/tmp/origin.git');
  });
});
