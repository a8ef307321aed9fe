/**
 * One scheduling attempt for one pod (upstream schedulePod): PreFilter, then Filter over
 * nodes starting where the last attempt stopped until enough feasible nodes are found
 * (upstream's adaptive percentageOfNodesToScore), then PreScore, Score, NormalizeScore
 * and weights, and the highest total wins (ties broken at random). Pure: it reads the
 * snapshot and returns a decision (with the cycle state the binding cycle's Reserve and
 * PreBind continue from) or the per-node reasons it failed. Pods nominated to a node
 * (by an earlier preemption) with at least this pod's priority count as placed there
 * while filtering, as upstream's two-pass RunFilterPluginsWithNominatedPods.
 */
import { realClock } from '../util/clock.js';
import { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import { REGISTRY, type ProfilePlugin } from './registry.js';
import { EMPTY_LISTERS, type CycleState, type FrameworkHandle, type NodeScore, type Plugin, type Snapshot, type Status } from './types.js';

/** Pending pods nominated to a node (status.nominatedNodeName), by node name. */
export type NominatedPods = (nodeName: string) => readonly PodInfo[] | undefined;

export interface Diagnosis {
  /** Why each rejected node was rejected. */
  nodeStatus: Map<string, Status>;
  /** Plugins that rejected the pod somewhere; the events they name can make it schedulable. */
  unschedulablePlugins: Set<string>;
  /** Set when a PreFilter rejected the pod for every node. */
  preFilterMessage?: string;
}

export type ScheduleResult =
  | { kind: 'scheduled'; node: string; evaluatedNodes: number; feasibleNodes: number; state: CycleState }
  | { kind: 'unschedulable'; numAllNodes: number; diagnosis: Diagnosis };

const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Cycle-state key of the filter plugins that run this cycle. */
const CYCLE_FILTERS = 'framework/filters';
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

/** Upstream numFeasibleNodesToFind with the adaptive default percentage. */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = Math.trunc(50 - numAllNodes / 125);
  if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE) percentage = MIN_FEASIBLE_NODES_PERCENTAGE;
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

interface Weighted {
  plugin: Plugin;
  weight: number;
}

export class Framework {
  readonly plugins: Plugin[];
  private readonly preFilters: Plugin[];
  private readonly podExtenders: Plugin[];
  private readonly filters: Plugin[];
  private readonly scorers: Weighted[];
  private readonly reservers: Plugin[];
  private readonly preBinders: Plugin[];
  private nextStartNodeIndex = 0;

  constructor(
    profile: ProfilePlugin[],
    registry = REGISTRY,
    private readonly random: () => number = Math.random,
    handle: FrameworkHandle = { listers: EMPTY_LISTERS, clock: realClock },
  ) {
    this.plugins = [];
    this.scorers = [];
    for (const p of profile) {
      const factory = registry[p.name];
      if (!factory) throw new Error(`scheduler profile names unknown plugin ${p.name}`);
      const plugin = factory(handle);
      this.plugins.push(plugin);
      if (p.weight && plugin.score) this.scorers.push({ plugin, weight: p.weight });
    }
    this.preFilters = this.plugins.filter((p) => p.preFilter);
    this.podExtenders = this.plugins.filter((p) => p.addPod || p.removePod);
    this.filters = this.plugins.filter((p) => p.filter);
    this.reservers = this.plugins.filter((p) => p.reserve || p.unreserve);
    this.preBinders = this.plugins.filter((p) => p.preBind);
  }

  /** Events any plugin cares about, by plugin name. */
  eventsByPlugin(): Map<string, readonly string[]> {
    return new Map(this.plugins.map((p) => [p.name, p.events ?? []]));
  }

