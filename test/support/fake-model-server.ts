// A scripted OpenAI-compatible Chat Completions server for end-to-end tests. It speaks the wire
// protocol the `openai` client speaks (paths, auth, error shapes, usage), so the agent loop under
// test cannot tell it from a hosted model; the script decides what the "model" answers.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, isRecord, listen, readText, sendJson, tryParseJson } from './http-server.ts';

export interface ScriptedToolCall {
  name: string;
  /** An object is sent JSON-encoded; a string is sent as is (to script malformed arguments). */
  arguments: Record<string, unknown> | string;
  /** Defaults to a fresh `call_...` id, unique within the server. */
  id?: string;
}

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter';

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface AssistantTurn {
  content?: string | null;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason;
  /** Overrides the estimated token counts (total is recomputed unless given). */
  usage?: Partial<TokenUsage>;
}

export interface ScriptedHttpError {
  status: number;
  message?: string;
  /** OpenAI error `type`; defaults by status (e.g. `rate_limit_exceeded` type for 429). */
  type?: string;
  code?: string | null;
  retryAfterSeconds?: number;
  retryAfterMs?: number;
}

export interface ErrorTurn {
  error: ScriptedHttpError;
}

export type ScriptedReply = AssistantTurn | ErrorTurn;

/** One step answers one chat completion request, in order. */
export type ScriptStep =
  ScriptedReply | ((request: ChatCompletionRequest) => ScriptedReply | Promise<ScriptedReply>);

export interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  tools?: { type: string; function: { name: string; parameters?: unknown } }[];
  [key: string]: unknown;
}

export interface RecordedModelRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
  status: number;
}

export interface FakeModelServerOptions {
  script?: ScriptStep[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401. */
  apiKey?: string;
  /** When set, a request for another model gets a 404 `model_not_found`. */
  models?: string[];
  /** Path prefix of the API; the returned `url` includes it. Defaults to `/v1`. */
  basePath?: string;
  /** Answer once the script is used up. Defaults to `Done.` */
  finalReply?: string;
}

export interface FakeModelServer {
  /** The base URL to hand to the client, e.g. `http://127.0.0.1:PORT/v1`. */
  url: string;
  close(): Promise<void>;
  /** Every request in arrival order, including rejected ones. */
  requests: RecordedModelRequest[];
  /** Request bodies that reached the script (valid chat completion requests), in order. */
  chatRequests: ChatCompletionRequest[];
  /** Protocol mistakes by the client: malformed requests, unknown paths, streaming asks. */
  violations: string[];
  /** Steps not yet played; 0 once the script is used up. */
  remainingSteps(): number;
}

export interface ToolResult {
  toolCallId: string;
  /** The function name from the assistant call this answers, when it can be found. */
  name: string | undefined;
  content: string;
}

const DEFAULT_MODELS = ['scripted-model'];
const CHARS_PER_TOKEN = 4;

/** The tool results sent since the last assistant message, for scripts that react to them. */
export function toolResultsOf(request: ChatCompletionRequest): ToolResult[] {
  const names = new Map<string, string>();
  for (const message of request.messages) {
    for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  const results: ToolResult[] = [];
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const message = request.messages[i];
    if (message === undefined || message.role !== 'tool') break;
    const id = String(message.tool_call_id);
    results.unshift({ toolCallId: id, name: names.get(id), content: textOf(message.content) });
  }
  return results;
}

export async function startFakeModelServer(
  options: FakeModelServerOptions = {},
): Promise<FakeModelServer> {
  const state = createState(options);
  const server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      state.violations.push(`stand-in failure: ${String(error)}`);
      sendError(res, 500, { message: 'The server had an error.', type: 'server_error' });
    });
  });
  const url = await listen(server);
  return {
    url: `${url}${state.basePath}`,
    close: () => closeServer(server),
    requests: state.requests,
    chatRequests: state.chatRequests,
    violations: state.violations,
    remainingSteps: () => state.script.length - state.nextStep,
  };
}

interface State {
  script: ScriptStep[];
  nextStep: number;
  apiKey: string | undefined;
  models: string[] | undefined;
  basePath: string;
  finalReply: string;
  requests: RecordedModelRequest[];
  chatRequests: ChatCompletionRequest[];
  violations: string[];
}

function createState(options: FakeModelServerOptions): State {
  return {
    script: [...(options.script ?? [])],
    nextStep: 0,
    apiKey: options.apiKey,
    models: options.models,
    basePath: (options.basePath ?? '/v1').replace(/\/+$/, ''),
    finalReply: options.finalReply ?? 'Done.',
    requests: [],
    chatRequests: [],
    violations: [],
  };
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = await readText(req);
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  const record: RecordedModelRequest = {
    method: req.method ?? 'GET',
    path,
    headers: req.headers,
    body: tryParseJson(raw),
    status: 0,
  };
  state.requests.push(record);
  const reply = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
    record.status = status;
    sendJson(res, status, body, headers);
  };
  if (!isAuthorized(state, req.headers)) {
    reply(401, errorBody(401, { message: incorrectKeyMessage(req.headers) }));
    return;
  }
  await route(state, record, raw, reply);
}

