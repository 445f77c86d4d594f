// A stand-in for the GitHub REST API, for end-to-end tests. Every request is checked against
// GitHub's own OpenAPI description (@octokit/openapi), so a request the real API would refuse is
// refused here too and recorded as a violation; responses are built from the description's
// examples and checked against its response schemas, so octokit cannot tell the difference.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { closeServer, isRecord, listen, readText, sendJson, tryParseJson } from './http-server.ts';

export type RepositoryRole = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface SeedPull {
  /** `branch` or `owner:branch`. */
  head: string;
  base?: string;
  title?: string;
  body?: string | null;
  state?: 'open' | 'closed';
  draft?: boolean;
  labels?: string[];
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  defaultBranch?: string;
  private?: boolean;
  /** When set, requests must authenticate with exactly this token, else 401 Bad credentials. */
  token?: string;
  /** Login that the token acts as: author of pull requests and comments. */
  actor?: string;
  /** Repository role per login for the collaborator permission endpoint. */
  permissions?: Record<string, RepositoryRole>;
  /** Role of logins missing from `permissions`. Defaults to `none`. */
  defaultRole?: RepositoryRole;
  /** Existing issue numbers (pull requests count as issues too). */
  issues?: number[];
  pulls?: SeedPull[];
  /** Commit sha reported for a branch; defaults to a stable hash of its name. */
  shaOf?: (branch: string) => string;
  /** Extra operations by operationId (e.g. `issues/get`); still validated against the spec. */
  routes?: Record<string, RouteHandler>;
}

export interface FakePull {
  number: number;
  title: string;
  body: string | null;
  /** Branch name, without owner. */
  head: string;
  headOwner: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  author: string;
  createdAt: string;
}

export interface RecordedGitHubRequest {
  method: string;
  /** Path without query string, e.g. `/repos/o/r/pulls`. */
  path: string;
  query: Record<string, string>;
  /** The spec's operationId (e.g. `pulls/create`), when the route exists. */
  operationId: string | undefined;
  body: unknown;
  hasAuth: boolean;
  status: number;
}

export type ViolationKind =
  'unknown-route' | 'unimplemented' | 'unknown-repository' | 'path' | 'query' | 'body' | 'response';

export interface SpecViolation {
  kind: ViolationKind;
  method: string;
  path: string;
  operationId: string | undefined;
  message: string;
}

export interface RouteContext {
  params: Record<string, string | number | boolean>;
  query: Record<string, string | number | boolean>;
  body: unknown;
  repo: RepoState;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (context: RouteContext) => RouteResult;

export interface FakeGitHubServer {
  /** API base URL, for `getOctokit(token, { baseUrl: url })` or GITHUB_API_URL. */
  url: string;
  close(): Promise<void>;
  requests: RecordedGitHubRequest[];
  /** Requests the real API would refuse or that the stand-in cannot answer; assert it is empty. */
  violations: SpecViolation[];
  pulls: FakePull[];
  comments: FakeComment[];
  labelsOf(issueNumber: number): string[];
  /** Answers the next request for this operation with an error status, once. */
  failNext(operationId: string, status: number, message?: string): void;
}

export interface RepoState {
  owner: string;
  repo: string;
  defaultBranch: string;
  private: boolean;
  apiUrl: string;
  actor: string;
  pulls: FakePull[];
  comments: FakeComment[];
  issueLabels: Map<number, string[]>;
  permissions: Record<string, RepositoryRole>;
  defaultRole: RepositoryRole;
  shaOf: (branch: string) => string;
  nextNumber: number;
  nextId: number;
}

const DOCS_URL = 'https://docs.github.com/rest';
const HTML_BASE = 'https://github.com';
const SPEC_ID = 'https://api.github.com/openapi.json';
const BOT_ID = 41898282;
// GitHub names the charset; octokit reads either, but the stand-in answers as GitHub does.
const JSON_UTF8 = { 'content-type': 'application/json; charset=utf-8' };

export async function startFakeGitHubServer(
  options: FakeGitHubOptions = {},
): Promise<FakeGitHubServer> {
  const spec = loadSpec();
  const requests: RecordedGitHubRequest[] = [];
  const violations: SpecViolation[] = [];
  const failures = new Map<string, { status: number; message: string | undefined }>();
  const server = createServer();
  const url = await listen(server);
  const repo = createRepoState(options, url);
  const context: HandlerContext = { spec, repo, options, requests, violations, failures };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(context, req, res).catch((error: unknown) => {
      violations.push(violation('response', req, undefined, `stand-in failure: ${String(error)}`));
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 'Server Error'), JSON_UTF8);
    });
  });
  return {
    url,
    close: () => closeServer(server),
    requests,
    violations,
    pulls: repo.pulls,
    comments: repo.comments,
    labelsOf: (issueNumber) => [...(repo.issueLabels.get(issueNumber) ?? [])],
    failNext: (operationId, status, message) => failures.set(operationId, { status, message }),
  };
}

