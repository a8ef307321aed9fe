/**
 * Records core/v1 Events about objects, as client-go's EventRecorder: `event()` never
 * blocks the caller; events are written in order in the background, correlated first
 * (event-correlator.ts) so a repeated event bumps `count` and `lastTimestamp` on the
 * existing object instead of creating another. Names are `<object>.<hex nanoseconds>`.
 * Failed writes are retried (12 attempts, ~10 s apart, as upstream); a full backlog drops.
 */
import { ApiError } from '../api/errors.js';
import { formatTime, realClock, type Clock } from '../util/clock.js';
import { createLogger, type Logger } from '../util/logger.js';
import type { Client } from './client.js';
import type { ObjectLike } from './object.js';
import { EventCorrelator, type CoreEvent, type ObjectReference } from './event-correlator.js';
import { RESOURCE_TYPES } from './resource.js';
import { isAlreadyExists, isNotFound } from './status-error.js';

export type { CoreEvent, ObjectReference };

export type EventType = 'Normal' | 'Warning';

const DROP_LOG_INTERVAL_MS = 10_000;

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventRecorderOptions {
  clock?: Clock;
  logger?: Logger;
  /** Events waiting to be written beyond this are dropped (client-go: 1000). */
  maxQueued?: number;
  maxAttempts?: number;
  retryIntervalMs?: number;
}

/** The reference an event carries to its object. */
export function referenceTo(obj: ObjectLike | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || !obj.metadata) return { ...(obj as ObjectReference) };
  const o = obj as ObjectLike;
  const ref: ObjectReference = { kind: o.kind ?? '', name: o.metadata!.name ?? '' };
  if (o.metadata!.namespace) ref.namespace = o.metadata!.namespace;
  if (o.metadata!.uid) ref.uid = o.metadata!.uid;
  if (o.apiVersion) ref.apiVersion = o.apiVersion;
  if (o.metadata!.resourceVersion) ref.resourceVersion = o.metadata!.resourceVersion;
  return ref;
}

export class EventRecorder {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly correlator: EventCorrelator;
  private readonly maxQueued: number;
  private readonly maxAttempts: number;
  private readonly retryIntervalMs: number;
  private readonly stopController = new AbortController();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private lastNanos = 0n;
  private dropped = 0;
  private lastDropLog = -Infinity;

  constructor(
    private readonly client: Client,
    private readonly source: EventSource,
    options: EventRecorderOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.logger = (options.logger ?? createLogger('events')).child({ source: source.component });
    this.correlator = new EventCorrelator(this.clock);
    this.maxQueued = options.maxQueued ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 12;
    this.retryIntervalMs = options.retryIntervalMs ?? 10_000;
  }

  /** Records an event about `obj`; returns at once. */
  event(obj: ObjectLike | ObjectReference, type: EventType, reason: string, message: string): void {
    if (this.stopController.signal.aborted) return;
    if (type !== 'Normal' && type !== 'Warning') {
      this.logger.error({ type, reason }, 'unsupported event type; dropped');
      return;
    }
    if (this.queued >= this.maxQueued) {
      // A burst drops many at once: say so once per interval, with the count.
      this.dropped++;
      const now = this.clock.now();
      if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
        this.logger.warn({ reason, dropped: this.dropped }, 'event backlog full; dropped');
        this.dropped = 0;
        this.lastDropLog = now;
      }
      return;
    }
    const event = this.makeEvent(referenceTo(obj), type, reason, message);
    this.queued++;
    this.chain = this.chain.then(() => this.write(event)).finally(() => void this.queued--);
  }

  /** Resolves when every event recorded so far has been written (or given up on). */
  flush(): Promise<void> {
    return this.chain;
  }

  /** Stops retrying and drops events not yet written, then waits for the writer to finish. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.chain;
  }

  private makeEvent(ref: ObjectReference, type: EventType, reason: string, message: string): CoreEvent {
    const now = this.clock.now();
    // Nanoseconds since the epoch, strictly increasing so two events in one ms differ in name.
    let nanos = BigInt(now) * 1_000_000n;
    if (nanos <= this.lastNanos) nanos = this.lastNanos + 1n;
    this.lastNanos = nanos;
    const ts = formatTime(now);
    const source = this.source.host ? { component: this.source.component, host: this.source.host } : { component: this.source.component };
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${ref.name ?? ''}.${nanos.toString(16)}`, namespace: ref.namespace || 'default' },
      involvedObject: ref,
      reason,
      message,
      type,
      source,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: this.source.component,
      reportingInstance: this.source.host ?? '',
    };
  }

  private async write(original: CoreEvent): Promise<void> {
    const signal = this.stopController.signal;
    const result = this.correlator.correlate(original);
    if (result.action === 'drop') return;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const written = await this.send(result);
        this.correlator.written(result.key, written);
        return;
      } catch (err) {
        // Refusals that a retry cannot fix: log and give up.
        if (err instanceof ApiError && (isAlreadyExists(err) || err.code === 400 || err.code === 403 || err.code === 422)) {
          this.logger.error({ reason: original.reason, err: err.message }, 'server rejected event; dropped');
          return;
        }
        if (attempt >= this.maxAttempts) {
          this.logger.error({ reason: original.reason, err: String(err) }, 'unable to write event; giving up');
          return;
        }
        await this.clock.sleep(this.retryIntervalMs * (1 + Math.random() * 0.25), signal);
      }
    }
  }

  private async send(result: Exclude<ReturnType<EventCorrelator['correlate']>, { action: 'drop' }>): Promise<CoreEvent> {
    const event = result.event;
    if (result.action === 'patch') {
      try {
        return await this.client.patch<CoreEvent>(RESOURCE_TYPES.events, event.metadata.name, 'strategic', result.patch, { namespace: event.metadata.namespace });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // The event was deleted (TTL): write it anew, keeping the count.
        this.correlator.forget(result.key);
      }
    }
    const { resourceVersion: _rv, ...metadata } = event.metadata;
    return this.client.create<CoreEvent>(RESOURCE_TYPES.events, { ...event, metadata });
  }
}
