/**
 * The placed pods of one group (equal pods, or pods with an equal anti-affinity term)
 * counted per node and, on demand, per topology domain. InterPodAffinity and
 * PodTopologySpread count matching pods per domain on every scheduling cycle; upstream
 * walks every placed pod for that (in parallel goroutines). Here a count per (group,
 * topology key) is built the first time a cycle asks for it and then kept current as
 * pods are added and removed, so a cycle reads whole groups' domain counts instead of
 * walking their nodes. A change of node labels, or a node coming or going, moves the
 * topology's epoch on and the counts are rebuilt on their next read.
 */

/** How the counts see nodes: their labels, and a number that changes when any node's labels may have. */
export interface Topology {
  readonly epoch: number;
  /** The labels of a known node; undefined for a node the cache does not know (or holds only as a ghost). */
  labelsOf(node: string): Readonly<Record<string, string>> | undefined;
}

/** Placed pods per value of one topology key; `total` is their sum (pods on nodes without the key are not counted). */
export interface DomainCounts {
  readonly byValue: ReadonlyMap<string, number>;
  readonly total: number;
}

interface Memo {
  epoch: number;
  byValue: Map<string, number>;
  total: number;
}

function bump(map: Map<string, number>, key: string, delta: number): void {
  const n = (map.get(key) ?? 0) + delta;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

export class PlacedCounts {
  private readonly perNode = new Map<string, number>();
  private readonly memo = new Map<string, Memo>();

  constructor(private readonly topology: Topology) {}

  /** Pods of the group per node name. */
  get nodes(): ReadonlyMap<string, number> {
    return this.perNode;
  }

  /** Adds (1) or removes (−1) one pod on `node`; returns on how many nodes the group still has pods. */
  shift(node: string, sign: 1 | -1): number {
    bump(this.perNode, node, sign);
    if (this.memo.size > 0) {
      const labels = this.topology.labelsOf(node);
      for (const [key, m] of this.memo) {
        if (m.epoch !== this.topology.epoch) {
          this.memo.delete(key);
          continue;
        }
        const value = labels?.[key];
        if (value === undefined) continue;
        bump(m.byValue, value, sign);
        m.total += sign;
      }
    }
    return this.perNode.size;
  }

  /** The group's pods per value of `topologyKey`. Callers must not keep it past the scheduling cycle. */
  domains(topologyKey: string): DomainCounts {
    const epoch = this.topology.epoch;
    const known = this.memo.get(topologyKey);
    if (known && known.epoch === epoch) return known;
    const m: Memo = { epoch, byValue: new Map(), total: 0 };
    for (const [node, n] of this.perNode) {
      const value = this.topology.labelsOf(node)?.[topologyKey];
      if (value === undefined) continue;
      m.byValue.set(value, (m.byValue.get(value) ?? 0) + n);
      m.total += n;
    }
    this.memo.set(topologyKey, m);
    return m;
  }
}
