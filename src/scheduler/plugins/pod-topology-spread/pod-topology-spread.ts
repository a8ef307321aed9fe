/**
 * PodTopologySpread: keeps matching pods spread across topology domains. DoNotSchedule
 * constraints filter (skew = pods in the node's domain + self − the least-loaded
 * eligible domain, which counts as 0 when fewer than minDomains exist); ScheduleAnyway
 * constraints score, favouring less-loaded domains with upstream's log weighting.
 * Nodes count as eligible domains per nodeAffinityPolicy (default Honor) and
 * nodeTaintsPolicy (default Ignore), and only when they carry every constraint's key.
 */
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, matchLabels, newRequirement, type LabelSelector, type MetaLabelSelector } from '../../../api/labels.js';
import type { NodeInfo } from '../../node-info.js';
import { podMatchesNodeSelectorAndAffinity } from '../../node-selector.js';
import type { PodInfo } from '../../pod-info.js';
import { firstUntolerated } from '../../taints.js';
import { MAX_NODE_SCORE, skip, unresolvable, unschedulable, type CycleState, type Plugin, type Snapshot } from '../../types.js';

export const NAME = 'PodTopologySpread';
export const ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints";
export const ERR_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelSelector;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

export function constraintsOf(pod: Pod, when: 'DoNotSchedule' | 'ScheduleAnyway'): Constraint[] {
  const labels = pod.metadata?.labels ?? {};
  return (pod.spec?.topologySpreadConstraints ?? [])
    .filter((c: TopologySpreadConstraint) => c.whenUnsatisfiable === when)
    .map((c) => {
      let selector = labelSelectorFromObject(c.labelSelector as MetaLabelSelector | undefined);
      // matchLabelKeys: the pod's own values for those keys narrow the selector.
      const extra = (c.matchLabelKeys ?? []).filter((k) => labels[k] !== undefined).map((k) => newRequirement(k, 'in', [labels[k]!]));
      if (extra.length && !selector.nothing) selector = { requirements: [...selector.requirements, ...extra], nothing: false };
      return {
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
        honorTaints: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
      };
    });
}

/** Whether the node is one of the pod's domains under the constraint's node policies. */
function eligible(c: Constraint, pod: PodInfo, node: NodeInfo, checkAffinity: boolean): boolean {
  if (checkAffinity && c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod.pod, node.name, node.labels)) return false;
  if (c.honorTaints && node.taints.length > 0 && firstUntolerated(node.taints, pod.pod.spec?.tolerations ?? [], ['NoSchedule', 'NoExecute'])) return false;
  return true;
}

function hasAllKeys(constraints: Constraint[], node: NodeInfo): boolean {
  for (let i = 0; i < constraints.length; i++) if (node.labels[constraints[i]!.topologyKey] === undefined) return false;
  return true;
}

/**
 * Per constraint, the matching pods per domain value: domains are seeded from `nodes`
 * (those with every key that pass the node policies); then placed pods the constraint
 * selects in the pod's namespace, not terminating, are added where their node counts.
 * Walks groups of equal pods, not every pod.
 */
function countDomains(constraints: Constraint[], pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot, policies: boolean): Map<string, number>[] {
  const checkAffinity = !!(pod.pod.spec?.nodeSelector || pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  const counts = constraints.map(() => new Map<string, number>());
  const counted = (c: Constraint, node: NodeInfo) => hasAllKeys(constraints, node) && (!policies || eligible(c, pod, node, checkAffinity));
  for (const node of nodes) {
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const value = node.labels[c.topologyKey];
      if (value === undefined || counts[i]!.has(value) || !counted(c, node)) continue;
      counts[i]!.set(value, 0);
    }
  }
  for (const { sample, nodes: placed } of snapshot.podGroups()) {
    if (sample.namespace !== pod.namespace || sample.pod.metadata?.deletionTimestamp) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!matchLabels(c.selector, sample.labels)) continue;
      const byValue = counts[i]!;
      for (const [name, n] of placed) {
        const node = snapshot.get(name);
        if (!node) continue;
        const current = byValue.get(node.labels[c.topologyKey] ?? '');
        if (current === undefined || !counted(c, node)) continue;
        byValue.set(node.labels[c.topologyKey]!, current + n);
      }
    }
  }
  return counts;
}