function createRepoState(options: FakeGitHubOptions, apiUrl: string): RepoState {
  const state: RepoState = {
    owner: options.owner ?? 'octo-org',
    repo: options.repo ?? 'demo',
    defaultBranch: options.defaultBranch ?? 'main',
    private: options.private ?? false,
    apiUrl,
    actor: options.actor ?? 'github-actions[bot]',
    pulls: [],
    comments: [],
    issueLabels: new Map(),
    permissions: options.permissions ?? {},
    defaultRole: options.defaultRole ?? 'none',
    shaOf: options.shaOf ?? ((branch) => createHash('sha1').update(branch).digest('hex')),
    nextNumber: 1,
    nextId: 1000,
  };
  for (const issue of options.issues ?? []) state.issueLabels.set(issue, []);
  state.nextNumber = Math.max(0, ...state.issueLabels.keys()) + 1;
  for (const seed of options.pulls ?? []) seedPull(state, seed);
  return state;
}

function seedPull(state: RepoState, seed: SeedPull): void {
  const pull = openPull(state, {
    head: seed.head,
    base: seed.base ?? state.defaultBranch,
    title: seed.title ?? `Seeded pull request from ${seed.head}`,
    body: seed.body ?? null,
    draft: seed.draft ?? false,
    maintainerCanModify: true,
  });
  pull.state = seed.state ?? 'open';
  state.issueLabels.set(pull.number, [...(seed.labels ?? [])]);
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI description: loaded once per process (13 MB), schemas compiled on first use.

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
  $ref?: string;
}

interface OpenApiOperation {
  operationId: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: unknown }> }>;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, unknown>;
    parameters: Record<string, OpenApiParameter>;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
    examples: Record<string, { value: unknown }>;
  };
}

interface Route {
  template: string;
  pattern: RegExp;
  paramNames: string[];
  literalSegments: number;
  methods: Record<string, OpenApiOperation>;
}

interface Spec {
  doc: OpenApiDocument;
  ajv: Ajv;
  routes: Route[];
  validators: Map<string, OperationValidators>;
}

interface OperationValidators {
  params: OpenApiParameter[];
  path: ValidateFunction;
  query: ValidateFunction;
  body: ValidateFunction | undefined;
  bodyRequired: boolean;
  responses: Map<string, ValidateFunction | undefined>;
}

let cachedSpec: Spec | undefined;

function loadSpec(): Spec {
  if (cachedSpec !== undefined) return cachedSpec;
  const file = createRequire(import.meta.url).resolve(
    '@octokit/openapi/generated/api.github.com.json',
  );
  const doc = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormatsModule.default(ajv);
  // Formats the description uses that ajv-formats does not define; GitHub does not enforce them.
  for (const format of [
    'int32',
    'int64',
    'double',
    'repo.nwo',
    'binary',
    'uri-template',
    'timestamp',
  ]) {
    ajv.addFormat(format, true);
  }
  ajv.addSchema({ $id: SPEC_ID, components: { schemas: doc.components.schemas } });
  cachedSpec = { doc, ajv, routes: buildRoutes(doc), validators: new Map() };
  return cachedSpec;
}

