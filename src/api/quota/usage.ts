/**
 * What one object counts against a ResourceQuota (upstream's quota evaluators): pods
 * (object count always; compute requests/limits and `pods` only while not terminal),
 * services (load balancers, node ports), persistent volume claims (storage, per class),
 * the legacy object counts, and `count/<resource>.<group>` for any kind. Also which
 * quota names an evaluator answers for, and whether a quota's scopes select an object.
 * Pure functions shared by the quota controller and quota admission.
 */
import type { Pod, PersistentVolumeClaim, Service, ScopedResourceSelectorRequirement } from 'kubernetes-types/core/v1.js';
import type { StoredObject } from '../object.js';
import { compareQuantities } from '../quantity.js';
import { add, addQuantities, q, render, type ResourceList } from './resource-list.js';

/** Kinds counted under a legacy name as well as count/<resource>. */
const LEGACY_COUNT = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);
const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';
const COMPUTE = new Set(['cpu', 'memory', 'ephemeral-storage']);

export interface GroupResource {
  group: string;
  resource: string;
}

export const countName = (gr: GroupResource): string => (gr.group ? `count/${gr.resource}.${gr.group}` : `count/${gr.resource}`);

const isPods = (gr: GroupResource) => gr.group === '' && gr.resource === 'pods';
const isServices = (gr: GroupResource) => gr.group === '' && gr.resource === 'services';
const isClaims = (gr: GroupResource) => gr.group === '' && gr.resource === 'persistentvolumeclaims';

/** The quota resource names (of `names`) that objects of `gr` are counted under. */
export function matchingResources(gr: GroupResource, names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const n of names) if (answersFor(gr, n)) out.push(n);
  return out;
}

function answersFor(gr: GroupResource, name: string): boolean {
  if (name === countName(gr)) return true;
  if (gr.group === '' && LEGACY_COUNT.has(gr.resource) && name === gr.resource) return true;
  if (isPods(gr)) {
    if (COMPUTE.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-')) return true;
    if (name.startsWith('limits.')) return COMPUTE.has(name.slice('limits.'.length));
    if (!name.startsWith('requests.')) return false;
    const rest = name.slice('requests.'.length);
    // Native compute, or an extended resource (a domain-prefixed name outside kubernetes.io).
    return COMPUTE.has(rest) || (rest.includes('/') && !rest.includes('kubernetes.io/'));
  }
  if (isServices(gr)) return name === 'services.loadbalancers' || name === 'services.nodeports';
  if (isClaims(gr)) {
    return name === 'requests.storage' || (name.includes(STORAGE_CLASS_SUFFIX) && (name.endsWith('/requests.storage') || name.endsWith('/persistentvolumeclaims')));
  }
  return false;
}

// ---- pods ----

type Resources = Record<string, string | number>;

function maxList(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) if (!(k in out) || compareQuantities(q(v), q(out[k])) > 0) out[k] = v;
  return out;
}

function asList(r: Resources | undefined): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(r ?? {})) out[k] = render(q(v));
  return out;
}

/**
 * A container's requests, a request missing where a limit is set taking the limit (the
 * API defaults requests from limits so).
 */
function effectiveRequests(c: { resources?: { requests?: Resources; limits?: Resources } }): ResourceList {
  return { ...asList(c.resources?.limits), ...asList(c.resources?.requests) };
}

/** Pod-level requests or limits: containers summed, at least any one init container, plus overhead. */
function podTotal(pod: Pod, which: 'requests' | 'limits'): ResourceList {
  const of = (c: { resources?: { requests?: Resources; limits?: Resources } }) => (which === 'requests' ? effectiveRequests(c) : asList(c.resources?.limits));
  let sum: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) sum = add(sum, of(c as never));
  let init: ResourceList = {};
  for (const c of pod.spec?.initContainers ?? []) init = maxList(init, of(c as never));
  let total = maxList(sum, init);
  if (pod.spec?.overhead) {
    const overhead = asList(pod.spec.overhead as Resources);
    // Overhead counts only for what the pod sets (upstream adds it to present keys and to requests).
    total = which === 'requests' ? add(total, overhead) : add(total, Object.fromEntries(Object.entries(overhead).filter(([k]) => k in total)));
  }
  return total;
}

/** Whether a pod's compute still counts: not Succeeded/Failed, and not past its deletion grace. */
export function podCountsCompute(pod: Pod, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const ts = pod.metadata?.deletionTimestamp;
  const grace = pod.metadata?.deletionGracePeriodSeconds;
  if (ts && grace !== undefined && now.getTime() > Date.parse(ts) + grace * 1000) return false;
  return true;
}

/** The compute names a pod's requests and limits count under (upstream podComputeUsageHelper). */
export function podComputeUsage(requests: ResourceList, limits: ResourceList): ResourceList {
  const out: ResourceList = { pods: '1' };
  for (const [k, v] of Object.entries(requests)) {
    if (COMPUTE.has(k) || k.startsWith('hugepages-')) {
      out[k] = v;
      out[`requests.${k}`] = v;
    } else if (k.includes('/')) out[`requests.${k}`] = v;
  }
  for (const [k, v] of Object.entries(limits)) if (COMPUTE.has(k)) out[`limits.${k}`] = v;
  return out;
}

export function podUsage(pod: Pod, now: Date): ResourceList {
  const result: ResourceList = { 'count/pods': '1' };
  if (!podCountsCompute(pod, now)) return result;
  return { ...result, ...podComputeUsage(podTotal(pod, 'requests'), podTotal(pod, 'limits')) };
}

