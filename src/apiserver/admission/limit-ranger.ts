/**
 * LimitRanger decisions (upstream plugin/pkg/admission/limitranger), pure: the defaults
 * a LimitRange gives containers that set no requests or limits (recorded in the
 * kubernetes.io/limit-ranger annotation), and the min / max / maxLimitRequestRatio
 * checks for Container, Pod and PersistentVolumeClaim items, worded as upstream.
 */
import type { Container, LimitRange, LimitRangeItem, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import type { Mutable } from '../../api/object.js';
import { canonicalize, compareQuantities, isZero, parseQuantity, toMilli, type Quantity } from '../../api/quantity.js';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type Resources = Record<string, string | number>;
type QuantityMap = Map<string, Quantity>;

const parse = (v: string | number): Quantity => parseQuantity(String(v));
const show = (qty: Quantity): string => canonicalize(qty);

/**
 * A Container item as the API would default it: default limits fall back to max, default
 * requests to the default limits and then to min (upstream SetDefaults_LimitRangeItem).
 */
export function defaultedItem(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') return item;
  const def: Resources = { ...(item.default ?? {}) } as Resources;
  const defReq: Resources = { ...(item.defaultRequest ?? {}) } as Resources;
  for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v as string;
  for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
  for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in defReq)) defReq[k] = v as string;
  return { ...item, default: def as LimitRangeItem['default'], defaultRequest: defReq as LimitRangeItem['defaultRequest'] };
}

const items = (lr: LimitRange): LimitRangeItem[] => (lr.spec?.limits ?? []).map(defaultedItem);

/**
 * Fills missing container requests/limits from the range's Container defaults and
 * annotates the pod with what was set (upstream mergePodResourceRequirements).
 */
