/**
 * The distributed store: the Backend contract on an etcd v3 cluster (etcd3 npm client,
 * raw gRPC requests). etcd already is "one log of revisions", so the mapping is direct:
 * a create is a txn guarded by createRevision == 0, an update a txn guarded by
 * modRevision == expected, a delete a txn that returns the previous pair, reads are
 * linearizable ranges (optionally at a past revision), and watches are etcd watches
 * started at the caller's revision with previous values attached.
 *
 * Semantics follow the SQLite driver exactly (same input checks, same errors, same
 * revision rules), so the API server cannot tell the two apart. What etcd cannot say
 * directly — the compaction revision — is found by probing reads (see compactRevision).
 *
 * Each watch owns one gRPC watch stream and resumes it by itself after a lost
 * connection, from the last revision it delivered, so no event is lost or repeated;
 * it gives up with Unavailable when the cluster stays unreachable.
 *
 * The cluster must accept requests somewhat above 1.5 MiB (the largest stored value
 * plus key and framing): etcd's default --max-request-bytes is exactly 1.5 MiB, so run
 * it with 2 MiB; otherwise the largest values are refused with TooLarge.
 */
import {
  ClientClosedError,
  CompareResult,
  CompareTarget,
  Etcd3,
  type ICompare,
  type IRangeRequest,
  type IRangeResponse,
  type IRequestOp,
  type ITxnResponse,
} from 'etcd3';
import type {
  Backend,
  DeleteResult,
  GetOptions,
  KeyValue,
  ListOptions,
  ListResult,
  WatchStream,
} from '../../backend.js';
import {
  StorageError,
  closed,
  compacted,
  conflict,
  futureRevision,
  keyExists,
  keyNotFound,
} from '../../errors.js';
import { checkKey, checkPrefix, checkRevision, checkValue } from '../../limits.js';
import { DEFAULT_MAX_BUFFERED_EVENTS } from '../../watch-queue.js';
import { type Logger, silentLogger } from '../../../util/logger.js';

export interface EtcdBackendOptions {
  /** Client URLs of one cluster, e.g. http://10.0.0.1:2379 */
  endpoints: string[];
  /** Per-watch buffer before a slow consumer is cut off (WatchOverflow). */
  maxBufferedEvents?: number;
  logger?: Logger;
  /** How long open() waits for the cluster to answer before failing Unavailable. */
  dialTimeoutMs?: number;
  /** Deadline of one ordinary request. */
  requestTimeoutMs?: number;
  /** How long a watch keeps trying to re-establish a lost stream before failing Unavailable. */
  watchResumeWindowMs?: number;
}

import { EtcdWatch, type WatchHost } from './etcd-watch.js';
import { NUL, isCompactedError, isFutureRevisionError, keyBytes, messageOf, prefixRange, toBuffer, toKeyValue } from './etcd-codec.js';
const DEFAULT_DIAL_TIMEOUT_MS = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Physical compaction of a large database can take minutes; it must not be cut short. */
const COMPACT_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_WATCH_RESUME_WINDOW_MS = 30_000;

export class EtcdBackend implements Backend {
  private readonly client: Etcd3;
  private readonly logger: Logger;
  private readonly endpoints: string[];
  private readonly maxBufferedEvents: number;
  private readonly requestTimeoutMs: number;
  private readonly watchHost: WatchHost;
  private readonly watches = new Set<EtcdWatch>();

  /**
   * A lower bound of etcd's compaction revision: raised by our own compactions and by
   * what etcd reports when it refuses a watch. Compaction only moves forward, so it
   * stays a lower bound when other clients compact too.
   */
  private knownCompactRevision = 0;
  private isClosed = false;
  private inflight = 0;
  private onIdle: (() => void) | undefined;