type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

async function route(
  state: State,
  record: RecordedModelRequest,
  raw: string,
  reply: Reply,
): Promise<void> {
  const local = record.path.startsWith(state.basePath)
    ? record.path.slice(state.basePath.length)
    : undefined;
  if (record.method === 'GET' && local === '/models') {
    reply(200, { object: 'list', data: listModels(state).map(describeModel) });
  } else if (record.method === 'GET' && local?.startsWith('/models/')) {
    answerModel(state, decodeURIComponent(local.slice('/models/'.length)), reply);
  } else if (record.method === 'POST' && local === '/chat/completions') {
    await answerChat(state, raw, reply);
  } else {
    state.violations.push(`unknown endpoint ${record.method} ${record.path}`);
    const message = `Invalid URL (${record.method} ${record.path})`;
    reply(404, errorBody(404, { message, type: 'invalid_request_error' }));
  }
}

function answerModel(state: State, id: string, reply: Reply): void {
  if (listModels(state).includes(id)) {
    reply(200, describeModel(id));
    return;
  }
  reply(404, errorBody(404, modelNotFound(id)));
}

async function answerChat(state: State, raw: string, reply: Reply): Promise<void> {
  const parsed = tryParseJson(raw);
  const problem = findRequestProblem(parsed);
  if (problem !== undefined) {
    state.violations.push(`invalid chat completion request: ${problem.message}`);
    reply(400, errorBody(400, { ...problem, type: 'invalid_request_error' }));
    return;
  }
  const request = parsed as ChatCompletionRequest;
  if (state.models !== undefined && !state.models.includes(request.model)) {
    reply(404, errorBody(404, modelNotFound(request.model)));
    return;
  }
  state.chatRequests.push(request);
  const scripted = await playNextStep(state, request);
  if ('error' in scripted) {
    reply(
      scripted.error.status,
      errorBody(scripted.error.status, scripted.error),
      retryHeaders(scripted.error),
    );
    return;
  }
  reply(200, buildCompletion(request, scripted), { 'x-request-id': `req_${randomId(24)}` });
}

async function playNextStep(state: State, request: ChatCompletionRequest): Promise<ScriptedReply> {
  const step = state.script[state.nextStep];
  if (step === undefined) return { content: state.finalReply };
  state.nextStep += 1;
  return typeof step === 'function' ? step(request) : step;
}

interface Problem {
  message: string;
  param?: string | null;
  code?: string | null;
}

// The hosted API refuses these with a 400; a client that sends them has a bug the tests must see.
function findRequestProblem(body: unknown): Problem | undefined {
  if (!isRecord(body)) return { message: 'The request body must be a JSON object.' };
  if (typeof body.model !== 'string' || body.model === '') {
    return { message: "Missing required parameter: 'model'.", param: 'model' };
  }
  if (body.stream === true) {
    return { message: 'This server only answers non-streaming requests.', param: 'stream' };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "'messages' must be a non-empty array.", param: 'messages' };
  }
  return findToolsProblem(body.tools) ?? findMessagesProblem(body.messages);
}

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function findToolsProblem(tools: unknown): Problem | undefined {
  if (tools === undefined) return undefined;
  if (!Array.isArray(tools)) return { message: "'tools' must be an array.", param: 'tools' };
  for (const [i, tool] of tools.entries()) {
    const fn = isRecord(tool) ? tool.function : undefined;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn)) {
      const message = `tools[${i}] must be {type: 'function', function: {...}}.`;
      return { message, param: 'tools' };
    }
    if (typeof fn.name !== 'string' || !FUNCTION_NAME.test(fn.name)) {
      const param = `tools[${i}].function.name`;
      return { message: `Invalid '${param}'.`, param };
    }
    if (fn.parameters !== undefined && !isRecord(fn.parameters)) {
      return { message: `tools[${i}].function.parameters must be an object.`, param: 'tools' };
    }
  }
  return undefined;
}

function findMessagesProblem(messages: unknown[]): Problem | undefined {
  let pending = new Set<string>();
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message) || typeof message.role !== 'string' || !ROLES.has(message.role)) {
      return { message: `Invalid 'messages[${i}].role'.`, param: `messages[${i}].role` };
    }
    if (message.role === 'tool') {
      const id = message.tool_call_id;
      if (typeof id !== 'string' || !pending.has(id)) {
        const text =
          `Invalid parameter: a message with role 'tool' must answer a tool call ` +
          `of the preceding assistant message with 'tool_calls'.`;
        return { message: text, param: `messages.[${i}].role` };
      }
      pending.delete(id);
      continue;
    }
    if (pending.size > 0) return unansweredCalls(pending, i);
    const calls = readToolCallIds(message, i);
    if (!(calls instanceof Set)) return calls;
    pending = calls;
  }
  return pending.size > 0 ? unansweredCalls(pending, messages.length) : undefined;
}