export function applyContainerDefaults(pod: Mutable<Pod>, lr: LimitRange): void {
  const limits: Resources = {};
  const requests: Resources = {};
  for (const item of items(lr)) {
    if (item.type !== 'Container') continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) return;
  const notes: string[] = [];
  const fill = (c: Mutable<Container>, prefix: string) => {
    const res = (c.resources ??= {}) as { requests?: Resources; limits?: Resources };
    const setLimits: string[] = [];
    const setRequests: string[] = [];
    // A limit the user set stands for the request too (the API defaults requests from limits).
    const userLimits = new Set(Object.keys(res.limits ?? {}));
    for (const [k, v] of Object.entries(limits)) {
      if (res.limits?.[k] === undefined) {
        (res.limits ??= {})[k] = v;
        setLimits.push(k);
      }
    }
    for (const [k, v] of Object.entries(requests)) {
      if (res.requests?.[k] === undefined && !userLimits.has(k)) {
        (res.requests ??= {})[k] = v;
        setRequests.push(k);
      }
    }
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name}`);
  };
  for (const c of pod.spec?.containers ?? []) fill(c as Mutable<Container>, 'container');
  for (const c of pod.spec?.initContainers ?? []) fill(c as Mutable<Container>, 'init container');
  if (notes.length) {
    const meta = (pod.metadata ??= {});
    meta.annotations = { ...(meta.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  }
}

// ---- constraints ----

function minConstraint(type: string, name: string, enforced: Quantity, request: QuantityMap, limit: QuantityMap): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (!req) return `minimum ${name} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (compareQuantities(req, enforced) < 0) return `minimum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  if (lim && compareQuantities(lim, enforced) < 0) return `minimum ${name} usage per ${type} is ${show(enforced)}, but limit is ${show(lim)}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: Quantity, request: QuantityMap, limit: QuantityMap): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (!lim) return `maximum ${name} usage per ${type} is ${show(enforced)}.  No limit is specified`;
  if (compareQuantities(lim, enforced) > 0) return `maximum ${name} usage per ${type} is ${show(enforced)}, but limit is ${show(lim)}`;
  if (req && compareQuantities(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  return undefined;
}

function maxRequestConstraint(type: string, name: string, enforced: Quantity, request: QuantityMap): string | undefined {
  const req = request.get(name);
  if (!req) return `maximum ${name} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (compareQuantities(req, enforced) > 0) return `maximum ${name} usage per ${type} is ${show(enforced)}, but request is ${show(req)}`;
  return undefined;
}

function ratioConstraint(type: string, name: string, enforced: Quantity, request: QuantityMap, limit: QuantityMap): string | undefined {
  const req = request.get(name);
  const lim = limit.get(name);
  if (!req || isZero(req)) return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but no request is specified or request is 0`;
  if (!lim || isZero(lim)) return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but no limit is specified or limit is 0`;
  const observed = Number(toMilli(lim)) / Number(toMilli(req));
  if (observed * 1000 > Number(toMilli(enforced))) {
    return `${name} max limit to request ratio per ${type} is ${show(enforced)}, but provided ratio is ${observed.toFixed(6)}`;
  }
  return undefined;
}

function toMap(r: Resources | undefined): QuantityMap {
  return new Map(Object.entries(r ?? {}).map(([k, v]) => [k, parse(v)]));
}

/** A container's requests with limits standing in for missing requests (as the API defaults them). */
function containerRequests(c: Container): QuantityMap {
  return toMap({ ...((c.resources?.limits ?? {}) as Resources), ...((c.resources?.requests ?? {}) as Resources) });
}

function sumInto(total: QuantityMap, add: QuantityMap): void {
  for (const [k, v] of add) {
    const cur = total.get(k);
    if (!cur) total.set(k, v);
    else {
      const scale = Math.min(cur.scale, v.scale);
      const unscaled = cur.unscaled * 10n ** BigInt(cur.scale - scale) + v.unscaled * 10n ** BigInt(v.scale - scale);
      total.set(k, { unscaled, scale, format: cur.format });
    }
  }
}

function maxInto(total: QuantityMap, other: QuantityMap): void {
  for (const [k, v] of other) {
    const cur = total.get(k);
    if (!cur || compareQuantities(v, cur) > 0) total.set(k, v);
  }
}

/** Pod totals: containers summed, at least the largest init container. */
function podTotals(pod: Pod, of: (c: Container) => QuantityMap): QuantityMap {
  const sum: QuantityMap = new Map();
  for (const c of pod.spec?.containers ?? []) sumInto(sum, of(c));
  for (const c of pod.spec?.initContainers ?? []) maxInto(sum, of(c));
  return sum;
}

function checkItem(type: string, item: LimitRangeItem, request: QuantityMap, limit: QuantityMap, errors: string[]): void {
  for (const [k, v] of Object.entries(item.min ?? {}).sort()) push(errors, minConstraint(type, k, parse(v as string), request, limit));
  for (const [k, v] of Object.entries(item.max ?? {}).sort()) push(errors, maxConstraint(type, k, parse(v as string), request, limit));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {}).sort()) push(errors, ratioConstraint(type, k, parse(v as string), request, limit));
}

function push(errors: string[], e: string | undefined): void {
  if (e) errors.push(e);
}

/** Violations of the range's Container and Pod items by a pod. */
export function validatePod(pod: Pod, lr: LimitRange): string[] {
  const errors: string[] = [];
  for (const item of items(lr)) {
    if (item.type === 'Container') {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        checkItem('Container', item, containerRequests(c), toMap(c.resources?.limits as Resources | undefined), errors);
      }
    } else if (item.type === 'Pod') {
      checkItem('Pod', item, podTotals(pod, containerRequests), podTotals(pod, (c) => toMap(c.resources?.limits as Resources | undefined)), errors);
    }
  }
  return errors;
}

/** Violations of the range's PersistentVolumeClaim items by a claim (only requests are user input). */
export function validateClaim(pvc: PersistentVolumeClaim, lr: LimitRange): string[] {
  const errors: string[] = [];
  const requests = toMap(pvc.spec?.resources?.requests as Resources | undefined);
  for (const item of items(lr)) {
    if (item.type !== 'PersistentVolumeClaim') continue;
    for (const [k, v] of Object.entries(item.min ?? {}).sort()) push(errors, minConstraint('PersistentVolumeClaim', k, parse(v as string), requests, new Map()));
    for (const [k, v] of Object.entries(item.max ?? {}).sort()) push(errors, maxRequestConstraint('PersistentVolumeClaim', k, parse(v as string), requests));
  }
  return errors;
}

/** Upstream's aggregate error text: one message alone, several as `[a, b]`, duplicates once. */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0]! : `[${unique.join(', ')}]`;
}
