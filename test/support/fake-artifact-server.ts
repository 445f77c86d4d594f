// A stand-in for the GitHub Actions results service that @actions/artifact (v2+ protocol) talks
// to, for end-to-end tests: the Twirp JSON ArtifactService and the Azure block blob endpoints its
// signed upload URLs point at. The client finds it through ACTIONS_RESULTS_URL and authenticates
// with ACTIONS_RUNTIME_TOKEN, exactly as on a runner.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inflateRawSync } from 'node:zlib';
import { closeServer, isRecord, listen, readBody, sendJson, tryParseJson } from './http-server.ts';

export interface FakeArtifactServerOptions {
  /** Backend id of the workflow run carried in the runtime token. Defaults to a random UUID. */
  runId?: string;
  /** Backend id of the job carried in the runtime token. Defaults to a random UUID. */
  jobId?: string;
}

export interface FakeArtifact {
  id: number;
  name: string;
  runId: string;
  jobId: string;
  mimeType: string | undefined;
  expiresAt: string | undefined;
  /** The committed blob, once the upload finished; the zip for ordinary uploads. */
  content: Buffer | undefined;
  blobContentType: string | undefined;
  finalized: boolean;
  createdAt: string;
  /** Size and `sha256:...` digest the client reported when finalizing. */
  size: number | undefined;
  digest: string | undefined;
}

export interface RecordedArtifactRequest {
  /** `twirp` for ArtifactService calls, `blob` for storage calls. */
  kind: 'twirp' | 'blob';
  method: string;
  /** Twirp method name (`CreateArtifact`), or blob operation (`PutBlock`, `PutBlockList`, ...). */
  operation: string;
  body: unknown;
  hasAuth: boolean;
  status: number;
}

// A type alias rather than an interface so it can be spread into an environment record.
export type ArtifactEnv = {
  ACTIONS_RUNTIME_TOKEN: string;
  ACTIONS_RESULTS_URL: string;
};

export interface FakeArtifactServer {
  url: string;
  close(): Promise<void>;
  runId: string;
  jobId: string;
  /** Variables the process under test needs; GITHUB_SERVER_URL must also be unset or github.com. */
  env: ArtifactEnv;
  artifacts: FakeArtifact[];
  requests: RecordedArtifactRequest[];
  /** Protocol mistakes: unknown methods or fields, wrong ids, bad signatures, digest mismatches. */
  violations: string[];
  /** Files inside a finalized artifact's zip, by path; throws if there is no such artifact. */
  filesOf(name: string): Map<string, Buffer>;
}

const SERVICE = 'github.actions.results.api.v1.ArtifactService';
const ACCOUNT = 'devstoreaccount1';
const CONTAINER = 'actions-results';
const STORAGE_VERSION = '2025-11-05';

/**
 * A runtime token as the runner issues it: a JWT whose `scp` claim grants the results scope for
 * one run and job. The client only decodes it, so the signature is a placeholder.
 */
export function makeRuntimeToken(runId: string, jobId: string): string {
  const encode = (value: object): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const header = encode({ typ: 'JWT', alg: 'RS256' });
  const payload = encode({
    scp: `Actions.ExampleScope Actions.Results:${runId}:${jobId}`,
    iat: now,
    nbf: now,
    exp: now + 6 * 3600,
  });
  return `${header}.${payload}.${randomBytes(32).toString('base64url')}`;
}

/** Entries of a zip archive by path (directories left out), read from its central directory. */
export function readZip(archive: Buffer): Map<string, Buffer> {
  const end = archive.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error('Not a zip archive: no end of central directory record');
  const count = archive.readUInt16LE(end + 10);
  let offset = archive.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (archive.readUInt32LE(offset) !== 0x02014b50) throw new Error('Corrupt central directory');
    const entry = readCentralEntry(archive, offset);
    if (!entry.name.endsWith('/')) files.set(entry.name, extractEntry(archive, entry));
    offset = entry.next;
  }
  return files;
}

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  localOffset: number;
  next: number;
}

function readCentralEntry(archive: Buffer, offset: number): ZipEntry {
  const nameLength = archive.readUInt16LE(offset + 28);
  const extraLength = archive.readUInt16LE(offset + 30);
  const commentLength = archive.readUInt16LE(offset + 32);
  const entry = {
    name: archive.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'),
    method: archive.readUInt16LE(offset + 10),
    compressedSize: archive.readUInt32LE(offset + 20),
    localOffset: archive.readUInt32LE(offset + 42),
    next: offset + 46 + nameLength + extraLength + commentLength,
  };
  if (entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) {
    throw new Error(`Zip64 entry '${entry.name}' is beyond what this reader handles`);
  }
  return entry;
}

