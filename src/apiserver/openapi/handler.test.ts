import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiError } from '../../api/errors.js';
import { isOpenApiPath, openApiV3, serveOpenApi } from './handler.js';

let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://skiff');
    try {
      if (!isOpenApiPath(url.pathname.replace(/\/+$/, ''))) throw new ApiError(404, 'NotFound', 'not here', {});
      serveOpenApi(req, res, url);
    } catch (err) {
      res.writeHead(err instanceof ApiError ? err.code : 500, { 'Content-Type': 'text/plain' });
      res.end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

const current = () => openApiV3().documents.get('api/v1')!;

test('the root is JSON with an ETag and no caching', async () => {
  const res = await get('/openapi/v3');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['cache-control'], 'no-cache, private');
  assert.match(String(res.headers['etag']), /^"[0-9A-F]{128}"$/);
  const root = JSON.parse(res.body) as { paths: Record<string, { serverRelativeURL: string }> };
  assert.equal(root.paths['api/v1']!.serverRelativeURL, `/openapi/v3/api/v1?hash=${current().etag}`);
});

test('a document named by its current hash is public and immutable for a year', async () => {
  const res = await get(`/openapi/v3/api/v1?hash=${current().etag}`, { Accept: 'application/json' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.equal(res.headers['cache-control'], 'public, immutable');
  assert.equal(res.headers['etag'], `"${current().etag}"`);
  assert.ok(Date.parse(String(res.headers['expires'])) > Date.now() + 300 * 24 * 3600 * 1000);
  assert.equal(res.body, current().body);
});

test('an old hash redirects to the current one; no hash is served but not cached', async () => {
  const old = await get('/openapi/v3/apis/apps/v1?hash=0123');
  assert.equal(old.status, 301);
  assert.equal(old.headers['location'], `/openapi/v3/apis/apps/v1?hash=${openApiV3().documents.get('apis/apps/v1')!.etag}`);
  const plain = await get('/openapi/v3/apis/apps/v1');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers['cache-control'], 'no-cache, private');
});

test('If-None-Match with the current ETag is answered 304', async () => {
  const res = await get('/openapi/v3/api/v1', { 'If-None-Match': `"${current().etag}"` });
  assert.equal(res.status, 304);
  assert.equal(res.body, '');
});

test('unknown documents are 404, protobuf-only requests for v3 are 406', async () => {
  assert.equal((await get('/openapi/v3/apis/example.com/v1')).status, 404);
  assert.equal((await get('/openapi/v3/api/v1', { Accept: 'application/com.github.proto-openapi.spec.v3.v1.0+protobuf' })).status, 406);
});

test('v2 answers protobuf requests with an empty document and JSON requests with 404', async () => {
  const proto = await get('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
  assert.equal(proto.status, 200);
  assert.equal(proto.headers['content-type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
  assert.equal(proto.body, '');
  // kubectl 1.32 asks with the older `@` spelling.
  assert.equal((await get('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' })).status, 200);
  assert.equal((await get('/openapi/v2', { Accept: 'application/json' })).status, 404);
});
