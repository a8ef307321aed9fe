/**
 * An in-memory API server behind the Transport interface, for unit tests of anything
 * built on the Client (informers, leader election, event recorder, controllers): get,
 * list (paged), create, update (resourceVersion preconditions → 409), status update,
 * merge/strategic patch (as a merge patch), delete and watch with replay from a
 * resourceVersion. Tests can inject failures (`intercept`), end watches (`endWatches`)
 * and compact history so old resourceVersions get 410 (`compact`).
 */
import { randomUUID } from 'node:crypto';
import { ApiError, OBJECT_MODIFIED, alreadyExists, conflict, gone, notFound } from '../api/errors.js';
import { cloneJson, isPlainObject, type KubeObject } from '../api/object.js';
import { applyMergePatch } from '../api/patch/merge-patch.js';
import { findResource } from '../api/resources.js';
import { TransportClosedError, type Query, type RequestOptions, type Transport, type TransportResponse, type WatchEvent, type WatchStream } from './transport.js';

interface ParsedPath {
  group: string;
  version: string;
  resource: string;
  namespace: string;
  name: string;
  subresource: string;
}

interface LoggedEvent {
  revision: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  collection: string;
  namespace: string;
  object: KubeObject;
}

interface Watcher {
  collection: string;
  namespace: string;
  push(event: WatchEvent): void;
  end(): void;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Returning a response or throwing from `intercept` replaces the fake server's answer. */
export type Interceptor = (req: RecordedRequest) => TransportResponse | undefined | Promise<TransportResponse | undefined>;

export function statusResponse(err: ApiError): TransportResponse {
  return { status: err.code, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(err.toStatus())) };
}

export class FakeTransport implements Transport {
  revision = 1;
  compactedRevision = 0;
  readonly requests: RecordedRequest[] = [];
  intercept: Interceptor | undefined;
  /** While set, new watches fail with this error (a server that is down or refusing). */
  watchFailure: Error | undefined;
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: LoggedEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  async request(method: string, path: string, options: RequestOptions = {}): Promise<TransportResponse> {
    if (this.closed) throw new TransportClosedError('closed');
    const url = new URL(path, 'https://fake');
    if (options.query) {
      const q = options.query instanceof URLSearchParams ? options.query : Object.entries(options.query);
      for (const [k, v] of q) if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const body = options.body === undefined ? undefined : JSON.parse(options.body.toString());
    const recorded = { method, path: url.pathname + url.search, body };
    this.requests.push(recorded);
    const injected = await this.intercept?.(recorded);
    if (injected) return injected;
    try {
      const result = this.serve(method, url, body, options.headers?.['content-type']);
      return { status: result.status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(result.body)) };
    } catch (err) {
      if (err instanceof ApiError) return statusResponse(err);
      throw err;
    }
  }