function extractEntry(archive: Buffer, entry: ZipEntry): Buffer {
  const local = entry.localOffset;
  const start = local + 30 + archive.readUInt16LE(local + 26) + archive.readUInt16LE(local + 28);
  const data = archive.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`Zip entry '${entry.name}' uses unsupported compression method ${entry.method}`);
}

export async function startFakeArtifactServer(
  options: FakeArtifactServerOptions = {},
): Promise<FakeArtifactServer> {
  const server = createServer();
  const url = await listen(server);
  const state = createState(options, url);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(state, req, res).catch((error: unknown) => {
      state.violations.push(`stand-in failure: ${String(error)}`);
      if (!res.headersSent) sendTwirpError(res, 'internal', 'stand-in failure');
    });
  });
  return {
    url,
    close: () => closeServer(server),
    runId: state.runId,
    jobId: state.jobId,
    env: { ACTIONS_RUNTIME_TOKEN: state.token, ACTIONS_RESULTS_URL: `${url}/` },
    artifacts: state.artifacts,
    requests: state.requests,
    violations: state.violations,
    filesOf: (name) => readZip(finalizedContent(state, name)),
  };
}

interface Upload {
  artifact: FakeArtifact;
  signature: string;
  blocks: Map<string, Buffer>;
}

interface State {
  url: string;
  runId: string;
  jobId: string;
  token: string;
  artifacts: FakeArtifact[];
  uploads: Map<string, Upload>;
  requests: RecordedArtifactRequest[];
  violations: string[];
  nextId: number;
}

function createState(options: FakeArtifactServerOptions, url: string): State {
  const runId = options.runId ?? randomUUID();
  const jobId = options.jobId ?? randomUUID();
  return {
    url,
    runId,
    jobId,
    token: makeRuntimeToken(runId, jobId),
    artifacts: [],
    uploads: new Map(),
    requests: [],
    violations: [],
    nextId: 1001,
  };
}

function finalizedContent(state: State, name: string): Buffer {
  const artifact = state.artifacts.find((candidate) => candidate.name === name);
  if (artifact?.finalized !== true || artifact.content === undefined) {
    const known = state.artifacts.map((candidate) => candidate.name).join(', ') || 'none';
    throw new Error(`No finalized artifact named '${name}' (artifacts: ${known})`);
  }
  return artifact.content;
}