function buildRoutes(doc: OpenApiDocument): Route[] {
  const routes = Object.entries(doc.paths).map(([template, methods]) => {
    const segments = template.split('/').slice(1);
    const paramNames: string[] = [];
    const source = segments.map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      if (param === null) return escapeRegExp(segment);
      paramNames.push(param[1] ?? '');
      return '([^/]+)';
    });
    const literalSegments = segments.length - paramNames.length;
    const pattern = new RegExp(`^/${source.join('/')}$`);
    return { template, pattern, paramNames, literalSegments, methods };
  });
  // '/pulls/comments' must win over '/pulls/{pull_number}'.
  return routes.sort((a, b) => b.literalSegments - a.literalSegments);
}

// Operation schemas point at '#/components/...' of the whole description; re-anchor them on the
// schema registered once under SPEC_ID so ajv resolves them without recompiling 13 MB.
function anchorRefs<T>(schema: T): T {
  const text = JSON.stringify(schema).replaceAll('"#/components/', `"${SPEC_ID}#/components/`);
  return JSON.parse(text) as T;
}

function validatorsFor(spec: Spec, operation: OpenApiOperation): OperationValidators {
  const cached = spec.validators.get(operation.operationId);
  if (cached !== undefined) return cached;
  const params = (operation.parameters ?? []).map((param) => resolveParam(spec.doc, param));
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const validators: OperationValidators = {
    params,
    path: spec.ajv.compile(paramsSchema(params, 'path')),
    query: spec.ajv.compile(paramsSchema(params, 'query')),
    body:
      bodySchema === undefined ? undefined : spec.ajv.compile(closeObject(anchorRefs(bodySchema))),
    bodyRequired: operation.requestBody?.required === true,
    responses: new Map(),
  };
  spec.validators.set(operation.operationId, validators);
  return validators;
}

function resolveParam(doc: OpenApiDocument, param: OpenApiParameter): OpenApiParameter {
  if (param.$ref === undefined) return param;
  const name = param.$ref.split('/').pop() ?? '';
  const resolved = doc.components.parameters[name];
  if (resolved === undefined) throw new Error(`Unresolvable parameter ${param.$ref}`);
  return resolved;
}

// Unknown query parameters and body fields are silently ignored by GitHub, which hides typos
// in the code under test; the stand-in refuses them instead.
function paramsSchema(params: OpenApiParameter[], location: 'path' | 'query'): object {
  const own = params.filter((param) => param.in === location);
  return {
    type: 'object',
    properties: Object.fromEntries(
      own.map((param) => [param.name, anchorRefs(param.schema ?? {})]),
    ),
    required: own.filter((param) => param.required === true).map((param) => param.name),
    additionalProperties: false,
  };
}

function closeObject(schema: unknown): object {
  if (!isRecord(schema)) throw new Error('A request body schema must be an object');
  return closeNested(schema);
}

function closeNested(schema: unknown): object {
  if (!isRecord(schema)) return schema as object;
  if (Array.isArray(schema.oneOf)) return { ...schema, oneOf: schema.oneOf.map(closeNested) };
  const isOpenObject =
    schema.type === 'object' &&
    isRecord(schema.properties) &&
    schema.additionalProperties === undefined;
  return isOpenObject ? { ...schema, additionalProperties: false } : schema;
}

function responseValidator(
  spec: Spec,
  operation: OpenApiOperation,
  status: number,
): ValidateFunction | undefined {
  const validators = validatorsFor(spec, operation);
  const key = String(status);
  if (validators.responses.has(key)) return validators.responses.get(key);
  let response = operation.responses[key];
  if (response?.$ref !== undefined) {
    response = spec.doc.components.responses[response.$ref.split('/').pop() ?? ''];
  }
  const schema = response?.content?.['application/json']?.schema;
  const validate =
    schema === undefined ? undefined : spec.ajv.compile(anchorRefs(schema) as object);
  validators.responses.set(key, validate);
  return validate;
}

// ---------------------------------------------------------------------------------------------
// Request handling.

interface HandlerContext {
  spec: Spec;
  repo: RepoState;
  options: FakeGitHubOptions;
  requests: RecordedGitHubRequest[];
  violations: SpecViolation[];
  failures: Map<string, { status: number; message: string | undefined }>;
}

interface Matched {
  operation: OpenApiOperation;
  rawParams: Record<string, string>;
}