  private constructor(options: EtcdBackendOptions) {
    this.endpoints = options.endpoints;
    this.logger = options.logger ?? silentLogger;
    this.maxBufferedEvents = options.maxBufferedEvents ?? DEFAULT_MAX_BUFFERED_EVENTS;
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    // The library's default fault handling stays: three attempts across members on
    // transient gRPC errors, and a 5 s circuit breaker per member. A write retried after
    // an ambiguous failure (deadline, dropped connection) that had in fact been applied
    // then reports KeyExists, Conflict or KeyNotFound; etcd's own clients share that
    // ambiguity, and a caller re-reading the key sees the truth.
    this.client = new Etcd3({
      hosts: options.endpoints,
      grpcOptions: {
        // A list of a large prefix easily exceeds gRPC's default 4 MiB reply limit.
        'grpc.max_receive_message_length': -1,
        // Pings find a dead member under a quiet watch stream; etcd permits one per 5 s.
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
      },
    });
    this.watchHost = {
      client: this.client,
      logger: this.logger,
      where: this.where,
      resumeWindowMs: options.watchResumeWindowMs ?? DEFAULT_WATCH_RESUME_WINDOW_MS,
      noteCompactRevision: (revision) => {
        this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
      },
      forget: (watch) => this.watches.delete(watch),
    };
  }