async function handle(state: State, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://stand-in');
  const body = await readBody(req);
  if (url.pathname.startsWith('/twirp/')) {
    handleTwirp(state, req, res, url.pathname, body);
  } else if (url.pathname.startsWith(`/${ACCOUNT}/${CONTAINER}/`)) {
    handleBlob(state, req, res, url, body);
  } else {
    state.violations.push(`unknown endpoint ${req.method} ${url.pathname}`);
    sendTwirpError(res, 'bad_route', `no handler for path ${url.pathname}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Twirp ArtifactService (JSON, proto field names).

type Json = Record<string, unknown>;

interface TwirpError {
  code: TwirpCode;
  msg: string;
}

type TwirpCode =
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'bad_route'
  | 'internal';

const TWIRP_STATUS: Record<TwirpCode, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  bad_route: 404,
  internal: 500,
};

const IDS = ['workflow_run_backend_id', 'workflow_job_run_backend_id'];
const METHOD_FIELDS: Record<string, string[]> = {
  CreateArtifact: [...IDS, 'name', 'expires_at', 'version', 'mime_type'],
  FinalizeArtifact: [...IDS, 'name', 'size', 'hash'],
  ListArtifacts: [...IDS, 'name_filter', 'id_filter'],
  GetSignedArtifactURL: [...IDS, 'name'],
  DeleteArtifact: [...IDS, 'name'],
};

type TwirpMethod = (state: State, request: Json) => Json | TwirpError;

const METHODS: Record<string, TwirpMethod> = {
  CreateArtifact: createArtifact,
  FinalizeArtifact: finalizeArtifact,
  ListArtifacts: listArtifacts,
  GetSignedArtifactURL: getSignedArtifactUrl,
  DeleteArtifact: deleteArtifact,
};

function handleTwirp(
  state: State,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  raw: Buffer,
): void {
  const operation = path.slice(`/twirp/${SERVICE}/`.length);
  const body = tryParseJson(raw.toString('utf8'));
  const record: RecordedArtifactRequest = {
    kind: 'twirp',
    method: req.method ?? 'POST',
    operation,
    body,
    hasAuth: req.headers.authorization !== undefined,
    status: 0,
  };
  state.requests.push(record);
  const result = answerTwirp(state, req, path, operation, body);
  if (isTwirpError(result)) {
    // Refusing a duplicate name or a missing artifact is the service working, not a client bug.
    if (result.code !== 'already_exists' && result.code !== 'not_found') {
      state.violations.push(`${operation}: ${result.code}: ${result.msg}`);
    }
    record.status = TWIRP_STATUS[result.code];
    sendTwirpError(res, result.code, result.msg);
    return;
  }
  record.status = 200;
  sendJson(res, 200, result);
}

function isTwirpError(result: Json | TwirpError): result is TwirpError {
  return typeof result.code === 'string' && typeof result.msg === 'string' && !('ok' in result);
}

function answerTwirp(
  state: State,
  req: IncomingMessage,
  path: string,
  operation: string,
  body: unknown,
): Json | TwirpError {
  const method = METHODS[operation];
  if (req.method !== 'POST' || !path.startsWith(`/twirp/${SERVICE}/`) || method === undefined) {
    return { code: 'bad_route', msg: `no handler for ${req.method} ${path}` };
  }
  if (!String(req.headers['content-type']).startsWith('application/json')) {
    return { code: 'bad_route', msg: 'unexpected Content-Type; this service speaks JSON' };
  }
  const authError = checkToken(state, req.headers.authorization);
  if (authError !== undefined) return authError;
  const requestError = checkTwirpRequest(state, operation, body);
  if (requestError !== undefined) return requestError;
  return method(state, body as Json);
}

function checkToken(state: State, header: string | undefined): TwirpError | undefined {
  const token = /^Bearer (.+)$/.exec(header ?? '')?.[1];
  if (token === undefined) return { code: 'unauthenticated', msg: 'missing bearer token' };
  if (token !== state.token) return { code: 'unauthenticated', msg: 'invalid runtime token' };
  return undefined;
}

function checkTwirpRequest(state: State, operation: string, body: unknown): TwirpError | undefined {
  if (!isRecord(body)) return { code: 'invalid_argument', msg: 'body must be a JSON object' };
  const allowed = METHOD_FIELDS[operation] ?? [];
  const unknown = Object.keys(body).filter((field) => !allowed.includes(field));
  if (unknown.length > 0) {
    return { code: 'invalid_argument', msg: `unknown field(s): ${unknown.join(', ')}` };
  }
  if (
    body.workflow_run_backend_id !== state.runId ||
    body.workflow_job_run_backend_id !== state.jobId
  ) {
    return { code: 'permission_denied', msg: 'backend ids do not match the runtime token' };
  }
  return undefined;
}

function createArtifact(state: State, request: Json): Json | TwirpError {
  const name = String(request.name ?? '');
  if (name === '') return { code: 'invalid_argument', msg: 'name is required' };
  if (typeof request.version !== 'number' || request.version < 4) {
    return { code: 'invalid_argument', msg: `unsupported artifact version ${request.version}` };
  }
  if (findArtifact(state, name)?.finalized === true) {
    return {
      code: 'already_exists',
      msg: 'an artifact with this name already exists on the ' + 'workflow run',
    };
  }
  const artifact: FakeArtifact = {
    id: state.nextId++,
    name,
    runId: state.runId,
    jobId: state.jobId,
    createdAt: new Date().toISOString(),
    mimeType: typeof request.mime_type === 'string' ? request.mime_type : undefined,
    expiresAt: typeof request.expires_at === 'string' ? request.expires_at : undefined,
    content: undefined,
    blobContentType: undefined,
    finalized: false,
    size: undefined,
    digest: undefined,
  };
  state.artifacts.splice(
    0,
    state.artifacts.length,
    ...state.artifacts.filter((candidate) => candidate.name !== name),
    artifact,
  );
  return { ok: true, signed_upload_url: signedUrl(state, artifact, 'cw') };
}

function signedUrl(state: State, artifact: FakeArtifact, permissions: string): string {
  const blob = `${artifact.runId}/${artifact.jobId}/${artifact.id}.zip`;
  let upload = state.uploads.get(blob);
  if (upload === undefined) {
    upload = { artifact, signature: randomBytes(32).toString('base64'), blocks: new Map() };
    state.uploads.set(blob, upload);
  }
  const expiry = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const query = new URLSearchParams({
    sv: STORAGE_VERSION,
    sr: 'b',
    sp: permissions,
    se: expiry,
    sig: upload.signature,
  });
  return `${state.url}/${ACCOUNT}/${CONTAINER}/${blob}?${query.toString()}`;
}

function finalizeArtifact(state: State, request: Json): Json | TwirpError {
  const artifact = findArtifact(state, String(request.name));
  if (artifact === undefined || artifact.finalized) {
    return { code: 'not_found', msg: 'no pending artifact with this name' };
  }
  if (artifact.content === undefined) {
    return { code: 'invalid_argument', msg: 'the artifact blob was never committed' };
  }
  const size = Number(request.size);
  const digest = typeof request.hash === 'string' ? request.hash : undefined;
  const actual = `sha256:${createHash('sha256').update(artifact.content).digest('hex')}`;
  if (size !== artifact.content.length) {
    return {
      code: 'invalid_argument',
      msg: `size ${size} differs from the uploaded ` + `${artifact.content.length} bytes`,
    };
  }
  if (digest !== undefined && digest !== actual) {
    return { code: 'invalid_argument', msg: `hash ${digest} differs from the uploaded ${actual}` };
  }
  Object.assign(artifact, { finalized: true, size, digest });
  return { ok: true, artifact_id: String(artifact.id) };
}

function listArtifacts(state: State, request: Json): Json {
  const artifacts = state.artifacts.filter(
    (artifact) =>
      artifact.finalized &&
      (request.name_filter === undefined || artifact.name === request.name_filter) &&
      (request.id_filter === undefined || String(artifact.id) === String(request.id_filter)),
  );
  return {
    artifacts: artifacts.map((artifact) => ({
      workflow_run_backend_id: artifact.runId,
      workflow_job_run_backend_id: artifact.jobId,
      database_id: String(artifact.id),
      name: artifact.name,
      size: String(artifact.size ?? 0),
      created_at: artifact.createdAt,
      ...(artifact.digest === undefined ? {} : { digest: artifact.digest }),
    })),
  };
}

function getSignedArtifactUrl(state: State, request: Json): Json | TwirpError {
  const artifact = findArtifact(state, String(request.name));
  if (artifact?.finalized !== true) return { code: 'not_found', msg: 'artifact not found' };
  return { signed_url: signedUrl(state, artifact, 'r') };
}

function deleteArtifact(state: State, request: Json): Json | TwirpError {
  const artifact = findArtifact(state, String(request.name));
  if (artifact?.finalized !== true) return { code: 'not_found', msg: 'artifact not found' };
  state.artifacts.splice(state.artifacts.indexOf(artifact), 1);
  return { ok: true, artifact_id: String(artifact.id) };
}

function findArtifact(state: State, name: string): FakeArtifact | undefined {
  return state.artifacts.find((artifact) => artifact.name === name);
}

function sendTwirpError(res: ServerResponse, code: TwirpCode, msg: string): void {
  sendJson(res, TWIRP_STATUS[code], { code, msg });
}

// ---------------------------------------------------------------------------------------------
// Azure block blob endpoints, reached through the signed URL.

interface BlobResult {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer;
  error?: { code: string; message: string };
}

function handleBlob(
  state: State,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
): void {
  const operation = blobOperation(req.method ?? 'GET', url.searchParams);
  const record: RecordedArtifactRequest = {
    kind: 'blob',
    method: req.method ?? 'GET',
    operation,
    body: operation === 'PutBlockList' ? body.toString('utf8') : { bytes: body.length },
    hasAuth: url.searchParams.has('sig'),
    status: 0,
  };
  state.requests.push(record);
  const result = answerBlob(state, req, url, operation, body);
  record.status = result.status;
  if (result.error !== undefined) state.violations.push(`${operation}: ${result.error.message}`);
  sendBlob(res, req, result);
}

function blobOperation(method: string, query: URLSearchParams): string {
  const comp = query.get('comp');
  if (method === 'PUT' && comp === 'block') return 'PutBlock';
  if (method === 'PUT' && comp === 'blocklist') return 'PutBlockList';
  if (method === 'PUT' && comp === null) return 'PutBlob';
  if ((method === 'GET' || method === 'HEAD') && comp === null) return 'GetBlob';
  return `Unsupported(${method} comp=${comp})`;
}

function answerBlob(
  state: State,
  req: IncomingMessage,
  url: URL,
  operation: string,
  body: Buffer,
): BlobResult {
  const blob = decodeURIComponent(url.pathname.slice(`/${ACCOUNT}/${CONTAINER}/`.length));
  const upload = state.uploads.get(blob);
  if (upload === undefined) return blobError(404, 'BlobNotFound', 'The blob does not exist.');
  if (url.searchParams.get('sig') !== upload.signature) {
    return blobError(403, 'AuthenticationFailed', 'The signature in the URL does not match.');
  }
  if (req.headers['x-ms-version'] === undefined) {
    return blobError(400, 'MissingRequiredHeader', 'x-ms-version is required.');
  }
  switch (operation) {
    case 'PutBlock':
      return putBlock(upload, url.searchParams.get('blockid'), body);
    case 'PutBlockList':
      return putBlockList(upload, req, body);
    case 'PutBlob':
      return putBlob(upload, req, body);
    case 'GetBlob':
      return getBlob(upload);
    default:
      return blobError(400, 'UnsupportedQueryParameter', `${operation} is not supported.`);
  }
}

function putBlock(upload: Upload, blockId: string | null, body: Buffer): BlobResult {
  if (blockId === null || blockId === '') {
    return blobError(400, 'InvalidQueryParameterValue', 'blockid is required.');
  }
  upload.blocks.set(blockId, Buffer.from(body));
  return { status: 201, headers: { 'content-md5': md5(body) } };
}

function putBlockList(upload: Upload, req: IncomingMessage, body: Buffer): BlobResult {
  const xml = body.toString('utf8');
  if (!/<BlockList>/.test(xml)) return blobError(400, 'InvalidXmlDocument', 'No BlockList.');
  const ids = [...xml.matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map(
    (match) => match[2] ?? '',
  );
  const missing = ids.filter((id) => !upload.blocks.has(id));
  if (missing.length > 0) {
    return blobError(400, 'InvalidBlockList', `Unknown block ids: ${missing.join(', ')}`);
  }
  commit(upload, req, Buffer.concat(ids.map((id) => upload.blocks.get(id) ?? Buffer.alloc(0))));
  return { status: 201, headers: etagHeaders(upload) };
}

function putBlob(upload: Upload, req: IncomingMessage, body: Buffer): BlobResult {
  if (req.headers['x-ms-blob-type'] !== 'BlockBlob') {
    return blobError(400, 'InvalidHeaderValue', 'x-ms-blob-type must be BlockBlob.');
  }
  commit(upload, req, Buffer.from(body));
  return { status: 201, headers: { ...etagHeaders(upload), 'content-md5': md5(body) } };
}

function commit(upload: Upload, req: IncomingMessage, content: Buffer): void {
  upload.artifact.content = content;
  const type = req.headers['x-ms-blob-content-type'];
  upload.artifact.blobContentType = typeof type === 'string' ? type : undefined;
  upload.blocks.clear();
}

function getBlob(upload: Upload): BlobResult {
  const content = upload.artifact.content;
  if (content === undefined) return blobError(404, 'BlobNotFound', 'The blob does not exist.');
  return {
    status: 200,
    body: content,
    headers: {
      ...etagHeaders(upload),
      'content-type': upload.artifact.blobContentType ?? 'application/octet-stream',
      'x-ms-blob-type': 'BlockBlob',
    },
  };
}

function etagHeaders(upload: Upload): Record<string, string> {
  const content = upload.artifact.content ?? Buffer.alloc(0);
  const etag = `"0x${createHash('sha1').update(content).digest('hex').slice(0, 15).toUpperCase()}"`;
  return { etag, 'last-modified': new Date().toUTCString() };
}

function blobError(status: number, code: string, message: string): BlobResult {
  return { status, error: { code, message } };
}

function sendBlob(res: ServerResponse, req: IncomingMessage, result: BlobResult): void {
  const version = req.headers['x-ms-version'];
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': typeof version === 'string' ? version : STORAGE_VERSION,
    'x-ms-request-server-encrypted': 'true',
    date: new Date().toUTCString(),
    ...result.headers,
  };
  let body = result.body ?? Buffer.alloc(0);
  if (result.error !== undefined) {
    headers['x-ms-error-code'] = result.error.code;
    headers['content-type'] = 'application/xml';
    body = Buffer.from(
      '<?xml version="1.0" encoding="utf-8"?><Error>' +
        `<Code>${result.error.code}</Code><Message>${result.error.message}</Message></Error>`,
    );
  }
  headers['content-length'] = String(body.length);
  res.writeHead(result.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function md5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}
