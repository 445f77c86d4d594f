// Red team, threat 8: however a run ends (success, a model that fails or answers garbage, a
// cancellation by signal, a killed action mid-attack), no container of the run remains once the
// post step has run, and the audit log that was written still verifies.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import type { ScriptStep } from '../support/fake-model-server.ts';
import {
  API_KEY,
  assertContained,
  assertNoContainerLeft,
  assertNoSecretIn,
  attackCheckout,
  auditLogPath,
  checkoutTarget,
  concludeAttack,
  containersOf,
  launchAttack,
  logOf,
  runAttack,
  runPostStep,
  shell,
  useServices,
  waitForSandbox,
  type ModelFront,
  type Services,
  type Target,
} from '../support/redteam.ts';

/** The runner sends SIGTERM this long after SIGINT, and kills the process soon after. */
const RUNNER_SIGTERM_AFTER_MS = 7_500;

/**
 * A model endpoint that answers the first `good` chat requests through the scripted stand-in
 * and every later one with a body that is not JSON, as a broken proxy or gateway would.
 */
async function startGarbageAfter(good: number, upstream: string): Promise<ModelFront> {
  let served = 0;
  const server: Server = createServer((req, res) => {
    void answer(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  const answer = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!req.url?.endsWith('/chat/completions') || served++ >= good) {
      return { status: 200, body: '{"id": "chatcmpl-garbage", "choices": [{"message": ' };
    }
    const response = await fetch(`${upstream}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: Buffer.concat(chunks),
    });
    return { status: response.status, body: await response.text() };
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Starts a run whose agent is busy in a command, and waits until its sandbox exists. */
async function startBusyAttack(services: Services, target: Target, cmd: string) {
  const launched = await launchAttack(services, target, {
    script: [{ toolCalls: [shell('busy', cmd)] }],
    inputs: { 'command-timeout': '300', 'pids-limit': '64' },
  });
  const session = await waitForSandbox(launched.files, launched.model);
  // Give the command a moment to start inside the sandbox.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { ...launched, session };
}

function assertAuditVerifiesAt(target: Target): void {
  const text = readFileSync(auditLogPath(undefined, target), 'utf8');
  const verdict = verifyAuditLog(text);
  assert.ok(verdict.ok, JSON.stringify(verdict));
  assertNoSecretIn('the audit log', text);
}

describe('red team: leftovers', () => {
  const services = useServices();

  it('leaves no container after a successful run, before the post step', async () => {
    const target = await checkoutTarget();
    const attack = await runAttack(services, target, {
      script: [
        { toolCalls: [shell('work', 'echo "# widgets!" > README.md')] },
        { content: 'Done.' },
      ],
    });
    assert.equal(attack.run.outputs.status, 'pr-opened', logOf(attack));
    assertContained(attack);
    const post = await runPostStep(attack.run);
    assert.equal(post.exitCode, 0);
    assert.doesNotMatch(String(post.stdout), /Removed sandbox containers/);
    await target.cleanup();
  });

  it('leaves no container when the model keeps failing with 503 until retries give up', async () => {
    const target = await checkoutTarget();
    const overloaded = { error: { status: 503, retryAfterMs: 10 } };
    const script: ScriptStep[] = [
      { toolCalls: [shell('work', 'echo working')] },
      ...Array.from({ length: 8 }, () => overloaded),
    ];
    const attack = await runAttack(services, target, { script });
    assert.equal(attack.run.exitCode, 1);
    assert.equal(attack.run.outputs.status, 'failed');
    assert.match(attack.run.stdout, /::error::The model call failed \(HTTP 503\)/);
    assert.equal(attack.events().at(-1)?.data.status, 'failed');
    await concludeAttack(attack);
  });

  it('leaves no container when the model answers with malformed JSON', async () => {
    const attack = await attackCheckout(services, {
      script: [{ toolCalls: [shell('work', 'echo working')] }, { content: 'Done.' }],
      modelFront: (upstream) => startGarbageAfter(1, upstream),
    });
    // The sandbox was in use: the command ran before the model's answers turned to garbage.
    assert.equal(attack.auditResult('work').output, 'exit code: 0\nstdout:\nworking');
    assert.equal(attack.run.exitCode, 1, logOf(attack));
    assert.equal(attack.run.outputs.status, 'failed');
    assert.match(attack.run.stdout, /::error::The model call failed/);
    await concludeAttack(attack);
  });

  it("exits after SIGINT within the runner's grace period, leaving no container", async () => {
    const target = await checkoutTarget();
    const busy = await startBusyAttack(services, target, 'sleep 600');
    const signalled = Date.now();
    busy.child.kill('SIGINT');
    await busy.child;
    const exitMs = Date.now() - signalled;
    assert.ok(exitMs < RUNNER_SIGTERM_AFTER_MS, `exited ${exitMs} ms after SIGINT`);
    assert.deepEqual(containersOf({ state: { 'sandbox-session': busy.session } }), []);
    assertAuditVerifiesAt(target);
    await busy.model.close();
    await target.cleanup();
  });

  it('removes its sandbox itself on SIGTERM', async () => {
    const target = await checkoutTarget();
    const busy = await startBusyAttack(services, target, 'sleep 600');
    busy.child.kill('SIGTERM');
    const result = await busy.child;
    assert.equal(result.exitCode, 143);
    assert.deepEqual(containersOf({ state: { 'sandbox-session': busy.session } }), []);
    assertAuditVerifiesAt(target);
    await busy.model.close();
    await target.cleanup();
  });

  it('has the post step remove a sandbox left mid fork bomb by a killed action', async () => {
    const target = await checkoutTarget();
    const busy = await startBusyAttack(services, target, 'b(){ b|b& }; b; sleep 600');
    busy.child.kill('SIGKILL');
    await busy.child;
    const state = { 'sandbox-session': busy.session, 'sandbox-engine': 'docker' };
    assert.equal(containersOf({ state }).length, 1, 'the killed action left its sandbox');
    const post = await runPostStep({ state, files: busy.files });
    assert.equal(post.exitCode, 0, String(post.stdout) + String(post.stderr));
    assert.match(String(post.stdout), /Removed sandbox containers left behind/);
    assertNoContainerLeft({ state });
    await busy.model.close();
    await target.cleanup();
  });
});
