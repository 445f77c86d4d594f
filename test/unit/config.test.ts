import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMemory, parseWorkingDirectory } from '../../src/config/parse-settings.ts';
import { routeModel } from '../../src/config/routing.ts';
import { assertInputError, settingsFrom } from '../support/settings.ts';

describe('settings from inputs', () => {
  it('applies the documented defaults when only task, model and key are given', () => {
    const settings = settingsFrom({});
    assert.deepEqual(
      [...settings.tools],
      ['read_file', 'read_lines', 'write_file', 'edit_file', 'grep', 'find'],
    );
    assert.equal(settings.limits.cpus, 1);
    assert.equal(settings.limits.memoryBytes, 2 * 1024 ** 3);
    assert.equal(settings.limits.pidsLimit, 256);
    assert.equal(settings.timeoutMinutes, 30);
    assert.equal(settings.commandTimeoutSeconds, 120);
    assert.equal(settings.maxSteps, 50);
    assert.equal(settings.branchPrefix, 'agent/');
    assert.equal(settings.draft, true);
    assert.equal(settings.engine, 'auto');
    assert.equal(settings.workingDirectory, '.');
    assert.equal(settings.auditArtifact, 'agent-audit');
    assert.ok(Object.isFrozen(settings));
  });

  it('fails on an empty task, naming the input', () => {
    assertInputError(() => settingsFrom({ task: '  ' }), 'task', /no task was given/);
  });

  it('names the bad value and the accepted ones for a closed set', () => {
    assertInputError(
      () => settingsFrom({ engine: 'lxc' }),
      'engine',
      /'lxc'.*auto, docker, podman/,
    );
    assertInputError(() => settingsFrom({ draft: 'yes' }), 'draft', /'yes'.*true or false/);
  });

  it('refuses an unknown tool and lists the known ones', () => {
    assertInputError(() => settingsFrom({ tools: 'read_file,curl' }), 'tools', /'curl'.*run_shell/);
  });

  it('drops run_shell when disable-shell is true, even if listed', () => {
    const settings = settingsFrom({ tools: 'read_file, run_shell', 'disable-shell': 'true' });
    assert.deepEqual([...settings.tools], ['read_file']);
  });

  it('accepts tools as a multi-line list', () => {
    const settings = settingsFrom({ tools: 'read_file\nrun_shell\n' });
    assert.deepEqual([...settings.tools], ['read_file', 'run_shell']);
  });

  it('refuses limits that are not whole numbers in range', () => {
    assertInputError(() => settingsFrom({ 'pids-limit': '8' }), 'pids-limit', /'8'.*from 16/);
    assertInputError(() => settingsFrom({ 'max-steps': '2.5' }), 'max-steps', /'2.5'/);
    assertInputError(() => settingsFrom({ cpus: '-1' }), 'cpus', /'-1'/);
    assertInputError(() => settingsFrom({ 'command-timeout': '0' }), 'command-timeout', /'0'/);
  });

  it('parses memory sizes with units and refuses tiny or malformed ones', () => {
    assert.equal(parseMemory('512m'), 512 * 1024 ** 2);
    assert.equal(parseMemory('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseMemory('4GiB'), 4 * 1024 ** 3);
    assertInputError(() => parseMemory('2'), 'memory', /at least 64m/);
    assertInputError(() => parseMemory('lots'), 'memory', /'lots'/);
  });

  it('keeps the working directory inside the repository', () => {
    assert.equal(parseWorkingDirectory('./packages/api/'), 'packages/api');
    assert.equal(parseWorkingDirectory('.'), '.');
    assertInputError(() => parseWorkingDirectory('../other'), 'working-directory', /outside/);
    assertInputError(() => parseWorkingDirectory('/etc'), 'working-directory', /outside/);
    assertInputError(() => parseWorkingDirectory('a/../../b'), 'working-directory', /outside/);
  });

  it('refuses a branch prefix git would not accept before anything runs', () => {
    assertInputError(
      () => settingsFrom({ 'branch-prefix': 'bad prefix/' }),
      'branch-prefix',
      /git/,
    );
    assertInputError(() => settingsFrom({ 'branch-prefix': 'a..b/' }), 'branch-prefix', /git/);
    assert.equal(settingsFrom({ 'branch-prefix': 'bots/agent-' }).branchPrefix, 'bots/agent-');
  });

  it('splits and de-duplicates labels', () => {
    assert.deepEqual(settingsFrom({ labels: 'agent, bot\nagent' }).labels, ['agent', 'bot']);
  });
});

describe('model routing', () => {
  it('routes each provider to its OpenAI-compatible endpoint', () => {
    assert.equal(routeModel('openai/gpt-5.2-codex', '', 'k').baseUrl, 'https://api.openai.com/v1');
    assert.equal(
      routeModel('anthropic/claude-sonnet-4-5', '', 'k').baseUrl,
      'https://api.anthropic.com/v1/',
    );
    assert.match(
      routeModel('gemini/gemini-1.5-pro', '', 'k').baseUrl,
      /generativelanguage.*openai/,
    );
    assert.equal(routeModel('ollama/llama3.1', '', '').baseUrl, 'http://localhost:11434/v1');
  });

  it('sends the model id without the provider prefix, keeping inner slashes', () => {
    const route = routeModel('hosted_vllm/meta-llama/Llama-3.1-8B', 'http://gpu:8000/v1', '');
    assert.equal(route.name, 'meta-llama/Llama-3.1-8B');
    assert.equal(route.provider, 'hosted_vllm');
  });

  it('lets base-url override the provider endpoint', () => {
    assert.equal(
      routeModel('openai/gpt-4o', 'http://127.0.0.1:9/v1', 'k').baseUrl,
      'http://127.0.0.1:9/v1',
    );
  });

  it('refuses an unknown provider or a model without one', () => {
    assertInputError(
      () => routeModel('mistral/large', '', 'k'),
      'model',
      /'mistral' in 'mistral\/large' is not a known provider.*openai, anthropic/,
    );
    assertInputError(() => routeModel('gpt-4o', '', 'k'), 'model', /provider\/model/);
  });

  it('asks for base-url for vLLM and for a key for hosted providers', () => {
    assertInputError(() => routeModel('hosted_vllm/x', '', ''), 'base-url', /no default endpoint/);
    assertInputError(() => routeModel('anthropic/claude', '', ''), 'api-key', /secret/);
  });
});
