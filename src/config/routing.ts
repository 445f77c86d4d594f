import { InputError } from '../errors.ts';
import { PROVIDERS, type ModelSettings, type Provider } from './settings.ts';

/** Each provider's OpenAI-compatible endpoint. `base-url` overrides any of them. */
const PROVIDER_BASE_URLS: Readonly<Record<Provider, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1/',
  gemini: 'https://generativelanguage.googleapis.com/v1beta/openai/',
  ollama: 'http://localhost:11434/v1',
  // vLLM has no public endpoint: the user must say where their server is.
  hosted_vllm: '',
};

/** Providers that run on the user's own machines and accept requests without a key. */
const KEYLESS_PROVIDERS: ReadonlySet<Provider> = new Set(['ollama', 'hosted_vllm']);

function isProvider(value: string): value is Provider {
  return (PROVIDERS as readonly string[]).includes(value);
}

/** Splits `provider/model` and picks the endpoint; the model id may itself contain slashes. */
export function routeModel(model: string, baseUrl: string, apiKey: string): ModelSettings {
  const slash = model.indexOf('/');
  const provider = slash > 0 ? model.slice(0, slash) : '';
  const name = slash > 0 ? model.slice(slash + 1) : '';
  if (provider === '' || name === '') {
    throw new InputError(
      'model',
      `'${model}' is not of the form provider/model.`,
      `Use one of the providers ${PROVIDERS.join(', ')}, e.g. 'openai/gpt-5.2-codex'.`,
    );
  }
  if (!isProvider(provider)) {
    throw new InputError(
      'model',
      `'${provider}' in '${model}' is not a known provider.`,
      `Use one of ${PROVIDERS.join(', ')}; for any other OpenAI-compatible server use ` +
        `openai/${name} with base-url set to it.`,
    );
  }
  const url = baseUrl || PROVIDER_BASE_URLS[provider];
  if (url === '') {
    throw new InputError(
      'base-url',
      `provider '${provider}' has no default endpoint.`,
      'Set base-url to your server, e.g. http://vllm.internal:8000/v1.',
    );
  }
  if (apiKey === '' && !KEYLESS_PROVIDERS.has(provider) && baseUrl === '') {
    throw new InputError(
      'api-key',
      `provider '${provider}' needs an API key.`,
      'In a workflow, store it as a secret and pass it: api-key: ${{ secrets.MODEL_API_KEY }}. ' +
        'Locally, set AGENT_API_KEY.',
    );
  }
  return { provider, name, baseUrl: url, apiKey };
}
