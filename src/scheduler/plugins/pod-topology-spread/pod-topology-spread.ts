/**
 * PodTopologySpread: keeps matching pods spread across topology domains. DoNotSchedule
 * constraints filter (skew = pods in the node's domain + self − the least-loaded
 * eligible domain, which counts as 0 when fewer than minDomains exist); ScheduleAnyway
 * constraints score, favouring less-loaded domains with upstream's log weighting.
 * Nodes count as eligible domains per nodeAffinityPolicy (default Honor) and
 * nodeTaintsPolicy (default Ignore), and only when they carry every constraint's key.
 * A pod with no constraints at all is scored with upstream's system defaults (hostname
 * maxSkew 3, zone maxSkew 5, ScheduleAnyway) over the pods its Services, RCs, ReplicaSets
 * and StatefulSets select; there a node needs only each constraint's own key.
 */
import type { Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { labelSelectorFromObject, matchLabels, newRequirement, selectorFromSet, type LabelSelector, type MetaLabelSelector } from '../../../api/labels.js';
import type { NodeInfo } from '../../node-info.js';
import { podMatchesNodeSelectorAndAffinity } from '../../../api/scheduling/node-selector.js';
import type { PodInfo } from '../../pod-info.js';
import { firstUntolerated } from '../../../api/scheduling/taints.js';
import { EMPTY_LISTERS, MAX_NODE_SCORE, skip, unresolvable, unschedulable, type CycleState, type FrameworkHandle, type Listers, type Plugin, type Snapshot } from '../../types.js';

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

/**
 * Upstream's DefaultSelector: the labels of the Services and ReplicationControllers that
 * select the pod, ANDed with the selectors of the ReplicaSets and StatefulSets that do;
 * undefined when nothing selects it.
 */
export function defaultSelector(pod: Pod, listers: Listers): LabelSelector | undefined {
  const ns = pod.metadata?.namespace ?? '';
  const labels = (pod.metadata?.labels ?? {}) as Record<string, string>;
  const set: Record<string, string> = {};
  const selects = (sel: Record<string, string> | undefined) => !!sel && Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v);
  for (const svc of listers.services(ns)) if (selects(svc.spec?.selector)) Object.assign(set, svc.spec!.selector);
  for (const rc of listers.replicationControllers(ns)) if (selects(rc.spec?.selector)) Object.assign(set, rc.spec!.selector);
  const requirements = Object.keys(set).length > 0 ? [...selectorFromSet(set).requirements] : [];
  for (const owner of [...listers.replicaSets(ns), ...listers.statefulSets(ns)]) {
    const sel = labelSelectorFromObject(owner.spec?.selector as MetaLabelSelector | undefined);
    // An empty or invalid selector selects nothing here (upstream skips such owners).
    if (sel.nothing || sel.requirements.length === 0 || !matchLabels(sel, labels)) continue;
    requirements.push(...sel.requirements);
  }
  return requirements.length > 0 ? { requirements, nothing: false } : undefined;
}

