/**
 * Resource arithmetic for scheduling: a pod's effective requests as upstream computes
 * them (app containers summed, sidecar init containers added, the largest init step
 * taken as a floor, overhead on top), the "non-zero" requests used only for scoring,
 * and a node's allocatable. Quantities are parsed once into plain numbers: cpu in
 * millicores, everything else in whole units (bytes, pods, devices).
 */
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { toMilliNumber, tryParseQuantity, toApproximateNumber } from '../api/quantity.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** Upstream's defaults for containers without requests, used only when scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Resource name → amount (cpu in millicores). */
export type ResourceList = Map<string, number>;

type QuantityMap = { readonly [name: string]: string | number } | undefined;

// Pods of one workload repeat the same few quantities ("100m", "500Mi"), and every pod is
// measured several times (queue, cycle, cache): parse each text once. Bounded by clearing.
const AMOUNT_CACHE_LIMIT = 4096;
const cpuAmounts = new Map<string, number>();
const otherAmounts = new Map<string, number>();

function amount(name: string, value: string | number): number {
  const text = String(value);
  const cache = name === CPU ? cpuAmounts : otherAmounts;
  let n = cache.get(text);
  if (n === undefined) {
    const q = tryParseQuantity(text);
    n = !q ? 0 : name === CPU ? toMilliNumber(q) : Math.ceil(toApproximateNumber(q));
    if (cache.size >= AMOUNT_CACHE_LIMIT) cache.clear();
    cache.set(text, n);
  }
  return n;
}

export function parseResourceList(list: QuantityMap): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, value] of Object.entries(list ?? {})) out.set(name, amount(name, value));
  return out;
}

function addInto(target: ResourceList, add: ResourceList): void {
  for (const [k, v] of add) target.set(k, (target.get(k) ?? 0) + v);
}

function maxInto(target: ResourceList, other: ResourceList): void {
  for (const [k, v] of other) if (v > (target.get(k) ?? 0)) target.set(k, v);
}

function containerRequests(c: Container, nonZero: boolean): ResourceList {
  const reqs = parseResourceList(c.resources?.requests as QuantityMap);
  if (nonZero) {
    if (!reqs.has(CPU)) reqs.set(CPU, DEFAULT_MILLI_CPU_REQUEST);
    if (!reqs.has(MEMORY)) reqs.set(MEMORY, DEFAULT_MEMORY_REQUEST);
  }
  return reqs;
}

/**
 * The pod's requests (upstream resourcehelper.PodRequests): app containers summed, each
 * restartable (sidecar) init container added to that sum and to the base every later
 * init container starts from, the max with the largest init step, plus overhead.
 * `nonZero` substitutes the scoring defaults for containers missing cpu/memory requests.
 */
export function podRequests(pod: Pod, nonZero = false): ResourceList {
  const reqs: ResourceList = new Map();
  for (const c of pod.spec?.containers ?? []) addInto(reqs, containerRequests(c, nonZero));
  const sidecars: ResourceList = new Map();
  const initMax: ResourceList = new Map();
  for (const c of pod.spec?.initContainers ?? []) {
    const own = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addInto(reqs, own);
      addInto(sidecars, own);
      maxInto(initMax, sidecars);
    } else {
      const step = new Map(own);
      addInto(step, sidecars);
      maxInto(initMax, step);
    }
  }
  maxInto(reqs, initMax);
  addInto(reqs, parseResourceList(pod.spec?.overhead as QuantityMap));
  return reqs;
}

/** The node's allocatable (capacity when allocatable is not reported). */
export function nodeAllocatable(node: Node): ResourceList {
  return parseResourceList((node.status?.allocatable ?? node.status?.capacity) as QuantityMap);
}