async function handle(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const raw = await readText(req);
  const record: RecordedGitHubRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    operationId: undefined,
    body: tryParseJson(raw),
    hasAuth: req.headers.authorization !== undefined,
    status: 0,
  };
  ctx.requests.push(record);
  const result = answer(ctx, req, record, raw);
  record.status = result.status;
  sendJson(res, result.status, result.body, {
    ...JSON_UTF8,
    ...standardHeaders(),
    ...result.headers,
  });
}

function answer(
  ctx: HandlerContext,
  req: IncomingMessage,
  record: RecordedGitHubRequest,
  raw: string,
): RouteResult {
  const matched = matchRoute(ctx.spec, record.method, record.path);
  if (matched === undefined) {
    const message = 'no such operation in the spec';
    ctx.violations.push(violation('unknown-route', req, undefined, message));
    return { status: 404, body: errorBody(404, 'Not Found') };
  }
  const { operation } = matched;
  record.operationId = operation.operationId;
  const unauthorized = checkAuth(ctx.options, req.headers);
  if (unauthorized !== undefined) return unauthorized;
  if (raw !== '' && record.body === undefined) {
    ctx.violations.push(violation('body', req, operation.operationId, 'body is not JSON'));
    return { status: 400, body: errorBody(400, 'Problems parsing JSON') };
  }
  const checked = checkRequest(ctx, req, matched, record);
  if ('status' in checked) return checked;
  return dispatch(ctx, req, operation, checked);
}

function matchRoute(spec: Spec, method: string, path: string): Matched | undefined {
  const verb = method.toLowerCase();
  for (const route of spec.routes) {
    const match = route.pattern.exec(path);
    const operation = route.methods[verb];
    if (match === null || operation === undefined) continue;
    const rawParams = Object.fromEntries(
      route.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
    );
    return { operation, rawParams };
  }
  return undefined;
}

function checkAuth(
  options: FakeGitHubOptions,
  headers: IncomingHttpHeaders,
): RouteResult | undefined {
  const header = headers.authorization;
  if (header === undefined) {
    return { status: 401, body: errorBody(401, 'Requires authentication') };
  }
  const token = /^(?:token|bearer) (.+)$/i.exec(header)?.[1];
  if (options.token !== undefined && token !== options.token) {
    return { status: 401, body: errorBody(401, 'Bad credentials') };
  }
  return undefined;
}

function checkRequest(
  ctx: HandlerContext,
  req: IncomingMessage,
  matched: Matched,
  record: RecordedGitHubRequest,
): RouteContext | RouteResult {
  const { operation } = matched;
  const validators = validatorsFor(ctx.spec, operation);
  const params = coerceAll(matched.rawParams, validators.params);
  const query = coerceAll(record.query, validators.params);
  const checks: [ViolationKind, ValidateFunction, unknown][] = [
    ['path', validators.path, params],
    ['query', validators.query, query],
  ];
  if (validators.body !== undefined && (record.body !== undefined || validators.bodyRequired)) {
    checks.push(['body', validators.body, record.body]);
  }
  for (const [kind, validate, value] of checks) {
    if (validate(value)) continue;
    const message = describeErrors(validate.errors);
    ctx.violations.push(violation(kind, req, operation.operationId, message));
    return { status: 422, body: errorBody(422, `Invalid request.\n\n${message}`) };
  }
  if (!isThisRepository(ctx.repo, params)) {
    ctx.violations.push(
      violation(
        'unknown-repository',
        req,
        operation.operationId,
        `the stand-in only hosts ${ctx.repo.owner}/${ctx.repo.repo}`,
      ),
    );
    return { status: 404, body: errorBody(404, 'Not Found') };
  }
  return { params, query, body: record.body, repo: ctx.repo };
}

// Query and path values arrive as strings; the spec types them (pull_number is an integer).
function coerceAll(
  values: Record<string, string>,
  params: OpenApiParameter[],
): Record<string, string | number | boolean> {
  const types = new Map(params.map((param) => [param.name, param.schema?.type]));
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => {
      const type = types.get(name);
      if (type === 'integer' && /^-?\d+$/.test(value)) return [name, Number(value)];
      if (type === 'boolean' && (value === 'true' || value === 'false')) {
        return [name, value === 'true'];
      }
      return [name, value];
    }),
  );
}

