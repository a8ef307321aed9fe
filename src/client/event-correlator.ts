/**
 * What the event recorder writes for each event (client-go EventCorrelator), decided
 * without I/O:
 *  - spam filter: per source+object a token bucket (burst 25, one more per 5 min); past it
 *    events are dropped;
 *  - aggregation: more than 10 events of the same source+object+type+reason with different
 *    messages within 10 min become one "(combined from similar events): …" event;
 *  - de-duplication: an event equal to one already written (source, object, type, reason,
 *    message) becomes a patch of that event's `count` and `lastTimestamp` instead of a new
 *    object. The memory of written events is an LRU of 4096 keys, as upstream.
 */
import { formatTime, type Clock } from '../util/clock.js';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: string;
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

export type CorrelationResult =
  | { action: 'drop' }
  | { action: 'create'; event: CoreEvent; key: string }
  | { action: 'patch'; event: CoreEvent; key: string; patch: { count: number; lastTimestamp: string; message: string } };

interface Observation {
  count: number;
  firstTimestamp: string;
  name: string;
  resourceVersion: string | undefined;
}

const SPAM_BURST = 25;
const SPAM_QPS = 1 / 300;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const CACHE_SIZE = 4096;

/** A Map that forgets its least recently used keys past `size`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

const objectPart = (e: CoreEvent) => {
  const o = e.involvedObject;
  return [e.source.component, e.source.host ?? '', o.kind ?? '', o.namespace ?? '', o.name ?? '', o.uid ?? '', o.apiVersion ?? ''];
};
const spamKey = (e: CoreEvent) => objectPart(e).join('');
const aggregateKey = (e: CoreEvent) => [...objectPart(e), e.type, e.reason, e.reportingComponent, e.reportingInstance].join('');
/** client-go getEventKey. */
export const eventKey = (e: CoreEvent) => [...objectPart(e).slice(0, 5), e.involvedObject.fieldPath ?? '', ...objectPart(e).slice(5), e.type, e.reason, e.message].join('');

export class EventCorrelator {
  private readonly spam = new Lru<{ tokens: number; last: number }>(CACHE_SIZE);
  private readonly aggregates = new Lru<{ messages: Set<string>; last: number }>(CACHE_SIZE);
  private readonly observed = new Lru<Observation>(CACHE_SIZE);

  constructor(private readonly clock: Clock) {}

  correlate(event: CoreEvent): CorrelationResult {
    const now = this.clock.now();
    if (!this.allow(event, now)) return { action: 'drop' };
    const { event: e, key } = this.aggregate(event, now);
    const seen = this.observed.get(key);
    if (!seen) return { action: 'create', event: e, key };
    const updated: CoreEvent = {
      ...e,
      metadata: { ...e.metadata, name: seen.name, ...(seen.resourceVersion ? { resourceVersion: seen.resourceVersion } : {}) },
      count: seen.count + 1,
      firstTimestamp: seen.firstTimestamp,
    };
    return { action: 'patch', event: updated, key, patch: { count: updated.count, lastTimestamp: updated.lastTimestamp, message: updated.message } };
  }

  /** Remember an event as written (after create or patch succeeded). */
  written(key: string, event: CoreEvent): void {
    this.observed.set(key, { count: event.count, firstTimestamp: event.firstTimestamp, name: event.metadata.name, resourceVersion: event.metadata.resourceVersion });
  }

  /** Forget an event that turned out to be gone (its patch found nothing). */
  forget(key: string): void {
    this.observed.delete(key);
  }

  private allow(event: CoreEvent, now: number): boolean {
    const key = spamKey(event);
    const bucket = this.spam.get(key) ?? { tokens: SPAM_BURST, last: now };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + ((now - bucket.last) / 1000) * SPAM_QPS);
    bucket.last = now;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.spam.set(key, bucket);
    return ok;
  }

  private aggregate(event: CoreEvent, now: number): { event: CoreEvent; key: string } {
    const key = aggregateKey(event);
    let record = this.aggregates.get(key);
    if (!record || now - record.last > AGGREGATE_INTERVAL_MS) record = { messages: new Set(), last: now };
    record.messages.add(event.message);
    record.last = now;
    this.aggregates.set(key, record);
    if (record.messages.size < AGGREGATE_MAX_EVENTS) return { event, key: eventKey(event) };
    // Keep the set from growing; from here on similar events collapse into one.
    record.messages.delete(record.messages.values().next().value!);
    const ts = formatTime(now);
    return {
      event: { ...event, message: `(combined from similar events): ${event.message}`, firstTimestamp: ts, lastTimestamp: ts, count: 1 },
      key,
    };
  }
}
