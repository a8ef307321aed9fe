/**
 * The REST client every component uses: get, list, create, update, updateStatus,
 * patch, delete and watch on a resource type, over any Transport. Objects come back
 * parsed; failures come back as the ApiError the server's Status describes.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike, ObjectList } from './object.js';
import { errorFromResponse, errorFromStatus } from './status-error.js';
import { resourcePath, type ResourceType } from './resource.js';
import type { Query, Transport, TransportResponse, WatchEvent, WatchStream } from './transport.js';

export type PatchType = 'merge' | 'strategic' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
};

export interface ListOptions {
  /** Omit (or '') for all namespaces of a namespaced type. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface WriteOptions {
  namespace?: string;
  dryRun?: boolean;
  fieldManager?: string;
}

export interface PatchOptions extends WriteOptions {
  subresource?: string;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface ClientOptions {
  /** Default fieldManager for writes (upstream clients send their program name). */
  fieldManager?: string;
  /** How often a 429 answer is retried after its Retry-After (client-go: 10). */
  maxRetries?: number;
  /** Waits between retries (tests pass a fake clock's sleep). */
  sleep?: (ms: number) => Promise<void>;
}

export class Client {
  constructor(
    readonly transport: Transport,
    private readonly options: ClientOptions = {},
  ) {}

  async get<T extends ObjectLike = KubeObject>(type: ResourceType, name: string, options: { namespace?: string } = {}): Promise<T> {
    return this.call<T>('GET', resourcePath(type, requireNamespace(type, options.namespace, name), name));
  }

  async list<T extends ObjectLike = KubeObject>(type: ResourceType, options: ListOptions = {}): Promise<ObjectList<T>> {
    const { namespace, continue: continueToken, ...rest } = options;
    return this.call<ObjectList<T>>('GET', resourcePath(type, namespace), { query: { ...rest, continue: continueToken } });
  }

  async create<T extends ObjectLike = KubeObject>(type: ResourceType, obj: T, options: WriteOptions = {}): Promise<T> {
    const namespace = requireNamespace(type, options.namespace ?? obj.metadata?.namespace, obj.metadata?.name ?? obj.metadata?.generateName);
    return this.call<T>('POST', resourcePath(type, namespace), { body: obj, query: this.writeQuery(options) });
  }

  /** PUT: replaces the object; a resourceVersion in it is a precondition (409 if stale). */
  async update<T extends ObjectLike = KubeObject>(type: ResourceType, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(type, obj, undefined, options);
  }

  /** PUT to /status: changes only the status, as the status subresource strategy allows. */
  async updateStatus<T extends ObjectLike = KubeObject>(type: ResourceType, obj: T, options: WriteOptions = {}): Promise<T> {
    return this.put(type, obj, 'status', options);
  }

  async patch<T extends ObjectLike = KubeObject>(type: ResourceType, name: string, patchType: PatchType, patch: unknown, options: PatchOptions = {}): Promise<T> {
    const namespace = requireNamespace(type, options.namespace, name);
    return this.call<T>('PATCH', resourcePath(type, namespace, name, options.subresource), {
      body: patch,
      contentType: PATCH_CONTENT_TYPES[patchType],
      query: this.writeQuery(options),
    });
  }

  /** POST to a subresource such as pods/binding or pods/eviction. */
  async createSubresource<T = unknown>(type: ResourceType, name: string, subresource: string, body: unknown, options: WriteOptions = {}): Promise<T> {
    const namespace = requireNamespace(type, options.namespace, name);
    return this.call<T>('POST', resourcePath(type, namespace, name, subresource), { body, query: this.writeQuery(options) });
  }

  /** Returns the object as the server last had it (still present while finalizers run). */
  async delete<T extends ObjectLike = KubeObject>(type: ResourceType, name: string, options: DeleteOptions = {}): Promise<T> {
    const namespace = requireNamespace(type, options.namespace, name);
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body['propagationPolicy'] = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = options.gracePeriodSeconds;
    if (options.preconditions) body['preconditions'] = options.preconditions;
    if (options.dryRun) body['dryRun'] = ['All'];
    return this.call<T>('DELETE', resourcePath(type, namespace, name), { body });
  }

  /**
   * Watches a collection. ERROR events end the iteration by throwing their ApiError
   * (410 Expired: relist). Iteration ends when the server closes the stream.
   */
  watch<T extends ObjectLike = KubeObject>(type: ResourceType, options: WatchOptions = {}): WatchStream<T> {
    const { namespace, ...rest } = options;
    const raw = this.transport.watch(resourcePath(type, namespace), rest as Query);
    async function* events(): AsyncGenerator<WatchEvent<T>> {
      for await (const event of raw) {
        if (event.type === 'ERROR') throw errorFromStatus(event.object);
        yield event as unknown as WatchEvent<T>;
      }
    }
    const iterator = events();
    return { [Symbol.asyncIterator]: () => iterator, close: () => raw.close() };
  }

  /** A request on any path, answered with its parsed JSON body; failures as ApiError. */
  async call<T>(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query } = {}): Promise<T> {
    let res = await this.raw(method, path, options);
    // Throttled (429, e.g. the server's in-flight limit): wait as told and try again, as client-go does.
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 0; res.status === 429 && attempt < (this.options.maxRetries ?? 10); attempt++) {
      await sleep(retryAfterMs(res.headers['retry-after']));
      res = await this.raw(method, path, options);
    }
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(res.status, res.body);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }

  raw(method: string, path: string, options: { body?: unknown; contentType?: string; query?: Query } = {}): Promise<TransportResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    return this.transport.request(method, path, { headers, query: options.query, ...(body !== undefined ? { body } : {}) });
  }

  private async put<T extends ObjectLike>(type: ResourceType, obj: T, subresource: string | undefined, options: WriteOptions): Promise<T> {
    const name = obj.metadata?.name;
    if (!name) throw new Error(`update of ${type.resource}: the object has no metadata.name`);
    const namespace = requireNamespace(type, options.namespace ?? obj.metadata?.namespace, name);
    return this.call<T>('PUT', resourcePath(type, namespace, name, subresource), { body: obj, query: this.writeQuery(options) });
  }

  private writeQuery(options: WriteOptions): Record<string, string | undefined> {
    return {
      dryRun: options.dryRun ? 'All' : undefined,
      fieldManager: options.fieldManager ?? this.options.fieldManager,
    };
  }
}

/** Retry-After in seconds (1 when absent or unreadable), capped as client-go caps its waits. */
function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
}

function requireNamespace(type: ResourceType, namespace: string | undefined, name: string | undefined): string | undefined {
  if (!type.namespaced) return undefined;
  if (!namespace) throw new Error(`${type.resource} ${JSON.stringify(name ?? '')}: a namespace is required`);
  return namespace;
}