function isThisRepository(repo: RepoState, params: Record<string, unknown>): boolean {
  if (params.owner === undefined && params.repo === undefined) return true;
  return (
    String(params.owner).toLowerCase() === repo.owner.toLowerCase() &&
    String(params.repo).toLowerCase() === repo.repo.toLowerCase()
  );
}

function dispatch(
  ctx: HandlerContext,
  req: IncomingMessage,
  operation: OpenApiOperation,
  routeContext: RouteContext,
): RouteResult {
  const failure = ctx.failures.get(operation.operationId);
  if (failure !== undefined) {
    ctx.failures.delete(operation.operationId);
    return { status: failure.status, body: errorBody(failure.status, failure.message) };
  }
  const handler = ctx.options.routes?.[operation.operationId] ?? HANDLERS[operation.operationId];
  if (handler === undefined) {
    ctx.violations.push(
      violation(
        'unimplemented',
        req,
        operation.operationId,
        'the stand-in does not implement this operation; add it through the `routes` option',
      ),
    );
    return { status: 404, body: errorBody(404, 'Not Found') };
  }
  const result = handler(routeContext);
  checkResponse(ctx, req, operation, result);
  return result;
}

function checkResponse(
  ctx: HandlerContext,
  req: IncomingMessage,
  operation: OpenApiOperation,
  result: RouteResult,
): void {
  const validate = responseValidator(ctx.spec, operation, result.status);
  if (operation.responses[String(result.status)] === undefined) {
    ctx.violations.push(
      violation(
        'response',
        req,
        operation.operationId,
        `status ${result.status} is not a documented response`,
      ),
    );
  } else if (validate !== undefined && !validate(result.body)) {
    ctx.violations.push(
      violation(
        'response',
        req,
        operation.operationId,
        `response does not match the spec: ${describeErrors(validate.errors)}`,
      ),
    );
  }
}

