/**
 * Watch over HTTP: a chunked stream of one JSON event per line, headers flushed at
 * once, served from the resource's watch cache. Honours resourceVersion (unset or "0":
 * synthetic ADDED events first), label and field selectors, timeoutSeconds,
 * allowWatchBookmarks and the Table form (`kubectl get -w`: column definitions on the
 * first event only). Errors after the stream started end it with an ERROR event.
 */
import { goParseBoolTrue } from '../../api/go-semantics.js';
import { ApiError, gone } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import { apiVersionOf } from '../../api/resources.js';
import { QueueOverflowError } from '../../util/async-queue.js';
import { buildFilter } from '../registry/filter.js';
import { parseResourceVersion } from '../registry/generic-store.js';
import type { ServedResource } from '../registry/registry.js';
import { TABLE_CONTENT_TYPE, parseIncludeObject, toTable, wantsTable } from '../table.js';
import { toApiError, writeChunk, type Request, type Response } from '../http/io.js';
import { integerParam } from './query.js';
import type { ResourceContext } from './context.js';

const BOOKMARK_INTERVAL_MS = 60_000;

/**
 * Every watcher of a resource is sent the same event objects (from the watch cache):
 * serialize each once, not once per watcher — and to bytes once, so a thousand watchers'
 * writes share one Buffer instead of encoding the same text a thousand times.
 */
const eventLines = new WeakMap<object, Map<string, Buffer>>();

function plainEventLine(type: string, object: object): Buffer {
  let byType = eventLines.get(object);
  if (!byType) eventLines.set(object, (byType = new Map()));
  let line = byType.get(type);
  if (line === undefined) byType.set(type, (line = Buffer.from(`${JSON.stringify({ type, object })}\n`)));
  return line;
}

export async function serveWatch(ctx: ResourceContext, req: Request, res: Response, served: ServedResource, namespace: string, name: string, query: URLSearchParams): Promise<void> {
  const fieldSelector = [query.get('fieldSelector'), name ? `metadata.name=${name}` : null].filter(Boolean).join(',') || null;
  const filter = buildFilter(served.store.strategy, query.get('labelSelector'), fieldSelector);
  const rv = query.get('resourceVersion');
  const fromRevision = rv === null || rv === '' || rv === '0' ? undefined : parseResourceVersion(rv);
  const timeoutSeconds = integerParam(query, 'timeoutSeconds') ?? ctx.minRequestTimeoutSeconds * (1 + Math.random());
  const bookmarks = goParseBoolTrue(query.get('allowWatchBookmarks'));
  const asTable = wantsTable(req.headers.accept);
  const includeObject = parseIncludeObject(query.get('includeObject'));

  const stream = await served.cache.watch({ prefix: served.store.prefix(namespace), filter, fromRevision });
  let firstTableEvent = true;
  const encode = (type: string, object: StoredObject | Record<string, unknown>): string | Buffer => {
    if (asTable && type !== 'BOOKMARK' && type !== 'ERROR') {
      const table = toTable([object as StoredObject], served.store.strategy, { includeObject, now: ctx.now(), withColumns: firstTableEvent });
      firstTableEvent = false;
      return `${JSON.stringify({ type, object: table })}\n`;
    }
    return plainEventLine(type, object);
  };

  res.writeHead(200, { 'Content-Type': asTable ? TABLE_CONTENT_TYPE : 'application/json', 'Cache-Control': 'no-cache, private' });
  // Clients wait for headers before they consider the watch established.
  (res as { flushHeaders?: () => void }).flushHeaders?.();

  let lastRevision = fromRevision ?? served.cache.currentRevision;
  let timeout: NodeJS.Timeout | undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(timeout);
    clearTimeout(bookmarkTimer);
    stream.close();
  };
  // A closed connection shows on the response (on Node 20 the request closes as soon as its body ends).
  res.on('close', finish);
  timeout = setTimeout(finish, timeoutSeconds * 1000);
  if (bookmarks) {
    const tick = () => {
      if (stream.isEnded) return; // finished: no more bookmarks, no more timers
      if (stream.size === 0) {
        const bookmark = { kind: served.info.kind, apiVersion: apiVersionOf(served.info), metadata: { resourceVersion: String(Math.max(lastRevision, served.cache.currentRevision)) } };
        writeChunk(res, encode('BOOKMARK', bookmark));
      }
      bookmarkTimer = setTimeout(tick, BOOKMARK_INTERVAL_MS);
    };
    bookmarkTimer = setTimeout(tick, BOOKMARK_INTERVAL_MS);
  }
  try {
    for await (const event of stream) {
      lastRevision = event.revision;
      if (!writeChunk(res, encode(event.type, event.object))) {
        // Wait for the client to take what was written before sending more.
        // Both listeners go once either fires: a long watch waits here many times.
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
      if (ctx.shuttingDown()) break;
    }
  } catch (err) {
    const apiError = err instanceof QueueOverflowError ? gone(`the watch fell too far behind; resume from resourceVersion ${lastRevision}`) : toApiError(err);
    if (!res.writableEnded && !res.destroyed) writeChunk(res, encode('ERROR', (apiError instanceof ApiError ? apiError : gone(String(err))).toStatus() as unknown as Record<string, unknown>));
  } finally {
    finish();
    if (!res.writableEnded) res.end();
  }
}
