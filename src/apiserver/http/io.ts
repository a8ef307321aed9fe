/**
 * Request and response plumbing shared by every handler, over both HTTP/1.1 and
 * HTTP/2 (Node's compatibility API gives both the same shape): reading a bounded
 * body, decoding JSON, YAML or Kubernetes protobuf, and writing JSON and Status responses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { constants as http2Constants, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { ApiError, badRequest, internalError, tooLarge, unsupportedMediaType } from '../../api/errors.js';
import { PROTOBUF_MEDIA_TYPE } from '../../api/protobuf/media-type.js';
import type { JsonPiece } from '../../api/json-pieces.js';

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

const MAX_WARNING_LENGTH = 256;
const MAX_WARNING_BYTES = 4096;

/** Upstream's limit on a request body. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;
/** Deeper nesting than any real object: refused before it can exhaust the stack. */
const MAX_NESTING = 100;

/** A request whose whole body is already in memory (the in-process transport's): no stream to read. */
export interface BufferedBodyRequest {
  readonly bufferedBody: Buffer;
}

/**
 * The client went away before its request was read (a reset stream, a closed
 * connection): nobody is left to answer, and nothing failed on the server's side.
 */
export class ClientGoneError extends Error {}

/**
 * The whole request body. Read through 'data' and 'end' events rather than an async
 * iterator: the iterator's promise per chunk and its set-up were ~4% of a pod create's
 * server time. Past `limit`, the request stream is destroyed (as leaving the iterator
 * early did) and the read fails with 413.
 */
export function readBody(req: Request, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooBig = () => tooLarge(`Request entity too large: limit is ${limit}`);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooBig());
  if ('bufferedBody' in req) {
    const body = (req as unknown as BufferedBodyRequest).bufferedBody;
    return body.length > limit ? Promise.reject(tooBig()) : Promise.resolve(body);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err?: unknown) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(tooBig());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    // Closed before its end: the client went away mid-body.
    const onClose = () => finish(new ClientGoneError('the request was closed before its body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const ACCEPTED_BODY_TYPES = `application/json, application/yaml, ${PROTOBUF_MEDIA_TYPE}`;

/** Decodes a JSON, YAML or protobuf request body into a value, refusing anything else cleanly. */
export async function decodeBody(body: Buffer, contentType: string | undefined): Promise<unknown> {
  const type = mediaType(contentType);
  if (type === PROTOBUF_MEDIA_TYPE) return parseProtobuf(body);
  const text = body.toString('utf8');
  if (type === '' || type === 'application/json' || type.endsWith('+json')) return parseJson(text);
  if (type === 'application/yaml' || type === 'application/apply-patch+yaml' || type === 'text/yaml' || type === 'application/x-yaml') {
    return parseYamlText(text);
  }
  throw unsupportedMediaType(`the body of the request was in an unknown format - accepted media types include: ${ACCEPTED_BODY_TYPES}; got ${type}`);
}

/**
 * kubectl 1.32's typed clients send protobuf and never fall back to JSON. The decoder
 * throws only ApiErrors (400 malformed, 415 kind without a table); anything else it
 * throws is a bug met on hostile bytes, still the client's bad request, never a crash.
 */
/** The codec and its tables are loaded on the first protobuf body: start-up need not compile them. */
let protobufCodec: Promise<typeof import('../../api/protobuf/codec.js')> | undefined;

async function parseProtobuf(body: Buffer): Promise<unknown> {
  if (body.length === 0) throw badRequest('the request body is empty');
  const { decodeProtobufObject } = await (protobufCodec ??= import('../../api/protobuf/codec.js'));
  let value: unknown;
  try {
    value = decodeProtobufObject(body);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw badRequest(`the protobuf request body could not be decoded: ${(err as Error).message}`);
  }
  // Embedded JSON (RawExtension, FieldsV1) can nest further than the messages around it.
  checkNesting(value);
  return value;
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') throw badRequest('the request body is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
  checkNesting(value);
  return value;
}

/** The YAML parser is loaded on first use: most bodies are JSON, and start-up time counts. */
let yamlModule: Promise<typeof import('yaml')> | undefined;

async function parseYamlText(text: string): Promise<unknown> {
  const { parse: parseYaml } = await (yamlModule ??= import('yaml'));
  if (text.trim() === '') throw badRequest('the request body is empty');
  let value: unknown;
  try {
    // The core schema yields only JSON types (no !!binary, timestamps or sets).
    value = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true, schema: 'core', resolveKnownTags: false, logLevel: 'silent' });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  checkNesting(value);
  return value;
}

/** Refuses a value with anything deeper than MAX_NESTING (recursion: the depth is bounded by it). */
function checkNesting(value: unknown, depth = 0): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    if (value.length > 0 && depth >= MAX_NESTING) throw tooDeep();
    for (const item of value) checkNesting(item, depth + 1);
    return;
  }
  for (const key in value) {
    if (depth >= MAX_NESTING) throw tooDeep();
    checkNesting((value as Record<string, unknown>)[key], depth + 1);
  }
}