function violation(
  kind: ViolationKind,
  req: IncomingMessage,
  operationId: string | undefined,
  message: string,
): SpecViolation {
  const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
  return { kind, method: req.method ?? 'GET', path, operationId, message };
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((error) => {
      const where = error.instancePath === '' ? '(root)' : error.instancePath;
      const extra =
        error.keyword === 'additionalProperties'
          ? ` '${String(error.params.additionalProperty)}'`
          : '';
      return `${where} ${error.message ?? error.keyword}${extra}`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Operations.

const HANDLERS: Record<string, RouteHandler> = {
  'repos/get': ({ repo }) => ({ status: 200, body: renderFullRepository(repo) }),
  'pulls/create': createPull,
  'pulls/list': listPulls,
  'pulls/get': ({ repo, params }) => withPull(repo, params, (pull) => renderPull(repo, pull)),
  'pulls/update': updatePull,
  'issues/add-labels': addLabels,
  'issues/create-comment': createComment,
  'repos/get-collaborator-permission-level': getPermission,
};

interface PullDraft {
  head: string;
  base: string;
  title: string;
  body: string | null;
  draft: boolean;
  maintainerCanModify: boolean;
}

function createPull({ repo, body }: RouteContext): RouteResult {
  const input = body as Record<string, unknown>;
  if (typeof input.title !== 'string' && input.issue === undefined) {
    return validationFailed('PullRequest', 'missing_field', 'title');
  }
  const [headOwner, head] = splitHead(repo, String(input.head));
  const base = String(input.base);
  if (findOpenPull(repo, headOwner, head, base) !== undefined) {
    return validationFailed(
      'PullRequest',
      'custom',
      undefined,
      `A pull request already exists for ${headOwner}:${head}.`,
    );
  }
  if (headOwner === repo.owner && head === base) {
    return validationFailed(
      'PullRequest',
      'custom',
      undefined,
      `No commits between ${base} and ${head}`,
    );
  }
  const pull = openPull(repo, {
    head: `${headOwner}:${head}`,
    base,
    title: String(input.title ?? ''),
    body: typeof input.body === 'string' ? input.body : null,
    draft: input.draft === true,
    maintainerCanModify: input.maintainer_can_modify !== false,
  });
  const location = `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/pulls/${pull.number}`;
  return { status: 201, body: renderPull(repo, pull), headers: { location } };
}

function openPull(repo: RepoState, draft: PullDraft): FakePull {
  const [headOwner, head] = splitHead(repo, draft.head);
  const now = timestamp();
  const pull: FakePull = {
    number: repo.nextNumber++,
    title: draft.title,
    body: draft.body,
    head,
    headOwner,
    base: draft.base,
    state: 'open',
    draft: draft.draft,
    maintainerCanModify: draft.maintainerCanModify,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  };
  repo.pulls.push(pull);
  repo.issueLabels.set(pull.number, []);
  return pull;
}

function splitHead(repo: RepoState, head: string): [string, string] {
  const colon = head.indexOf(':');
  return colon < 0 ? [repo.owner, head] : [head.slice(0, colon), head.slice(colon + 1)];
}

function findOpenPull(repo: RepoState, headOwner: string, head: string, base: string) {
  return repo.pulls.find(
    (pull) =>
      pull.state === 'open' &&
      pull.head === head &&
      pull.headOwner.toLowerCase() === headOwner.toLowerCase() &&
      pull.base === base,
  );
}

function listPulls({ repo, query }: RouteContext): RouteResult {
  const state = String(query.state ?? 'open');
  // GitHub silently ignores a head filter without the 'owner:' prefix; so does the stand-in,
  // so a caller that forgets the prefix sees the same wrong results it would see in production.
  const head =
    typeof query.head === 'string' && query.head.includes(':')
      ? splitHead(repo, query.head)
      : undefined;
  const matches = repo.pulls.filter(
    (pull) =>
      (state === 'all' || pull.state === state) &&
      (query.base === undefined || pull.base === query.base) &&
      (head === undefined ||
        (pull.headOwner.toLowerCase() === head[0].toLowerCase() && pull.head === head[1])),
  );
  const sorted = sortPulls(matches, String(query.sort ?? 'created'), query.direction);
  const perPage = Number(query.per_page ?? 30);
  const page = Number(query.page ?? 1);
  const slice = sorted.slice((page - 1) * perPage, page * perPage);
  return {
    status: 200,
    body: slice.map((pull) => renderPullSimple(repo, pull)),
    headers: paginationHeaders(repo, query, page, Math.ceil(sorted.length / perPage)),
  };
}

function sortPulls(pulls: FakePull[], sort: string, direction: unknown): FakePull[] {
  const key = sort === 'updated' ? 'updatedAt' : 'createdAt';
  const descending = direction === undefined ? true : direction === 'desc';
  return [...pulls].sort((a, b) => {
    const order = a[key].localeCompare(b[key]) || a.number - b.number;
    return descending ? -order : order;
  });
}

function paginationHeaders(
  repo: RepoState,
  query: Record<string, unknown>,
  page: number,
  lastPage: number,
): Record<string, string> {
  if (page >= lastPage) return {};
  const link = (n: number): string => {
    const params = new URLSearchParams({ ...stringify(query), page: String(n) });
    return `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/pulls?${params.toString()}`;
  };
  return { link: `<${link(page + 1)}>; rel="next", <${link(lastPage)}>; rel="last"` };
}

function stringify(values: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, String(value)]));
}

function updatePull({ repo, params, body }: RouteContext): RouteResult {
  const input = (body ?? {}) as Record<string, unknown>;
  return withPull(repo, params, (pull) => {
    if (typeof input.title === 'string') pull.title = input.title;
    if (typeof input.body === 'string') pull.body = input.body;
    if (typeof input.base === 'string') pull.base = input.base;
    if (typeof input.maintainer_can_modify === 'boolean') {
      pull.maintainerCanModify = input.maintainer_can_modify;
    }
    if (input.state === 'open' || input.state === 'closed') {
      pull.closedAt = input.state === 'closed' ? timestamp() : null;
      pull.state = input.state;
    }
    pull.updatedAt = timestamp();
    return renderPull(repo, pull);
  });
}

function withPull(
  repo: RepoState,
  params: Record<string, unknown>,
  render: (pull: FakePull) => unknown,
): RouteResult {
  const pull = repo.pulls.find((candidate) => candidate.number === params.pull_number);
  if (pull === undefined) return { status: 404, body: errorBody(404, 'Not Found') };
  return { status: 200, body: render(pull) };
}

