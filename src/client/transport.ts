/**
 * The Transport contract under the Client: move one request to an API server and back,
 * or open a watch stream. Two implementations: HttpTransport (HTTPS over HTTP/2, for
 * separate processes and machines) and InProcessTransport (dispatch straight into the
 * API server's handler chain). Everything above a transport is the same code.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike } from './object.js';

export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';
}

export type Query = Record<string, string | number | boolean | undefined> | URLSearchParams;

export interface RequestOptions {
  /** Raw body; the Client encodes JSON before it gets here. */
  body?: Buffer | string;
  headers?: Record<string, string>;
  query?: Query;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends ObjectLike = KubeObject> {
  type: WatchEventType;
  object: T;
}

/**
 * An open watch: iterate events until the server ends the stream; `close()` ends it
 * from this side, also while an iteration is waiting.
 */
export interface WatchStream<T extends ObjectLike = KubeObject> extends AsyncIterable<WatchEvent<T>> {
  close(): void;
}

export interface Transport {
  request(method: string, path: string, options?: RequestOptions): Promise<TransportResponse>;
  /**
   * Opens a watch on a collection path (`watch=true` is added). A non-200 answer
   * rejects (when iteration starts) with the ApiError its Status describes.
   */
  watch(path: string, query?: Query): WatchStream;
  close(): void;
}

/** `path?query` with undefined values left out. */
export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

/** The watch query with `watch=true` set. */
export function watchQuery(query: Query | undefined): URLSearchParams {
  const params = new URLSearchParams();
  if (query instanceof URLSearchParams) for (const [k, v] of query) params.set(k, v);
  else if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  params.set('watch', 'true');
  return params;
}