function tooDeep(): ApiError {
  return badRequest(`the request body is nested more than ${MAX_NESTING} levels deep`);
}

export function writeJson(res: Response, code: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', ...headers });
  res.end(payload);
}

/** Size of the buffers a large response is assembled in (see writeJsonPieces). */
const RESPONSE_CHUNK_BYTES = 64 * 1024;

/**
 * A JSON response given as pieces (a LIST: thousands of stored objects), written in
 * 64 KB buffers; text pieces are encoded straight into them. One buffer for the whole
 * body meant tens of megabytes of fresh memory per request, and faulting those pages in
 * cost more than the copying (~100 ms for a 34 MB LIST on the CI machine); buffers of
 * this size are reused by the allocator from one request to the next.
 */
export function writeJsonPieces(res: Response, code: number, pieces: readonly JsonPiece[]): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const writer = JsonPiecesWriter.open(res, code);
  writer.add(pieces);
  writer.end();
}

/** A JSON response written piece by piece in 64 KB buffers (see writeJsonPieces). */
export class JsonPiecesWriter {
  private chunk = Buffer.allocUnsafeSlow(RESPONSE_CHUNK_BYTES);
  private used = 0;

  private constructor(private readonly res: Response) {}

  /** Sends the response's head; the body follows with add() and end(). */
  static open(res: Response, code: number): JsonPiecesWriter {
    res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    return new JsonPiecesWriter(res);
  }

  add(pieces: readonly JsonPiece[]): void {
    for (const piece of pieces) {
      // A joint that fits even at 3 bytes a character is encoded without measuring it first.
      if (typeof piece === 'string' && this.used + 3 * piece.length <= RESPONSE_CHUNK_BYTES) {
        this.used += this.chunk.write(piece, this.used);
        continue;
      }
      const length = typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
      if (this.used + length > RESPONSE_CHUNK_BYTES) {
        if (this.used > 0) this.write(this.chunk.subarray(0, this.used));
        this.chunk = Buffer.allocUnsafeSlow(RESPONSE_CHUNK_BYTES);
        this.used = 0;
        if (length > RESPONSE_CHUNK_BYTES) {
          this.write(typeof piece === 'string' ? Buffer.from(piece) : piece);
          continue;
        }
      }
      // TypedArray#set: Buffer#copy wraps the source in a new view on every call.
      if (typeof piece === 'string') this.chunk.write(piece, this.used);
      else this.chunk.set(piece, this.used);
      this.used += length;
    }
  }

  end(): void {
    this.res.end(this.chunk.subarray(0, this.used));
  }

  private write(chunk: Buffer): void {
    (this.res as ServerResponse).write(chunk);
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return internalError(err instanceof Error ? err.message : String(err));
}

export function writeError(res: Response, err: unknown): void {
  if (res.headersSent) {
    abortResponse(res);
    return;
  }
  const apiError = toApiError(err);
  const headers: Record<string, string> = {};
  if (apiError.details?.retryAfterSeconds) headers['Retry-After'] = String(apiError.details.retryAfterSeconds);
  writeJson(res, apiError.code, apiError.toStatus(), 'application/json', headers);
}

/**
 * A response whose head is out can no longer become a Status (a LIST streamed page by
 * page that fails half way): its HTTP/2 stream is reset with INTERNAL_ERROR, an HTTP/1.1
 * connection closed before the body's end, as Go's server does for a handler that fails
 * mid-body — so that the client sees a failed request, not a short body ending cleanly.
 */
export function abortResponse(res: Response): void {
  const stream = (res as Partial<Http2ServerResponse>).stream;
  if (stream) stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
  else res.destroy();
}

/** Writes one chunk of a streaming response; false when the client is behind. */
export function writeChunk(res: Response, chunk: string | Buffer): boolean {
  // Both response kinds have write(chunk); their overload sets just do not unify.
  return (res as ServerResponse).write(chunk);
}

/** Appends a `Warning: 299 - "text"` header, the form kubectl prints as `Warning: text`. */
export function addWarning(res: Response, text: string): void {
  if (res.headersSent) return;
  const existing = res.getHeader('Warning');
  const all = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  // Upstream bounds warnings too: a client's field names must never make headers that
  // break its connection. Keep them short, ASCII-only, and few.
  if (all.join('').length > MAX_WARNING_BYTES) return;
  const short = text.length > MAX_WARNING_LENGTH ? `${text.slice(0, MAX_WARNING_LENGTH)}...` : text;
  const value = `299 - ${JSON.stringify(short).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
  res.setHeader('Warning', [...all, value]);
}