function addLabels({ repo, params, body }: RouteContext): RouteResult {
  const labels = repo.issueLabels.get(Number(params.issue_number));
  if (labels === undefined) return { status: 404, body: errorBody(404, 'Not Found') };
  const input = (body ?? {}) as { labels?: (string | { name: string })[] };
  for (const label of input.labels ?? []) {
    const name = typeof label === 'string' ? label : label.name;
    if (!labels.includes(name)) labels.push(name);
  }
  return { status: 200, body: labels.map((name) => renderLabel(repo, name)) };
}

function createComment({ repo, params, body }: RouteContext): RouteResult {
  const issueNumber = Number(params.issue_number);
  if (!repo.issueLabels.has(issueNumber)) {
    return { status: 404, body: errorBody(404, 'Not Found') };
  }
  const comment: FakeComment = {
    id: repo.nextId++,
    issueNumber,
    body: String((body as { body: string }).body),
    author: repo.actor,
    createdAt: timestamp(),
  };
  repo.comments.push(comment);
  const location = `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/issues/comments/${comment.id}`;
  return { status: 201, body: renderComment(repo, comment), headers: { location } };
}

// The legacy `permission` field folds the finer roles: maintain reads as write, triage as read.
const LEGACY_PERMISSION: Record<RepositoryRole, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

function getPermission({ repo, params }: RouteContext): RouteResult {
  const login = String(params.username);
  const role = repo.permissions[login] ?? repo.defaultRole;
  const user = { ...renderUser(repo, login), role_name: role };
  return {
    status: 200,
    body: { permission: LEGACY_PERMISSION[role], role_name: role, user },
  };
}

function validationFailed(
  resource: string,
  code: string,
  field: string | undefined,
  message?: string,
): RouteResult {
  const error = { resource, code, ...(field ? { field } : {}), ...(message ? { message } : {}) };
  return {
    status: 422,
    body: {
      message: 'Validation Failed',
      errors: [error],
      documentation_url: DOCS_URL,
      status: '422',
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rendering: objects start from the description's own examples, rewritten for this repository.

type Json = Record<string, unknown>;

function example(name: string): Json {
  const value = loadSpec().doc.components.examples[name]?.value;
  if (value === undefined) throw new Error(`The OpenAPI description has no example '${name}'`);
  return structuredClone(value) as Json;
}

function rewrite<T>(value: T, pairs: [string, string][]): T {
  if (typeof value === 'string') {
    return pairs.reduce((text: string, [from, to]) => text.replaceAll(from, to), value) as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => rewrite(item, pairs)) as T;
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v, pairs)])) as T;
  }
  return value;
}

function repoPairs(repo: RepoState): [string, string][] {
  return [
    ['https://api.github.com', repo.apiUrl],
    ['octocat/Hello-World', `${repo.owner}/${repo.repo}`],
    ['/octocat', `/${repo.owner}`],
    ['octocat', repo.owner],
  ];
}

function renderUser(repo: RepoState, login: string): Json {
  const template = example('pull-request').user as Json;
  const isBot = login.endsWith('[bot]');
  const user = rewrite(template, [
    ['https://api.github.com', repo.apiUrl],
    ['/octocat', `/${encodeURIComponent(login)}`],
  ]);
  return {
    ...user,
    login,
    id: isBot ? BOT_ID : stableNumber(login),
    node_id: nodeId(isBot ? 'Bot' : 'User', login),
    type: isBot ? 'Bot' : login === repo.owner ? 'Organization' : 'User',
  };
}

function renderRepository(repo: RepoState): Json {
  const base = rewrite(example('pull-request').base as Json, repoPairs(repo));
  return { ...(base.repo as Json), ...repositoryIdentity(repo) };
}

function renderFullRepository(repo: RepoState): Json {
  const full = rewrite(example('full-repository-default-response'), repoPairs(repo));
  for (const key of ['organization', 'parent', 'source', 'template_repository']) delete full[key];
  return {
    ...full,
    ...repositoryIdentity(repo),
    language: null,
    visibility: repo.private ? 'private' : 'public',
    open_issues_count: repo.pulls.filter((pull) => pull.state === 'open').length,
  };
}

