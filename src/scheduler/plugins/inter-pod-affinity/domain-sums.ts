/**
 * Matching pods per topology domain for one side of InterPodAffinity's checks: the sum of
 * whole groups' domain counts (read from the cache, never copied) plus this cycle's own
 * corrections for pods added or removed by AddPod/RemovePod (nominated pods, preemption
 * victims). Immutable once built: a correction returns a new value, so a cycle state
 * copied for a what-if keeps the original intact.
 */
import type { DomainCounts } from '../../placed-counts.js';

export class DomainSums {
  private keyList: string[] | undefined;

  private constructor(
    /** topologyKey → the groups' counts by value of that key. */
    private readonly sources: Map<string, ReadonlyMap<string, number>[]>,
    /** topologyKey → value → correction. */
    private readonly corrections: Map<string, Map<string, number>>,
    /** All pods counted, over every key and value (0 means no matching pod anywhere). */
    readonly total: number,
  ) {}

  /** Builds sums from groups' counts, each under its term's topology key. */
  static of(parts: Iterable<{ topologyKey: string; counts: DomainCounts }>): DomainSums {
    const sources = new Map<string, ReadonlyMap<string, number>[]>();
    let total = 0;
    for (const { topologyKey, counts } of parts) {
      if (counts.total === 0) continue;
      const list = sources.get(topologyKey);
      if (list) list.push(counts.byValue);
      else sources.set(topologyKey, [counts.byValue]);
      total += counts.total;
    }
    return new DomainSums(sources, new Map(), total);
  }

  /** Matching pods in the domain `topologyKey=value`. */
  get(topologyKey: string, value: string): number {
    let n = 0;
    const list = this.sources.get(topologyKey);
    if (list) for (let i = 0; i < list.length; i++) n += list[i]!.get(value) ?? 0;
    if (this.corrections.size > 0) n += this.corrections.get(topologyKey)?.get(value) ?? 0;
    return n;
  }

  /** The topology keys with any count (an array: the filter reads it for every node). */
  get keys(): readonly string[] {
    if (!this.keyList) {
      const keys = new Set(this.sources.keys());
      for (const key of this.corrections.keys()) keys.add(key);
      this.keyList = [...keys];
    }
    return this.keyList;
  }

  /** These sums with `delta` pods more in `topologyKey=value`; a domain never goes below zero. */
  shifted(topologyKey: string, value: string, delta: number): DomainSums {
    const current = this.get(topologyKey, value);
    const applied = Math.max(-current, delta);
    if (applied === 0) return this;
    const corrections = new Map(this.corrections);
    const byValue = new Map(corrections.get(topologyKey));
    byValue.set(value, (byValue.get(value) ?? 0) + applied);
    corrections.set(topologyKey, byValue);
    return new DomainSums(this.sources, corrections, this.total + applied);
  }
}