/** Upstream's system default constraints (v1 PodTopologySpreadArgs, defaultingType System). */
function systemDefaultConstraints(selector: LabelSelector): Constraint[] {
  const c = (topologyKey: string, maxSkew: number): Constraint => ({ maxSkew, topologyKey, selector, minDomains: 1, honorAffinity: true, honorTaints: false });
  return [c('kubernetes.io/hostname', 3), c('topology.kubernetes.io/zone', 5)];
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
function countDomains(constraints: Constraint[], pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot, policies: boolean, requireAllKeys = true): Map<string, number>[] {
  const checkAffinity = !!(pod.pod.spec?.nodeSelector || pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  const counts = constraints.map(() => new Map<string, number>());
  const hasKeys = (c: Constraint, node: NodeInfo) => (requireAllKeys ? hasAllKeys(constraints, node) : node.labels[c.topologyKey] !== undefined);
  const counted = (c: Constraint, node: NodeInfo) => hasKeys(c, node) && (!policies || eligible(c, pod, node, checkAffinity));
  for (const node of nodes) {
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      const value = node.labels[c.topologyKey];
      if (value === undefined || counts[i]!.has(value) || !counted(c, node)) continue;
      counts[i]!.set(value, 0);
    }
  }
  // Where a node counts exactly when it has the constraint's key, whole groups' domain counts serve.
  const byKeyOnly = constraints.map((c) => !(policies && (checkAffinity || c.honorTaints)) && (!requireAllKeys || constraints.every((o) => o.topologyKey === c.topologyKey)));
  for (const { sample, placed } of snapshot.podGroups()) {
    if (sample.namespace !== pod.namespace || sample.pod.metadata?.deletionTimestamp) continue;
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i]!;
      if (!matchLabels(c.selector, sample.labels)) continue;
      const byValue = counts[i]!;
      if (byKeyOnly[i]) {
        for (const [value, n] of placed.domains(c.topologyKey).byValue) {
          const current = byValue.get(value);
          if (current !== undefined) byValue.set(value, current + n);
        }
        continue;
      }
      for (const [name, n] of placed.nodes) {
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
  const minMatch = constraints.map((c, i) => leastMatched(c, counts[i]!));
  const self = constraints.map((c) => (matchLabels(c.selector, pod.labels) ? 1 : 0));
  state.set(FILTER, { constraints, counts, minMatch, self } satisfies FilterState);
  return undefined;
}

/** The smallest count over the constraint's domains; 0 while fewer than minDomains exist. */
function leastMatched(c: Constraint, byValue: Map<string, number>): number {
  if (byValue.size < c.minDomains) return 0;
  let min = Infinity;
  for (const n of byValue.values()) if (n < min) min = n;
  return min === Infinity ? 0 : min;
}

/**
 * Upstream's updateWithPod: the counts as if `other` were added to (delta 1) or removed
 * from (delta −1) `node`, for constraints that select it there. Copy-on-write: the state
 * object in `state` is replaced.
 */
function updateWithPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: 1 | -1): void {
  const s = state.get(FILTER) as FilterState | undefined;
  if (!s || other.namespace !== pod.namespace || !hasAllKeys(s.constraints, node)) return;
  const checkAffinity = !!(pod.pod.spec?.nodeSelector || pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution);
  let counts = s.counts;
  let minMatch = s.minMatch;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i]!;
    if (!eligible(c, pod, node, checkAffinity) || !matchLabels(c.selector, other.labels)) continue;
    const value = node.labels[c.topologyKey]!;
    const current = counts[i]!.get(value);
    if (current === undefined) continue;
    if (counts === s.counts) {
      counts = [...s.counts];
      minMatch = [...s.minMatch];
    }
    const byValue = new Map(counts[i]!);
    byValue.set(value, Math.max(0, current + delta));
    counts[i] = byValue;
    minMatch[i] = leastMatched(c, byValue);
  }
  if (counts !== s.counts) state.set(FILTER, { ...s, counts, minMatch } satisfies FilterState);
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

function preScore(listers: Listers, state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot) {
  let constraints = constraintsOf(pod.pod, 'ScheduleAnyway');
  // System defaults only for pods with no constraints of either kind.
  const systemDefaulted = !pod.pod.spec?.topologySpreadConstraints?.length;
  if (systemDefaulted) {
    const selector = defaultSelector(pod.pod, listers);
    constraints = selector ? systemDefaultConstraints(selector) : [];
  }
  if (constraints.length === 0) return skip();
  const ignored = new Set<string>();
  if (!systemDefaulted) for (const node of nodes) if (!hasAllKeys(constraints, node)) ignored.add(node.name);
  // Domains come from the feasible nodes; pods count wherever such a domain is.
  const seeded = countDomains(constraints, pod, nodes, snapshot, false, !systemDefaulted);
  const all = countDomains(constraints, pod, snapshot.nodes, snapshot, true, !systemDefaulted);
  const counts = constraints.map((_, i) => new Map([...seeded[i]!.keys()].map((v) => [v, all[i]!.get(v) ?? 0])));
  const weights = counts.map((d) => Math.log(d.size + 2));
  state.set(SCORE, { constraints, counts, weights, ignored } satisfies ScoreState);
  return undefined;
}

export function newPodTopologySpread(handle?: FrameworkHandle): Plugin {
  const listers = handle?.listers ?? EMPTY_LISTERS;
  return {
    name: NAME,
    events: ['Pod/Add', 'Pod/Update', 'Pod/Delete', 'Node/Add', 'Node/Delete', 'Node/UpdateLabel', 'Node/UpdateTaint'],
    preFilter,
    filter,
    addPod: (state, pod, other, node) => updateWithPod(state, pod, other, node, 1),
    removePod: (state, pod, other, node) => updateWithPod(state, pod, other, node, -1),
    preScore: (state, pod, nodes, snapshot) => preScore(listers, state, pod, nodes, snapshot),
    score(state, _pod, node) {
      const s = state.get(SCORE) as ScoreState;
      if (s.ignored.has(node.name)) return 0;
      let score = 0;
      s.constraints.forEach((c, i) => {
        const value = node.labels[c.topologyKey];
        // Only under system defaults can a scored node lack a key; that constraint then adds nothing.
        if (value === undefined) return;
        const count = s.counts[i]!.get(value) ?? 0;
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