interface FilterState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  /** Per constraint: the smallest count over eligible domains (0 below minDomains). */
  minMatch: number[];
  /** Per constraint: 1 if the incoming pod matches its own selector. */
  self: number[];
}

const FILTER = 'PodTopologySpread/filter';
const SCORE = 'PodTopologySpread/score';

function preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot) {
  const constraints = constraintsOf(pod.pod, 'DoNotSchedule');
  if (constraints.length === 0) return skip();
  const counts = countDomains(constraints, pod, snapshot.nodes, snapshot, true);
  const minMatch = constraints.map((c, i) => {
    const byValue = counts[i]!;
    if (byValue.size < c.minDomains) return 0;
    let min = Infinity;
    for (const n of byValue.values()) if (n < min) min = n;
    return min === Infinity ? 0 : min;
  });
  const self = constraints.map((c) => (matchLabels(c.selector, pod.labels) ? 1 : 0));
  state.set(FILTER, { constraints, counts, minMatch, self } satisfies FilterState);
  return undefined;
}

function filter(state: CycleState, _pod: PodInfo, node: NodeInfo) {
  const s = state.get(FILTER) as FilterState | undefined;
  if (!s) return undefined;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    const value = node.labels[c.topologyKey];
    if (value === undefined) return unresolvable(ERR_MISSING_LABEL);
    const skew = (s.counts[i]!.get(value) ?? 0) + s.self[i]! - s.minMatch[i]!;
    if (skew > c.maxSkew) return unschedulable(ERR_CONSTRAINTS);
  }
  return undefined;
}

interface ScoreState {
  constraints: Constraint[];
  counts: Map<string, number>[];
  weights: number[];
  ignored: Set<string>;
}

function preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot) {
  const constraints = constraintsOf(pod.pod, 'ScheduleAnyway');
  if (constraints.length === 0) return skip();
  const ignored = new Set<string>();
  for (const node of nodes) if (!hasAllKeys(constraints, node)) ignored.add(node.name);
  // Domains come from the feasible nodes; pods count wherever such a domain is.
  const seeded = countDomains(constraints, pod, nodes, snapshot, false);
  const all = countDomains(constraints, pod, snapshot.nodes, snapshot, true);
  const counts = constraints.map((_, i) => new Map([...seeded[i]!.keys()].map((v) => [v, all[i]!.get(v) ?? 0])));
  const weights = counts.map((d) => Math.log(d.size + 2));
  state.set(SCORE, { constraints, counts, weights, ignored } satisfies ScoreState);
  return undefined;
}

export function newPodTopologySpread(): Plugin {
  return {
    name: NAME,
    events: ['Pod/Add', 'Pod/Update', 'Pod/Delete', 'Node/Add', 'Node/Delete', 'Node/UpdateLabel', 'Node/UpdateTaint'],
    preFilter,
    filter,
    preScore,
    score(state, _pod, node) {
      const s = state.get(SCORE) as ScoreState;
      if (s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const count = s.counts[i]!.get(node.labels[c.topologyKey]!) ?? 0;
        score += count * s.weights[i]! + (c.maxSkew - 1);
      });
      return Math.round(score);
    },
    normalizeScore(state, _pod, scores) {
      const s = state.get(SCORE) as ScoreState;
      let min = Infinity;
      let max = -Infinity;
      for (const n of scores) {
        if (s.ignored.has(n.name)) continue;
        min = Math.min(min, n.score);
        max = Math.max(max, n.score);
      }
      for (const n of scores) {
        if (s.ignored.has(n.name)) n.score = 0;
        else if (max === 0) n.score = MAX_NODE_SCORE;
        else n.score = Math.trunc((MAX_NODE_SCORE * (max + min - n.score)) / max);
      }
    },
  };
}