  watch(path: string, query?: Query): WatchStream {
    const params = query instanceof URLSearchParams ? query : new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)] as [string, string]));
    const p = parsePath(path);
    const collection = collectionOf(p);
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    const watcher: Watcher = {
      collection,
      namespace: p.namespace,
      push: (e) => {
        queue.push(e);
        wake?.();
      },
      end: () => {
        ended = true;
        this.watchers.delete(watcher);
        wake?.();
      },
    };
    const self = this;
    this.requests.push({ method: 'WATCH', path: `${path}?${params.toString()}`, body: undefined });
    async function* events(): AsyncGenerator<WatchEvent> {
      if (self.watchFailure) throw self.watchFailure;
      const rv = params.get('resourceVersion');
      if (rv && rv !== '0' && Number(rv) < self.compactedRevision) throw gone(`too old resource version: ${rv} (${self.compactedRevision})`);
      self.watchers.add(watcher);
      if (!rv || rv === '0') {
        for (const [key, obj] of self.objects) if (inScope(key, collection, p.namespace)) queue.push({ type: 'ADDED', object: cloneJson(obj) });
      } else {
        for (const e of self.log) if (e.revision > Number(rv) && e.collection === collection && (!p.namespace || e.namespace === p.namespace)) queue.push({ type: e.type, object: cloneJson(e.object) });
      }
      try {
        for (;;) {
          if (queue.length) {
            yield queue.shift()!;
            continue;
          }
          if (ended) return;
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      } finally {
        watcher.end();
      }
    }
    const iterator = events();
    return { [Symbol.asyncIterator]: () => iterator, close: () => watcher.end() };
  }

  close(): void {
    this.closed = true;
    this.endWatches();
  }

  /** Ends every open watch, as a server does on timeout or restart. */
  endWatches(): void {
    for (const w of [...this.watchers]) w.end();
  }

  /** Sends an event on every watch of the collection (e.g. a BOOKMARK or an ERROR). */
  sendToWatches(path: string, event: WatchEvent): void {
    const p = parsePath(path);
    for (const w of this.watchers) if (w.collection === collectionOf(p)) w.push(event);
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  /** Forgets history: watches from before the current revision get 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.log.length = 0;
  }

  /** Direct access for test setup and assertions, bypassing `intercept`. */
  stored(path: string): KubeObject | undefined {
    const p = parsePath(path);
    const obj = this.objects.get(keyOf(p, p.name));
    return obj ? cloneJson(obj) : undefined;
  }

  private serve(method: string, url: URL, body: unknown, contentType: string | undefined): { status: number; body: unknown } {
    const p = parsePath(url.pathname);
    const info = findResource(p.group, p.version, p.resource);
    if (!info) throw notFound({ group: p.group, resource: p.resource, name: p.name });
    const ref = { group: p.group, resource: p.resource, name: p.name };
    const collection = collectionOf(p);
    const key = keyOf(p, p.name);
    const existing = this.objects.get(key);
    switch (method) {
      case 'GET': {
        if (p.name) {
          if (!existing) throw notFound(ref);
          return { status: 200, body: existing };
        }
        const all = [...this.objects.entries()].filter(([k]) => inScope(k, collection, p.namespace)).sort(([a], [b]) => a.localeCompare(b));
        const limit = Number(url.searchParams.get('limit') ?? 0);
        const start = Number(url.searchParams.get('continue') ?? 0);
        const page = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
        const more = limit > 0 && start + limit < all.length;
        const metadata: Record<string, string> = { resourceVersion: String(this.revision) };
        if (more) metadata['continue'] = String(start + limit);
        return { status: 200, body: { kind: `${info.kind}List`, apiVersion: p.group ? `${p.group}/${p.version}` : p.version, metadata, items: page.map(([, o]) => o) } };
      }
      case 'POST': {
        if (p.subresource) return { status: 201, body };
        const obj = cloneJson(body as KubeObject);
        const meta = (obj.metadata ??= {});
        if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomUUID().slice(0, 5)}`;
        if (p.namespace) meta.namespace = p.namespace;
        const k = keyOf(p, meta.name ?? '');
        if (this.objects.has(k)) throw alreadyExists({ ...ref, name: meta.name });
        meta.uid = randomUUID();
        meta.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        return { status: 201, body: this.write(k, collection, p.namespace, obj, 'ADDED') };
      }
      case 'PUT': {
        if (!existing) throw notFound(ref);
        const obj = cloneJson(body as KubeObject);
        const rv = obj.metadata?.resourceVersion;
        if (rv && rv !== existing.metadata?.resourceVersion) throw conflict(ref, OBJECT_MODIFIED);
        const next = p.subresource === 'status' ? { ...cloneJson(existing), status: obj['status'] } : { ...obj, metadata: { ...obj.metadata, uid: existing.metadata?.uid, creationTimestamp: existing.metadata?.creationTimestamp } };
        return { status: 200, body: this.write(key, collection, p.namespace, next, 'MODIFIED') };
      }
      case 'PATCH': {
        if (!existing) throw notFound(ref);
        if (contentType === 'application/json-patch+json') throw new ApiError(415, 'UnsupportedMediaType', 'the fake server speaks merge patches only');
        const patched = applyMergePatch(cloneJson(existing), body) as KubeObject;
        return { status: 200, body: this.write(key, collection, p.namespace, patched, 'MODIFIED') };
      }
      case 'DELETE': {
        if (!existing) throw notFound(ref);
        const pre = isPlainObject(body) && isPlainObject(body['preconditions']) ? body['preconditions'] : undefined;
        if (pre?.['resourceVersion'] && pre['resourceVersion'] !== existing.metadata?.resourceVersion) throw conflict(ref, OBJECT_MODIFIED);
        this.objects.delete(key);
        const rev = ++this.revision;
        const gone = { ...cloneJson(existing), metadata: { ...existing.metadata, resourceVersion: String(rev) } };
        this.record({ revision: rev, type: 'DELETED', collection, namespace: p.namespace, object: gone });
        return { status: 200, body: gone };
      }
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} not supported`);
  }

  private write(key: string, collection: string, namespace: string, obj: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    const rev = ++this.revision;
    obj.metadata = { ...obj.metadata, resourceVersion: String(rev) };
    this.objects.set(key, obj);
    this.record({ revision: rev, type, collection, namespace, object: cloneJson(obj) });
    return obj;
  }

  private record(e: LoggedEvent): void {
    this.log.push(e);
    for (const w of this.watchers) if (w.collection === e.collection && (!w.namespace || w.namespace === e.namespace)) w.push({ type: e.type, object: cloneJson(e.object) });
  }
}

function parsePath(path: string): ParsedPath {
  const parts = path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  let i = 0;
  let group = '';
  let version: string;
  if (parts[i] === 'api') {
    i++;
    version = parts[i++] ?? '';
  } else {
    i++;
    group = parts[i++] ?? '';
    version = parts[i++] ?? '';
  }
  let namespace = '';
  if (parts[i] === 'namespaces' && parts.length - i > 2) {
    namespace = parts[i + 1]!;
    i += 2;
  }
  return { group, version, resource: parts[i] ?? '', name: parts[i + 1] ?? '', subresource: parts[i + 2] ?? '', namespace };
}

const collectionOf = (p: ParsedPath) => `${p.group}/${p.resource}`;
const keyOf = (p: ParsedPath, name: string) => `${collectionOf(p)}|${p.namespace}|${name}`;
const inScope = (key: string, collection: string, namespace: string) => key.startsWith(`${collection}|${namespace ? `${namespace}|` : ''}`);
