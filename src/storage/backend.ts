/**
 * The storage contract every driver fulfils (DESIGN.md §3, "storage like kine").
 *
 * One log of revisions shared by all keys: every create, update and delete gets the
 * next cluster-wide revision, which the API server uses as resourceVersion. Values
 * are opaque bytes; keys are printable-ASCII paths such as `/registry/pods/ns/name`.
 * The store knows nothing of kinds.
 */

export interface KeyValue {
  key: string;
  value: Uint8Array;
  /** Revision of the write that created this incarnation of the key. */
  createRevision: number;
  /** Revision of the last write to the key. */
  modRevision: number;
}

export interface GetOptions {
  /** Read the key as it was at this revision (must not be compacted). */
  atRevision?: number;
}

export interface ListOptions {
  /** At most this many items; `more` tells whether others remain. 0 or absent: all. */
  limit?: number;
  /** Resume strictly after this key (how continue tokens page through a prefix). */
  startAfterKey?: string;
  /** Read the state as it was at this revision, so pages of one list stay consistent. */
  atRevision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The revision the snapshot was read at. */
  revision: number;
  more: boolean;
}

export interface PutEvent {
  type: 'PUT';
  key: string;
  value: Uint8Array;
  /** The value before this write; absent when the write created the key. */
  prevValue?: Uint8Array;
  revision: number;
  createRevision: number;
}

export interface DeleteEvent {
  type: 'DELETE';
  key: string;
  /** The value the key held when it was deleted. */
  prevValue: Uint8Array;
  revision: number;
  createRevision: number;
}

export type WatchEvent = PutEvent | DeleteEvent;

/**
 * An ordered stream of change batches. Iteration yields every change after the
 * starting revision exactly once, in revision order, then live changes. It ends by
 * throwing a StorageError: Compacted when the start is too old, WatchOverflow when the
 * consumer fell too far behind (resume from the last revision seen), Unavailable or
 * Closed when the store went away. `close()` ends it quietly.
 */
export interface WatchStream extends AsyncIterable<WatchEvent[]> {
  close(): void;
  /**
   * Optional (upstream: etcd's watch progress request). A revision at or above every
   * write acknowledged before the call, such that every change of this stream at or
   * below it has already been handed to the stream: taken by the consumer, or queued and
   * at or below `lastQueued`. A consumer that has taken everything up to `lastQueued`
   * then knows its view is current as of `revision`. Undefined while that is not known:
   * history still being replayed, or the stream ended, or always from drivers whose
   * events arrive asynchronously (etcd).
   */
  progress?(): Promise<WatchProgress | undefined>;
}

export interface WatchProgress {
  revision: number;
  /** The revision of the last event queued on the stream (0 when none was). */
  lastQueued: number;
}

export interface DeleteResult {
  revision: number;
  /** The key as it was just before deletion. */
  prev: KeyValue;
}

export interface Backend {
  /** Creates a key that is not live; KeyExists otherwise. Returns the new revision. */
  create(key: string, value: Uint8Array): Promise<number>;
  /** KeyNotFound when absent (at that revision). */
  get(key: string, options?: GetOptions): Promise<KeyValue>;
  list(prefix: string, options?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Compare-and-swap on modRevision: Conflict if the key changed since, KeyNotFound if gone. */
  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number>;
  /** Deletes a live key, optionally only if unchanged since `expectedModRevision`. */
  delete(key: string, expectedModRevision?: number): Promise<DeleteResult>;
  /** Streams every change under `prefix` with revision > `fromRevision`. */
  watch(prefix: string, fromRevision: number): WatchStream;
  /** Forgets superseded history at or below `revision`; older reads get Compacted. */
  compact(revision: number): Promise<void>;
  currentRevision(): Promise<number>;
  /** The revision below which history is gone. */
  compactRevision(): Promise<number>;
  /** Bytes the store occupies on disk. */
  dbSize(): Promise<number>;
  close(): Promise<void>;
}
