/**
 * Zones and the rate at which their nodes get NoExecute taints (upstream
 * ComputeZoneState, setLimiterInZone and RateLimitedTimedQueue): a zone is Normal,
 * PartialDisruption (more than two nodes and at least unhealthyZoneThreshold of them
 * not ready) or FullDisruption (none ready). Each zone has a token bucket (burst 1):
 * Normal and FullDisruption taint at nodeEvictionRate, PartialDisruption at
 * secondaryNodeEvictionRate in large clusters and not at all in small ones. When every
 * zone is fully disrupted the controller assumes it, not the nodes, is cut off.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { readyStatus } from './node-health.js';

export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const REGION_LABEL = 'topology.kubernetes.io/region';

/** A key naming the node's region and zone ('' for nodes with neither label). */
export function zoneOf(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels[REGION_LABEL] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '';
  const zone = labels[ZONE_LABEL] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '';
  return region || zone ? `${region}:${zone}` : '';
}

export function computeZoneState(nodes: readonly Node[], unhealthyZoneThreshold: number): ZoneState {
  let ready = 0;
  let notReady = 0;
  for (const node of nodes) {
    if (readyStatus(node) === 'True') ready++;
    else notReady++;
  }
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (notReady + ready) >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

export interface EvictionRates {
  /** Nodes per second tainted in a healthy zone. Upstream: 0.1. */
  nodeEvictionRate: number;
  /** Nodes per second tainted in an unhealthy zone of a large cluster. Upstream: 0.01. */
  secondaryNodeEvictionRate: number;
  /** Zones up to this many nodes stop tainting when partially disrupted. Upstream: 50. */
  largeClusterSizeThreshold: number;
}

export function zoneEvictionRate(state: ZoneState, zoneSize: number, rates: EvictionRates): number {
  if (state === 'PartialDisruption') return zoneSize > rates.largeClusterSizeThreshold ? rates.secondaryNodeEvictionRate : 0;
  return rates.nodeEvictionRate;
}

/** A token bucket (burst 1) on an injected clock; a rate <= 0 never admits. */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly qps: number,
    nowMs: number,
    full = true,
    private readonly burst = 1,
  ) {
    this.tokens = full && qps > 0 ? burst : 0;
    this.lastMs = nowMs;
  }

  private refill(nowMs: number): void {
    if (this.qps > 0 && nowMs > this.lastMs) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.qps);
    this.lastMs = Math.max(this.lastMs, nowMs);
  }

  tryTake(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.qps <= 0 || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when a token is available now (without taking it). */
  hasToken(nowMs: number): boolean {
    this.refill(nowMs);
    return this.qps > 0 && this.tokens >= 1;
  }

  /** Milliseconds until a token is available; undefined if never. */
  msUntilToken(nowMs: number): number | undefined {
    this.refill(nowMs);
    if (this.qps <= 0) return undefined;
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.qps) * 1000);
  }

  /**
   * This bucket at a new rate. A bucket that was waiting for a token passes its debt on,
   * so swapping rates never hands out an extra token (upstream SwapLimiter).
   */
  withRate(qps: number, nowMs: number): TokenBucket {
    if (qps === this.qps) return this;
    return new TokenBucket(qps, nowMs, this.hasToken(nowMs), this.burst);
  }
}

/**
 * The nodes waiting for a NoExecute taint in one zone, tainted in the order they went
 * unhealthy as the zone's bucket allows.
 */
export class ZoneTainter {
  private readonly waiting: string[] = [];
  bucket: TokenBucket;

  constructor(qps: number, nowMs: number) {
    this.bucket = new TokenBucket(qps, nowMs);
  }

  add(node: string): void {
    if (!this.waiting.includes(node)) this.waiting.push(node);
  }

  remove(node: string): void {
    const i = this.waiting.indexOf(node);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  has(node: string): boolean {
    return this.waiting.includes(node);
  }

  /** The nodes admitted now, in order, removed from the queue. */
  admit(nowMs: number): string[] {
    const admitted: string[] = [];
    while (this.waiting.length && this.bucket.tryTake(nowMs)) admitted.push(this.waiting.shift()!);
    return admitted;
  }

  get size(): number {
    return this.waiting.length;
  }
}