  /** Runs the filter plugins on one node (less those whose PreFilter said Skip); the first rejection wins. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Status | undefined {
    const filters = (state.get(CYCLE_FILTERS) as Plugin[] | undefined) ?? this.filters;
    for (const plugin of filters) {
      const status = plugin.filter!(state, pod, node);
      if (status && status.code !== 'Skip') {
        status.plugin = plugin.name;
        return status;
      }
    }
    return undefined;
  }

  /**
   * Filters with the pods nominated to the node that are at least as important as this
   * one counted as placed; if that passes, again without them (a nominated pod might be
   * what satisfies this pod's affinity, and it may never land).
   */
  runFiltersWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo, nominated?: NominatedPods): Status | undefined {
    const others = nominated?.(node.name)?.filter((p) => p.key !== pod.key && p.priority >= pod.priority);
    if (!others?.length) return this.runFilters(state, pod, node);
    const withNominated = new NodeInfo(node.name, node.node);
    for (const p of node.pods.values()) withNominated.addPod(p);
    const stateWith: CycleState = new Map(state);
    for (const p of others) {
      withNominated.addPod(p);
      this.runAddPod(stateWith, pod, p, withNominated);
    }
    return this.runFilters(stateWith, pod, withNominated) ?? this.runFilters(state, pod, node);
  }

  /** The PreFilter extensions: `other` counted as placed on `node` in `state` (a copy). */
  runAddPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    for (const plugin of this.podExtenders) plugin.addPod?.(state, pod, other, node);
  }

  /** The PreFilter extensions: `other` counted as gone from `node` in `state` (a copy). */
  runRemovePod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo): void {
    for (const plugin of this.podExtenders) plugin.removePod?.(state, pod, other, node);
  }

  /** Reserve in profile order; on a rejection, what was reserved is undone and the status returned. */
  runReserve(state: CycleState, pod: PodInfo, nodeName: string): Status | undefined {
    for (const plugin of this.reservers) {
      const status = plugin.reserve?.(state, pod, nodeName);
      if (status && status.code !== 'Skip') {
        status.plugin = plugin.name;
        this.runUnreserve(state, pod, nodeName);
        return status;
      }
    }
    return undefined;
  }

  /** Unreserve in reverse order (upstream), every plugin, ignoring what was not reserved. */
  runUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservers.length - 1; i >= 0; i--) this.reservers[i]!.unreserve?.(state, pod, nodeName);
  }

  /** PreBind in order; the first rejection stops it. */
  async runPreBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<Status | undefined> {
    for (const plugin of this.preBinders) {
      const status = await plugin.preBind!(state, pod, nodeName);
      if (status && status.code !== 'Skip') {
        status.plugin = plugin.name;
        return status;
      }
    }
    return undefined;
  }

  /** PreFilter for all plugins; returns a rejection that applies to every node, if any. */
  runPreFilters(state: CycleState, pod: PodInfo, snapshot: Snapshot): Status | undefined {
    let skipped: Set<Plugin> | undefined;
    for (const plugin of this.preFilters) {
      const status = plugin.preFilter!(state, pod, snapshot);
      if (status?.code === 'Skip') (skipped ??= new Set()).add(plugin);
      else if (status) {
        status.plugin = plugin.name;
        return status;
      }
    }
    // Upstream skips the Filter of a plugin whose PreFilter returned Skip for this cycle.
    if (skipped) state.set(CYCLE_FILTERS, this.filters.filter((p) => !skipped.has(p)));
    return undefined;
  }

  schedule(pod: PodInfo, snapshot: Snapshot, nominated?: NominatedPods): ScheduleResult {
    const nodes = snapshot.nodes;
    const diagnosis: Diagnosis = { nodeStatus: new Map(), unschedulablePlugins: new Set() };
    if (nodes.length === 0) return { kind: 'unschedulable', numAllNodes: 0, diagnosis };
    const state: CycleState = new Map();
    const pre = this.runPreFilters(state, pod, snapshot);
    if (pre) {
      diagnosis.preFilterMessage = pre.reasons.join(', ');
      diagnosis.unschedulablePlugins.add(pre.plugin!);
      for (const n of nodes) diagnosis.nodeStatus.set(n.name, pre);
      return { kind: 'unschedulable', numAllNodes: nodes.length, diagnosis };
    }

    const want = numFeasibleNodesToFind(nodes.length);
    const feasible: NodeInfo[] = [];
    let processed = 0;
    const start = this.nextStartNodeIndex % nodes.length;
    for (; processed < nodes.length && feasible.length < want; processed++) {
      const node = nodes[(start + processed) % nodes.length]!;
      const status = nominated ? this.runFiltersWithNominatedPods(state, pod, node, nominated) : this.runFilters(state, pod, node);
      if (!status) feasible.push(node);
      else {
        diagnosis.nodeStatus.set(node.name, status);
        diagnosis.unschedulablePlugins.add(status.plugin!);
      }
    }
    this.nextStartNodeIndex = (start + processed) % nodes.length;
    if (feasible.length === 0) return { kind: 'unschedulable', numAllNodes: nodes.length, diagnosis };
    if (feasible.length === 1) return { kind: 'scheduled', node: feasible[0]!.name, evaluatedNodes: processed, feasibleNodes: 1, state };

    const totals = this.score(state, pod, feasible, snapshot);
    return { kind: 'scheduled', node: this.selectHost(totals), evaluatedNodes: processed, feasibleNodes: feasible.length, state };
  }

  /** Weighted, normalised totals per feasible node. */
  score(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot): NodeScore[] {
    const totals: NodeScore[] = nodes.map((n) => ({ name: n.name, score: 0 }));
    // One scratch list for every plugin's raw scores (each plugin overwrites it), not one per plugin.
    let scores: NodeScore[] | undefined;
    for (const { plugin, weight } of this.scorers) {
      if (plugin.preScore) {
        const status = plugin.preScore(state, pod, nodes, snapshot);
        if (status?.code === 'Skip') continue;
      }
      scores ??= nodes.map((n) => ({ name: n.name, score: 0 }));
      for (let i = 0; i < nodes.length; i++) scores[i]!.score = plugin.score!(state, pod, nodes[i]!);
      plugin.normalizeScore?.(state, pod, scores);
      for (let i = 0; i < scores.length; i++) totals[i]!.score += scores[i]!.score * weight;
    }
    return totals;
  }

  /** The highest score; among equals, each is picked with equal probability (reservoir sampling). */
  private selectHost(totals: NodeScore[]): string {
    let best = totals[0]!;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      const s = totals[i]!;
      if (s.score > best.score) {
        best = s;
        ties = 1;
      } else if (s.score === best.score) {
        ties++;
        if (this.random() * ties < 1) best = s;
      }
    }
    return best.name;
  }
}
