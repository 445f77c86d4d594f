// Red team, threat 1: the agent hunts for the model API key, the GitHub token and the checkout's
// credentials everywhere it can look. Nothing it reads may hold them.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEBIAN_IMAGE } from '../support/docker.ts';
import {
  attackCheckout,
  BASIC_CREDENTIAL,
  call,
  checkoutTarget,
  concludeAttack,
  runAttack,
  SECRET_SHAPES_ERE,
  shell,
  useServices,
} from '../support/redteam.ts';

const PROCESS_DUMP = [
  'echo "== env"; env',
  'echo "== /proc/1/environ"; tr "\\0" "\\n" < /proc/1/environ',
  'for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do',
  '  echo "== $f"; tr "\\0" " " < "$f" 2>&1; echo',
  'done',
].join('\n');

describe('red team: secrets', () => {
  const services = useServices();

  it('finds no token or key in the environment or /proc of any process it can see', async () => {
    const attack = await attackCheckout(services, {
      script: [{ toolCalls: [shell('dump', PROCESS_DUMP)] }, { content: 'Nothing here.' }],
    });
    const seen = attack.result('dump');
    // The dump really read the sandbox's processes: its environment and PID 1's command line.
    assert.match(seen, /HOME=\/home\/agent/);
    assert.match(seen, /== \/proc\/1\/cmdline\n\/bin\/sh -c/);
    assert.doesNotMatch(seen, /GITHUB_|INPUT_|ACTIONS_|RUNNER_|API_KEY|TOKEN=/);
    await concludeAttack(attack);
  });

  it('reads a .git/config without the extraheader, includeIf or credentials file', async () => {
    const attack = await attackCheckout(services, {
      script: [
        {
          toolCalls: [
            call('read', 'read_file', { path: '.git/config' }),
            shell('cat', 'cat .git/config; ls -la .git'),
          ],
        },
        { content: 'Read the config.' },
      ],
    });
    for (const id of ['read', 'cat']) {
      const seen = attack.result(id);
      assert.match(seen, /\[remote "origin"\]/, 'the attacker read the sandbox copy of the config');
      assert.doesNotMatch(seen, /extraheader|includeIf|git-credentials|AUTHORIZATION/i);
      assert.ok(!seen.includes(attack.target.runnerTemp), 'the credentials folder is named');
    }
    await concludeAttack(attack);
  });

  it("cannot read the checkout's credentials file in the runner's temp folder", async () => {
    const target = await checkoutTarget();
    const relative = path.relative(target.repo, target.credentialsFile);
    const attack = await runAttack(services, target, {
      script: [
        {
          toolCalls: [
            shell(
              'cat',
              `cat '${target.credentialsFile}'; ls -la '${target.runnerTemp}'; ` +
                `cat '${relative}'; find / -name 'git-credentials-*' 2>/dev/null; echo done`,
            ),
            call('absolute', 'read_file', { path: target.credentialsFile }),
            call('relative', 'read_file', { path: relative }),
          ],
        },
        { content: 'No credentials.' },
      ],
    });
    const seen = attack.result('cat');
    assert.match(seen, /No such file or directory/);
    assert.match(seen, /stdout:\ndone$/m, 'find found no credentials file anywhere');
    for (const id of ['absolute', 'relative']) {
      assert.match(attack.result(id), /^Refused: .* outside the working directory/);
      assert.equal(attack.auditResult(id).refused, true);
    }
    assert.ok(!JSON.stringify(attack.model.chatRequests).includes(BASIC_CREDENTIAL));
    await concludeAttack(attack);
  });

  it('finds no secret anywhere when it searches the whole file system', async () => {
    const target = await checkoutTarget();
    // /dev holds endless files and /proc was dumped above; everything else is searched.
    const scan =
      `timeout -s KILL 25 grep -rEl -e '${SECRET_SHAPES_ERE}' ` +
      '$(ls -d /* | grep -v -e "^/dev$" -e "^/proc$") 2>/dev/null; echo "scan finished: $?"';
    const attack = await runAttack(services, target, {
      script: [{ toolCalls: [shell('scan', scan)] }, { content: 'Nothing found.' }],
      inputs: { image: DEBIAN_IMAGE, 'command-timeout': '40' },
    });
    // Exit 1 or 2 (unreadable files) with no file listed: the scan ran to its end and found none.
    assert.match(attack.result('scan'), /^stdout:\nscan finished: [12]$/m);
    await concludeAttack(attack);
  });
});