function repositoryIdentity(repo: RepoState): Json {
  return {
    name: repo.repo,
    full_name: `${repo.owner}/${repo.repo}`,
    owner: renderUser(repo, repo.owner),
    private: repo.private,
    default_branch: repo.defaultBranch,
    fork: false,
  };
}

function renderPull(repo: RepoState, pull: FakePull): Json {
  const sha = repo.shaOf(pull.head);
  const template = rewrite(example('pull-request'), [
    ...repoPairs(repo),
    ['/pulls/1347', `/pulls/${pull.number}`],
    ['/pull/1347', `/pull/${pull.number}`],
    ['/issues/1347', `/issues/${pull.number}`],
    ['6dcb09b5b57875f334f61aebed695e2e4193db5e', sha],
  ]);
  const actor = renderUser(repo, repo.actor);
  return {
    ...template,
    id: stableNumber(`pull:${pull.number}`),
    node_id: nodeId('PullRequest', String(pull.number)),
    html_url: `${HTML_BASE}/${repo.owner}/${repo.repo}/pull/${pull.number}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    body: pull.body,
    user: actor,
    labels: (repo.issueLabels.get(pull.number) ?? []).map((name) => renderLabel(repo, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branchEnd(repo, pull.headOwner, pull.head, sha),
    base: branchEnd(repo, repo.owner, pull.base, repo.shaOf(pull.base)),
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: pull.draft,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: repo.comments.filter((comment) => comment.issueNumber === pull.number).length,
    review_comments: 0,
    maintainer_can_modify: pull.maintainerCanModify,
    commits: 1,
    additions: 0,
    deletions: 0,
    changed_files: 0,
  };
}

function renderPullSimple(repo: RepoState, pull: FakePull): Json {
  const full = renderPull(repo, pull);
  const schema = loadSpec().doc.components.schemas['pull-request-simple'] as { properties: Json };
  return Object.fromEntries(
    Object.keys(schema.properties)
      .filter((key) => key in full)
      .map((key) => [key, full[key]]),
  );
}

function branchEnd(repo: RepoState, owner: string, ref: string, sha: string): Json {
  return {
    label: `${owner}:${ref}`,
    ref,
    sha,
    user: renderUser(repo, owner),
    repo: renderRepository(repo),
  };
}

function renderLabel(repo: RepoState, name: string): Json {
  const template = rewrite(example('label'), repoPairs(repo));
  return {
    ...template,
    id: stableNumber(`label:${name}`),
    node_id: nodeId('Label', name),
    url: `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/labels/${encodeURIComponent(name)}`,
    name,
    // Empty rather than null: the list schema (pull-request-simple) does not allow null here.
    description: '',
    color: 'ededed',
    default: false,
  };
}

function renderComment(repo: RepoState, comment: FakeComment): Json {
  const template = rewrite(example('issue-comment'), repoPairs(repo));
  const isPull = repo.pulls.some((pull) => pull.number === comment.issueNumber);
  const page = `${isPull ? 'pull' : 'issues'}/${comment.issueNumber}`;
  return {
    ...template,
    id: comment.id,
    node_id: nodeId('IssueComment', String(comment.id)),
    url: `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/issues/comments/${comment.id}`,
    html_url: `${HTML_BASE}/${repo.owner}/${repo.repo}/${page}#issuecomment-${comment.id}`,
    issue_url: `${repo.apiUrl}/repos/${repo.owner}/${repo.repo}/issues/${comment.issueNumber}`,
    body: comment.body,
    user: renderUser(repo, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.createdAt,
    author_association: 'NONE',
  };
}

function stableNumber(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0);
}

function nodeId(kind: string, seed: string): string {
  return Buffer.from(`${kind}:${seed}`).toString('base64');
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ---------------------------------------------------------------------------------------------
// HTTP plumbing.

function errorBody(status: number, message = 'Server Error'): Json {
  return { message, documentation_url: DOCS_URL, status: String(status) };
}

function standardHeaders(): Record<string, string> {
  return {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-request-id': createHash('sha1')
      .update(String(Math.random()))
      .digest('hex')
      .slice(0, 16)
      .toUpperCase(),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
