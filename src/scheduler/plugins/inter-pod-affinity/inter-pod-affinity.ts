/**
 * InterPodAffinity: required pod affinity and anti-affinity of the incoming pod, and the
 * required anti-affinity of pods already placed against it, all by topology domain
 * (the value of the term's topologyKey label on the node); preferred terms of both sides
 * score nodes (existing pods' required affinity counts with weight 1, as upstream's
 * hardPodAffinityWeight). PreFilter gathers the domain counts of the groups of placed pods
 * that match (kept current by the cache), so the per-node filter is a few map lookups.
 */
import type { NodeInfo } from '../../node-info.js';
import type { DomainCounts } from '../../placed-counts.js';
import { DomainSums } from './domain-sums.js';
import { termMatches, type AffinityTerm, type PodInfo } from '../../pod-info.js';
import { MAX_NODE_SCORE, skip, unresolvable, unschedulable, type CycleState, type Plugin, type Snapshot } from '../../types.js';

export const NAME = 'InterPodAffinity';
export const ERR_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
const HARD_POD_AFFINITY_WEIGHT = 1;

interface FilterState {
  /** Placed pods whose required anti-affinity selects the incoming pod, per domain of their term's key. */
  existingAnti: DomainSums;
  /** Placed pods matching all of the incoming pod's required affinity terms, per domain of each term's key. */
  affinity: DomainSums;
  /** Placed pods matching each of the incoming pod's required anti-affinity terms, per domain. */
  anti: DomainSums;
  /** No pod anywhere matches the affinity terms, and the pod matches them itself. */
  selfAffinityOk: boolean;
  /** The pod has required affinity terms and matches all of them itself. */
  matchesOwnAffinity: boolean;
  namespaceLabels: Snapshot['namespaceLabels'];
}

interface ScoreState {
  /** topologyKey → value → score */
  scores: Map<string, Map<string, number>>;
}

const FILTER = 'InterPodAffinity/filter';
const SCORE = 'InterPodAffinity/score';

type Part = { topologyKey: string; counts: DomainCounts };

function* existingAntiParts(pod: PodInfo, snapshot: Snapshot): Iterable<Part> {
  for (const { term, placed } of snapshot.antiAffinityGroups()) {
    if (termMatches(term, pod, snapshot.namespaceLabels)) yield { topologyKey: term.topologyKey, counts: placed.domains(term.topologyKey) };
  }
}

/** Groups of placed pods matching every term, counted under each term's key (upstream counts a pod once per term set). */
function* affinityParts(terms: AffinityTerm[], snapshot: Snapshot): Iterable<Part> {
  if (terms.length === 0) return;
  for (const { sample, placed } of snapshot.podGroups()) {
    if (!terms.every((t) => termMatches(t, sample, snapshot.namespaceLabels))) continue;
    for (const t of terms) yield { topologyKey: t.topologyKey, counts: placed.domains(t.topologyKey) };
  }
}

/** Groups of placed pods matching each term, under that term's key. */
function* antiParts(terms: AffinityTerm[], snapshot: Snapshot): Iterable<Part> {
  if (terms.length === 0) return;
  for (const { sample, placed } of snapshot.podGroups()) {
    for (const t of terms) {
      if (termMatches(t, sample, snapshot.namespaceLabels)) yield { topologyKey: t.topologyKey, counts: placed.domains(t.topologyKey) };
    }
  }
}

function preFilter(state: CycleState, pod: PodInfo, snapshot: Snapshot): undefined {
  const matchesOwnAffinity = pod.requiredAffinity.length > 0 && pod.requiredAffinity.every((t) => termMatches(t, pod, snapshot.namespaceLabels));
  const affinity = DomainSums.of(affinityParts(pod.requiredAffinity, snapshot));
  const s: FilterState = {
    existingAnti: DomainSums.of(existingAntiParts(pod, snapshot)),
    affinity,
    anti: DomainSums.of(antiParts(pod.requiredAntiAffinity, snapshot)),
    selfAffinityOk: matchesOwnAffinity && affinity.total === 0,
    matchesOwnAffinity,
    namespaceLabels: snapshot.namespaceLabels,
  };
  state.set(FILTER, s);
  return undefined;
}

/**
 * Upstream's updateWithPod: the counts as if `other` were added to (delta 1) or removed
 * from (delta −1) `node`. Copy-on-write: the state object in `state` is replaced.
 */
function updateWithPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: 1 | -1): void {
  const s = state.get(FILTER) as FilterState | undefined;
  if (!s) return;
  const ns = s.namespaceLabels;
  const next: FilterState = { ...s };
  // The other pod's own required anti-affinity, if it selects the incoming pod.
  for (const t of other.requiredAntiAffinity) {
    const value = node.labels[t.topologyKey];
    if (value !== undefined && termMatches(t, pod, ns)) next.existingAnti = next.existingAnti.shifted(t.topologyKey, value, delta);
  }
  // The incoming pod's required affinity counts pods matching every term.
  if (pod.requiredAffinity.length > 0 && pod.requiredAffinity.every((t) => termMatches(t, other, ns))) {
    for (const t of pod.requiredAffinity) {
      const value = node.labels[t.topologyKey];
      if (value !== undefined) next.affinity = next.affinity.shifted(t.topologyKey, value, delta);
    }
  }
  // Its required anti-affinity counts pods per term.
  for (const t of pod.requiredAntiAffinity) {
    const value = node.labels[t.topologyKey];
    if (value !== undefined && termMatches(t, other, ns)) next.anti = next.anti.shifted(t.topologyKey, value, delta);
  }
  next.selfAffinityOk = s.matchesOwnAffinity && next.affinity.total === 0;
  state.set(FILTER, next);
}

function filter(state: CycleState, pod: PodInfo, node: NodeInfo) {
  const s = state.get(FILTER) as FilterState;
  if (pod.requiredAffinity.length > 0) {
    let ok = true;
    for (const t of pod.requiredAffinity) {
      const value = node.labels[t.topologyKey];
      if (value === undefined || !(s.affinity.get(t.topologyKey, value) > 0)) ok = false;
    }
    // The first pod of a group that selects itself may go anywhere the keys exist.
    if (!ok && !(s.selfAffinityOk && pod.requiredAffinity.every((t) => node.labels[t.topologyKey] !== undefined))) return unresolvable(ERR_AFFINITY);
  }
  for (const t of pod.requiredAntiAffinity) {
    const value = node.labels[t.topologyKey];
    if (value !== undefined && s.anti.get(t.topologyKey, value) > 0) return unschedulable(ERR_ANTI_AFFINITY);
  }
  for (const key of s.existingAnti.keys) {
    const value = node.labels[key];
    if (value !== undefined && s.existingAnti.get(key, value) > 0) return unschedulable(ERR_EXISTING_ANTI_AFFINITY);
  }
  return undefined;
}

function addScore(scores: Map<string, Map<string, number>>, key: string, value: string, n: number): void {
  let byValue = scores.get(key);
  if (!byValue) scores.set(key, (byValue = new Map()));
  byValue.set(value, (byValue.get(value) ?? 0) + n);
}

function preScore(state: CycleState, pod: PodInfo, _nodes: readonly NodeInfo[], snapshot: Snapshot) {
  const incoming = pod.preferredAffinity.length + pod.preferredAntiAffinity.length > 0;
  const withTerms = snapshot.nodesWithAffinityPods();
  if (!incoming && withTerms.length === 0) return skip();
  const scores = new Map<string, Map<string, number>>();
  const ns = snapshot.namespaceLabels;
  if (incoming) {
    // The incoming pod's preferences, counted over groups of placed pods.
    const weighted = [...pod.preferredAffinity.map((t) => ({ t, w: t.weight })), ...pod.preferredAntiAffinity.map((t) => ({ t, w: -t.weight }))];
    for (const { sample, placed } of snapshot.podGroups()) {
      for (const { t, w } of weighted) {
        if (!termMatches(t, sample, ns)) continue;
        for (const [v, n] of placed.domains(t.topologyKey).byValue) addScore(scores, t.topologyKey, v, w * n);
      }
    }
  }
  // Placed pods' terms about the incoming pod.
  for (const node of withTerms) {
    for (const existing of node.podsWithAffinity) {
      for (const t of existing.requiredAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatches(t, pod, ns)) addScore(scores, t.topologyKey, v, HARD_POD_AFFINITY_WEIGHT);
      }
      for (const t of existing.preferredAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatches(t, pod, ns)) addScore(scores, t.topologyKey, v, t.weight);
      }
      for (const t of existing.preferredAntiAffinity) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && termMatches(t, pod, ns)) addScore(scores, t.topologyKey, v, -t.weight);
      }
    }
  }
  state.set(SCORE, { scores } satisfies ScoreState);
  return undefined;
}

export function newInterPodAffinity(): Plugin {
  return {
    name: NAME,
    events: ['Pod/Add', 'Pod/Update', 'Pod/Delete', 'Node/Add', 'Node/UpdateLabel'],
    preFilter,
    filter,
    addPod: (state, pod, other, node) => updateWithPod(state, pod, other, node, 1),
    removePod: (state, pod, other, node) => updateWithPod(state, pod, other, node, -1),
    preScore,
    score(state, _pod, node) {
      const { scores } = state.get(SCORE) as ScoreState;
      let total = 0;
      for (const [key, byValue] of scores) {
        const v = node.labels[key];
        if (v !== undefined) total += byValue.get(v) ?? 0;
      }
      return total;
    },
    normalizeScore(_state, _pod, scores) {
      if (scores.length === 0) return;
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        min = Math.min(min, s.score);
        max = Math.max(max, s.score);
      }
      const diff = max - min;
      for (const s of scores) s.score = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (s.score - min)) / diff) : 0;
    },
  };
}