  /** Connects and checks that the cluster answers a linearizable read (it has a leader). */
  static async open(options: EtcdBackendOptions): Promise<EtcdBackend> {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new StorageError('Unavailable', 'no etcd endpoints given');
    }
    const backend = new EtcdBackend(options);
    const dialTimeoutMs = options.dialTimeoutMs ?? DEFAULT_DIAL_TIMEOUT_MS;
    try {
      const res = await backend.client.kv.range({ key: NUL, count_only: true }, { deadline: Date.now() + dialTimeoutMs });
      backend.logger.info({ endpoints: backend.endpoints, revision: Number(res.header.revision) }, 'connected to etcd');
    } catch (err) {
      backend.client.close();
      throw new StorageError(
        'Unavailable',
        `cannot reach etcd at ${backend.where} within ${dialTimeoutMs} ms: ${messageOf(err)}`,
        {},
        { cause: err },
      );
    }
    return backend;
  }

  private get where(): string {
    return this.endpoints.join(', ');
  }

  // ---- writes: one txn each, the guard evaluated atomically by etcd ----

  async create(key: string, value: Uint8Array): Promise<number> {
    this.checkOpen();
    checkKey(key);
    checkValue(key, value);
    const k = keyBytes(key);
    const res = await this.txn(
      [{ key: k, target: CompareTarget.Create, result: CompareResult.Equal, create_revision: 0 }],
      { request_put: { key: k, value: toBuffer(value) } },
      undefined,
    );
    if (!res.succeeded) throw keyExists(key);
    return Number(res.header.revision);
  }

  async update(key: string, value: Uint8Array, expectedModRevision: number): Promise<number> {
    this.checkOpen();
    checkKey(key);
    checkValue(key, value);
    checkRevision('expectedModRevision', expectedModRevision);
    const k = keyBytes(key);
    const res = await this.txn(this.guards(k, expectedModRevision), { request_put: { key: k, value: toBuffer(value) } }, k);
    if (!res.succeeded) throw this.refusal(key, expectedModRevision, res);
    return Number(res.header.revision);
  }

  async delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    this.checkOpen();
    checkKey(key);
    if (expectedModRevision !== undefined) checkRevision('expectedModRevision', expectedModRevision);
    const k = keyBytes(key);
    const res = await this.txn(this.guards(k, expectedModRevision), { request_delete_range: { key: k, prev_kv: true } }, k);
    if (!res.succeeded) throw this.refusal(key, expectedModRevision ?? 0, res);
    const prev = res.responses[0]?.response_delete_range?.prev_kvs?.[0];
    if (!prev) {
      throw new StorageError('Unavailable', `etcd at ${this.where} deleted ${key} without returning its previous value`, { key });
    }
    return { revision: Number(res.header.revision), prev: toKeyValue(prev) };
  }

  /** The key must be live (createRevision > 0) and, when given, unchanged since `expected`. */
  private guards(key: Buffer, expected: number | undefined): ICompare[] {
    const compare: ICompare[] = [{ key, target: CompareTarget.Create, result: CompareResult.Greater, create_revision: 0 }];
    if (expected !== undefined) compare.push({ key, target: CompareTarget.Mod, result: CompareResult.Equal, mod_revision: expected });
    return compare;
  }

  /**
   * Runs a guarded single-key write. On a failed guard the failure branch reads the key
   * in the same txn, so KeyNotFound and Conflict are told apart without a race.
   */
  private txn(compare: ICompare[], success: IRequestOp, readOnFailure: Buffer | undefined): Promise<ITxnResponse> {
    return this.call(() =>
      this.client.kv.txn(
        { compare, success: [success], failure: readOnFailure ? [{ request_range: { key: readOnFailure } }] : [] },
        this.callOptions(),
      ),
    );
  }

  private refusal(key: string, expected: number, res: ITxnResponse): StorageError {
    const current = res.responses[0]?.response_range?.kvs?.[0];
    if (!current) return keyNotFound(key);
    return conflict(key, expected, Number(current.mod_revision));
  }

  // ---- reads: linearizable ranges ----

  async get(key: string, options: GetOptions = {}): Promise<KeyValue> {
    this.checkOpen();
    checkKey(key);
    const at = this.readRevision(options.atRevision);
    const res = await this.range({ key: keyBytes(key), revision: at }, at);
    const kv = res.kvs[0];
    if (!kv) throw keyNotFound(key);
    return toKeyValue(kv);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListResult> {
    this.checkOpen();
    checkPrefix(prefix);
    if (options.startAfterKey !== undefined) checkKey(options.startAfterKey);
    const limit = options.limit && options.limit > 0 ? Math.max(1, Math.floor(options.limit)) : 0;
    const at = this.readRevision(options.atRevision);
    const range = prefixRange(prefix);
    // Inclusive lower bound: the prefix itself, or the smallest key after startAfterKey.
    if (options.startAfterKey !== undefined && options.startAfterKey >= prefix) {
      range.key = Buffer.concat([keyBytes(options.startAfterKey), NUL]);
    }
    const res = await this.range({ ...range, limit, revision: at }, at);
    return {
      items: res.kvs.map(toKeyValue),
      // etcd's header carries the current revision; a read at a past one happened there.
      revision: at > 0 ? at : Number(res.header.revision),
      more: limit > 0 && res.more,
    };
  }

  async count(prefix: string): Promise<number> {
    this.checkOpen();
    checkPrefix(prefix);
    const res = await this.range({ ...prefixRange(prefix), count_only: true }, 0);
    return Number(res.count);
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    const res = await this.range({ key: NUL, count_only: true }, 0);
    return Number(res.header.revision);
  }

  /**
   * etcd has no request that names its compaction revision, so it is found by reading:
   * a read at revision r fails as compacted exactly when r is below it. One probe at the
   * known lower bound confirms it in the usual case; after a compaction by another
   * client a binary search up to the current revision finds the new one. Limitation:
   * a compaction to revision 1 cannot be told from none (both read as 0), which changes
   * nothing for any read.
   */
  async compactRevision(): Promise<number> {
    this.checkOpen();
    const known = this.knownCompactRevision;
    const probe = Math.max(known, 1);
    if (await this.readableAt(probe)) return known;
    let low = probe + 1;
    let high = await this.currentRevision();
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if (await this.readableAt(mid)) high = mid;
      else low = mid + 1;
    }
    this.knownCompactRevision = Math.max(this.knownCompactRevision, low);
    return this.knownCompactRevision;
  }

  async dbSize(): Promise<number> {
    this.checkOpen();
    const res = await this.call(() => this.client.maintenance.status(this.callOptions()));
    return Number(res.dbSize);
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.request(() => this.client.kv.range({ key: NUL, count_only: true, revision }, this.callOptions()));
      return true;
    } catch (err) {
      if (isCompactedError(err)) return false;
      throw await this.translate(err);
    }
  }

  /** 0 reads the current state; anything else must be a valid revision. */
  private readRevision(at: number | undefined): number {
    if (at === undefined || at === 0) return 0;
    checkRevision('atRevision', at);
    return at;
  }

  private range(request: IRangeRequest, at: number): Promise<IRangeResponse> {
    return this.call(() => this.client.kv.range(request, this.callOptions()), at);
  }

  // ---- watch ----

  watch(prefix: string, fromRevision: number): WatchStream {
    checkPrefix(prefix);
    checkRevision('fromRevision', fromRevision);
    const watch = new EtcdWatch(this.watchHost, prefix, fromRevision, this.maxBufferedEvents);
    if (this.isClosed) {
      watch.fail(closed());
    } else if (fromRevision < this.knownCompactRevision) {
      watch.fail(compacted(fromRevision, this.knownCompactRevision));
    } else {
      this.watches.add(watch);
      watch.start();
    }
    return watch.queue;
  }

  // ---- compaction ----

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    checkRevision('revision', revision);
    // At or below a known compaction there is nothing to do, and nothing can be future.
    if (revision <= this.knownCompactRevision) return;
    try {
      // physical: the call returns once the history is really gone, as with SQLite.
      await this.request(() => this.client.kv.compact({ revision, physical: true }, { deadline: Date.now() + COMPACT_TIMEOUT_MS }));
    } catch (err) {
      if (isCompactedError(err)) {
        // Someone compacted at least this far already: a no-op, like SQLite.
        this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
        return;
      }
      if (isFutureRevisionError(err)) throw futureRevision(revision, await this.currentRevision());
      throw await this.translate(err);
    }
    this.knownCompactRevision = Math.max(this.knownCompactRevision, revision);
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const watch of [...this.watches]) watch.fail(closed());
    this.watches.clear();
    // Requests already sent get their answer before the connection goes away.
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    this.client.close();
  }

  private checkOpen(): void {
    if (this.isClosed) throw closed();
  }

  private callOptions(): { deadline: number } {
    return { deadline: Date.now() + this.requestTimeoutMs };
  }

  /** Runs one request, translating its failure; `at` is the revision a read asked for. */
  private async call<T>(run: () => Promise<T>, at?: number): Promise<T> {
    try {
      return await this.request(run);
    } catch (err) {
      throw await this.translate(err, at);
    }
  }

  /** Runs one request as is, counting it so close() can let it finish first. */
  private async request<T>(run: () => Promise<T>): Promise<T> {
    this.checkOpen();
    this.inflight++;
    try {
      return await run();
    } finally {
      if (--this.inflight === 0 && this.onIdle) this.onIdle();
    }
  }

  /** Maps etcd and gRPC failures to contract errors; `at` is the revision a read asked for. */
  private async translate(err: unknown, at?: number): Promise<StorageError> {
    if (err instanceof StorageError) return err;
    if (err instanceof ClientClosedError) return closed();
    const message = messageOf(err);
    if (at !== undefined && at > 0 && isCompactedError(err)) {
      const compactRevision = await this.compactRevision().catch(() => this.knownCompactRevision);
      return compacted(at, compactRevision);
    }
    if (at !== undefined && at > 0 && isFutureRevisionError(err)) {
      const current = await this.currentRevision().catch(() => 0);
      return futureRevision(at, current);
    }
    if (message.includes('request is too large')) {
      return new StorageError(
        'TooLarge',
        `etcd at ${this.where} refused the request as too large (${message}); run etcd with --max-request-bytes of at least 2097152`,
        {},
        { cause: err },
      );
    }
    if (message.includes('database space exceeded')) {
      return new StorageError('Unavailable', `etcd at ${this.where} is out of space (${message}); compact, defragment and disarm the alarm`, {}, { cause: err });
    }
    return new StorageError('Unavailable', `etcd at ${this.where}: ${message}`, {}, { cause: err });
  }
}