/** Names a quota on cpu/memory obliges every container to set (upstream's backward-compatible rule). */
const MUST_SPECIFY = ['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];

/**
 * The containers that lack a resource the quota restricts, as upstream's pod evaluator
 * Constraints: `must specify limits.cpu for: a,b; requests.memory for: a`. undefined when none.
 */
export function podConstraintViolation(pod: Pod, restricted: string[]): string | undefined {
  const required = MUST_SPECIFY.filter((n) => restricted.includes(n));
  if (required.length === 0) return undefined;
  const missing = new Map<string, Set<string>>();
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const usage = podComputeUsage(effectiveRequests(c as never), asList(c.resources?.limits as Resources | undefined));
    for (const r of required) {
      if (!(r in usage)) {
        if (!missing.has(r)) missing.set(r, new Set());
        missing.get(r)!.add(c.name);
      }
    }
  }
  if (missing.size === 0) return undefined;
  const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(',')}`);
  return `must specify ${parts.join('; ')}`;
}

export function isBestEffort(pod: Pod): boolean {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const r = { ...(c.resources?.requests ?? {}), ...(c.resources?.limits ?? {}) };
    if ('cpu' in r || 'memory' in r) return false;
  }
  return true;
}

const isTerminating = (pod: Pod): boolean => pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null && pod.spec.activeDeadlineSeconds >= 0;

function matchesPriorityClass(pod: Pod, req: ScopedResourceSelectorRequirement): boolean {
  const name = pod.spec?.priorityClassName ?? '';
  const has = name !== '';
  const values = req.values ?? [];
  switch (req.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'In':
      return has && values.includes(name);
    case 'NotIn':
      return !has || !values.includes(name);
    default:
      return false;
  }
}

// ---- scopes ----

export interface QuotaLike {
  metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
  spec?: { hard?: Resources; scopes?: string[]; scopeSelector?: { matchExpressions?: ScopedResourceSelectorRequirement[] } };
  status?: { hard?: Resources; used?: Resources };
}

export function scopeRequirements(quota: QuotaLike): ScopedResourceSelectorRequirement[] {
  return [...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: 'Exists' })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

function podMatchesScope(pod: Pod, req: ScopedResourceSelectorRequirement): boolean {
  switch (req.scopeName) {
    case 'Terminating':
      return isTerminating(pod);
    case 'NotTerminating':
      return !isTerminating(pod);
    case 'BestEffort':
      return isBestEffort(pod);
    case 'NotBestEffort':
      return !isBestEffort(pod);
    case 'PriorityClass':
      return matchesPriorityClass(pod, req);
    default:
      return false;
  }
}

/** Whether the quota's scopes select the object (kinds other than pods match only unscoped quotas). */
export function matchesScopes(quota: QuotaLike, gr: GroupResource, obj: StoredObject): boolean {
  const reqs = scopeRequirements(quota);
  if (reqs.length === 0) return true;
  if (!isPods(gr)) return false;
  return reqs.every((r) => podMatchesScope(obj as unknown as Pod, r));
}

/** Hard limits as the quota's status states them (what admission enforces), else its spec. */
export const hardOf = (quota: QuotaLike, fromStatus: boolean): ResourceList => asList((fromStatus ? quota.status?.hard : quota.spec?.hard) as Resources | undefined);

// ---- any kind ----

export function usageOf(gr: GroupResource, obj: StoredObject, now: Date): ResourceList {
  // Terminal pods still count under count/pods but no longer under `pods`.
  if (isPods(gr)) return podUsage(obj as unknown as Pod, now);
  const out: ResourceList = { [countName(gr)]: '1' };
  if (gr.group === '' && LEGACY_COUNT.has(gr.resource)) out[gr.resource] = '1';
  if (isServices(gr)) {
    const svc = obj as unknown as Service;
    const ports = svc.spec?.ports ?? [];
    if (svc.spec?.type === 'NodePort') out['services.nodeports'] = String(ports.length);
    if (svc.spec?.type === 'LoadBalancer') {
      // With node ports suppressed only the ports asking for one explicitly count.
      const n = svc.spec.allocateLoadBalancerNodePorts === false ? ports.filter((p) => p.nodePort).length : ports.length;
      out['services.nodeports'] = String(n);
      out['services.loadbalancers'] = '1';
    }
    return out;
  }
  if (isClaims(gr)) {
    const pvc = obj as unknown as PersistentVolumeClaim;
    const storage = pvc.spec?.resources?.requests?.['storage'];
    const cls = pvc.spec?.storageClassName ?? obj.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
    if (storage !== undefined) out['requests.storage'] = render(q(storage));
    if (cls) {
      out[`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`] = '1';
      if (storage !== undefined) out[`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`] = render(q(storage));
    }
    return out;
  }
  return out;
}

/** Sum of the usage of `objects` under `quota`'s names and scopes (the controller's recalculation). */
export function calculateUsed(quota: QuotaLike, byKind: { gr: GroupResource; objects: StoredObject[] }[], now: Date): ResourceList {
  const hard = hardOf(quota, false);
  const names = Object.keys(hard);
  const used: ResourceList = {};
  for (const n of names) used[n] = '0';
  for (const { gr, objects } of byKind) {
    const relevant = matchingResources(gr, names);
    if (relevant.length === 0) continue;
    for (const obj of objects) {
      if (!matchesScopes(quota, gr, obj)) continue;
      const usage = usageOf(gr, obj, now);
      for (const n of relevant) if (usage[n] !== undefined) used[n] = render(addQuantities(q(used[n]), q(usage[n])));
    }
  }
  return used;
}