function readToolCallIds(message: Record<string, unknown>, index: number): Set<string> | Problem {
  const calls = message.tool_calls;
  if (calls === undefined || message.role !== 'assistant') return new Set();
  if (!Array.isArray(calls)) return { message: `messages[${index}].tool_calls must be an array.` };
  const ids = new Set<string>();
  for (const call of calls) {
    const fn = isRecord(call) ? call.function : undefined;
    if (
      !isRecord(call) ||
      typeof call.id !== 'string' ||
      !isRecord(fn) ||
      typeof fn.arguments !== 'string' ||
      typeof fn.name !== 'string'
    ) {
      return { message: `messages[${index}].tool_calls entries need id, name, string arguments.` };
    }
    ids.add(call.id);
  }
  return ids;
}

function unansweredCalls(pending: Set<string>, index: number): Problem {
  const ids = [...pending].join(', ');
  const message =
    "Each 'tool_call_id' of an assistant message with 'tool_calls' needs a tool " +
    `message right after it. Unanswered tool_call_ids: ${ids}`;
  return { message, param: `messages.[${index}].role`, code: null };
}

function buildCompletion(request: ChatCompletionRequest, turn: AssistantTurn): unknown {
  const toolCalls = (turn.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_${randomId(24)}`,
    type: 'function',
    function: {
      name: call.name,
      arguments:
        typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const content = turn.content ?? null;
  const message = {
    role: 'assistant',
    content,
    refusal: null,
    annotations: [],
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  return {
    id: `chatcmpl-${randomId(29)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(turn) }],
    usage: usageOf(request, content, toolCalls, turn.usage),
    service_tier: 'default',
    system_fingerprint: 'fp_scripted',
  };
}

function finishReasonOf(turn: AssistantTurn): FinishReason {
  if (turn.finishReason !== undefined) return turn.finishReason;
  return (turn.toolCalls ?? []).length > 0 ? 'tool_calls' : 'stop';
}

// Counts are estimates (about four characters a token), enough for budgets to move realistically.
function usageOf(
  request: ChatCompletionRequest,
  content: string | null,
  toolCalls: unknown[],
  override: Partial<TokenUsage> | undefined,
): unknown {
  const promptText = JSON.stringify(request.messages) + JSON.stringify(request.tools ?? []);
  const completionText = (content ?? '') + (toolCalls.length > 0 ? JSON.stringify(toolCalls) : '');
  const prompt = override?.prompt_tokens ?? estimateTokens(promptText);
  const completion = override?.completion_tokens ?? Math.max(1, estimateTokens(completionText));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: override?.total_tokens ?? prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

function retryHeaders(error: ScriptedHttpError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(error.retryAfterSeconds);
  }
  if (error.retryAfterMs !== undefined) headers['retry-after-ms'] = String(error.retryAfterMs);
  return headers;
}

const DEFAULT_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request.', type: 'invalid_request_error', code: null },
  401: {
    message: 'Incorrect API key provided.',
    type: 'invalid_request_error',
    code: 'invalid_api_key',
  },
  404: { message: 'Not found.', type: 'invalid_request_error', code: null },
  429: {
    message: 'Rate limit reached for requests. Please try again shortly.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request.',
    type: 'server_error',
    code: null,
  },
  503: {
    message: 'The engine is currently overloaded, please try again later.',
    type: 'server_error',
    code: null,
  },
};

function errorBody(
  status: number,
  error: { message?: string; type?: string; param?: string | null; code?: string | null },
): unknown {
  const fallback = DEFAULT_ERRORS[status] ?? DEFAULT_ERRORS[status >= 500 ? 500 : 400];
  return {
    error: {
      message: error.message ?? fallback?.message,
      type: error.type ?? fallback?.type,
      param: error.param ?? null,
      code: error.code === undefined ? (fallback?.code ?? null) : error.code,
    },
  };
}

function modelNotFound(model: string): Problem & { type: string } {
  const message = `The model \`${model}\` does not exist or you do not have access to it.`;
  return { message, type: 'invalid_request_error', code: 'model_not_found', param: null };
}

function listModels(state: State): string[] {
  return state.models ?? DEFAULT_MODELS;
}

function describeModel(id: string): unknown {
  return { id, object: 'model', created: 1_700_000_000, owned_by: 'system' };
}

function isAuthorized(state: State, headers: IncomingHttpHeaders): boolean {
  return state.apiKey === undefined || headers.authorization === `Bearer ${state.apiKey}`;
}

// Like the hosted API, show at most the key's last four characters, never the key.
function incorrectKeyMessage(headers: IncomingHttpHeaders): string {
  const sent = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  if (sent === undefined) {
    return (
      "You didn't provide an API key. You need to provide your API key in an Authorization " +
      'header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).'
    );
  }
  return (
    `Incorrect API key provided: ***${sent.slice(-4)}. You can find your API key at ` +
    'https://platform.openai.com/account/api-keys.'
  );
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function randomId(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

function sendError(res: ServerResponse, status: number, error: { message: string; type: string }) {
  if (!res.headersSent) sendJson(res, status, errorBody(status, error));
}
