import OpenAI from 'openai';
import type { ModelSettings } from '../config/settings.ts';

/** Retries with backoff on 408/409/429/5xx and connection errors are the SDK's own. */
const MODEL_MAX_RETRIES = 4;
const MODEL_REQUEST_TIMEOUT_MS = 10 * 60 * 1000;

export function createModelClient(model: ModelSettings): OpenAI {
  return new OpenAI({
    baseURL: model.baseUrl,
    // The SDK refuses an empty key; keyless local servers ignore whatever is sent.
    apiKey: model.apiKey || 'no-key',
    maxRetries: MODEL_MAX_RETRIES,
    timeout: MODEL_REQUEST_TIMEOUT_MS,
  });
}
