/**
 * Serves /openapi/v3 (the root that names each group/version document by its content
 * hash) and /openapi/v3/<api/v1 | apis/G/V>, with the caching headers kube-apiserver
 * sends: an ETag on everything, `Cache-Control: public, immutable` and a one-year
 * Expires when the request names the current hash, a 301 to the current URL when it
 * names an old one, and `no-cache, private` otherwise. kubectl keeps these responses
 * in its disk cache keyed by URL, so a schema change must change the hash.
 *
 * /openapi/v2 is answered, in protobuf only, with an empty document: no models.
 * kubectl falls back to v2 for what v3 cannot vouch for (manifests of `kind: List`,
 * kinds without a PATCH operation); a 404 there fails the whole command, while an
 * empty document makes it skip client-side checks and leave them to the server.
 */
import { ApiError } from '../../api/errors.js';
import type { Request, Response } from '../http/io.js';
import { buildOpenApiV3, type OpenApiV3 } from './openapi-v3.js';

const ROOT = '/openapi/v3';
const V2 = '/openapi/v2';
/** kubectl asks for v2 with the `@` spelling but parses only the dotted one as a response type. */
const V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';
const V2_PROTOBUF_OLD = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

let built: OpenApiV3 | undefined;

/** The documents, built on first use and kept: they depend only on code and generated data. */
export function openApiV3(): OpenApiV3 {
  return (built ??= buildOpenApiV3());
}

export function isOpenApiPath(path: string): boolean {
  return path === V2 || path === ROOT || path.startsWith(`${ROOT}/`);
}

/** Whether an Accept header admits JSON (no header admits anything). */
function acceptsJson(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((clause) => {
    const type = clause.split(';')[0]!.trim().toLowerCase();
    return type === 'application/json' || type === 'application/*' || type === '*/*';
  });
}

function notModified(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === `"${etag}"`;
  });
}

function send(req: Request, res: Response, body: string, etag: string, headers: Record<string, string>): void {
  const all = { ETag: `"${etag}"`, 'Content-Type': 'application/json', ...headers };
  if (notModified(req, etag)) {
    res.writeHead(304, all);
    res.end();
    return;
  }
  res.writeHead(200, { ...all, 'Content-Length': String(Buffer.byteLength(body)) });
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

/** The empty v2 document (an empty protobuf message), for clients that ask for protobuf. */
function serveOpenApiV2(req: Request, res: Response): void {
  const accept = (req.headers.accept ?? '').split(',').map((c) => c.split(';')[0]!.trim());
  if (!accept.includes(V2_PROTOBUF) && !accept.includes(V2_PROTOBUF_OLD)) {
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }
  res.writeHead(200, { 'Content-Type': V2_PROTOBUF, 'Content-Length': '0', 'Cache-Control': 'no-cache, private', Vary: 'Accept' });
  res.end();
}

/** Handles GET/HEAD of /openapi/v2, /openapi/v3 and /openapi/v3/<group-version path>. */
export function serveOpenApi(req: Request, res: Response, url: URL): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on ${url.pathname}`, {});
  const path = url.pathname.replace(/\/+$/, '');
  if (path === V2) return serveOpenApiV2(req, res);
  const api = openApiV3();
  if (path === ROOT) return send(req, res, api.root, api.rootEtag, { 'Cache-Control': 'no-cache, private' });

  const key = path.slice(ROOT.length + 1);
  const doc = api.documents.get(key);
  if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  if (!acceptsJson(req.headers.accept)) {
    throw new ApiError(406, 'NotAcceptable', `only application/json is served at ${path}; protobuf OpenAPI is not supported`, {});
  }
  const hash = url.searchParams.get('hash');
  if (hash !== null && hash !== '' && hash !== doc.etag) {
    const location = `${ROOT}/${key}?hash=${doc.etag}`;
    res.writeHead(301, { Location: location, 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache, private', Vary: 'Accept' });
    res.end(`<a href="${location}">Moved Permanently</a>.\n`);
    return;
  }
  const caching: Record<string, string> = hash
    ? { 'Cache-Control': 'public, immutable', Expires: new Date(Date.now() + ONE_YEAR_MS).toUTCString(), Vary: 'Accept' }
    : { 'Cache-Control': 'no-cache, private', Vary: 'Accept' };
  send(req, res, doc.body, doc.etag, caching);
}
