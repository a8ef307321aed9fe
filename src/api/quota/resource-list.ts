/**
 * ResourceList arithmetic for quota (upstream's quota/v1 helpers): a ResourceList is a
 * map of resource name to quantity string; sums and differences are exact (bigint
 * quantities) and written back in canonical form. Pure functions.
 */
import { canonicalize, compareQuantities, isZero, newQuantity, parseQuantity, type Quantity } from '../quantity.js';

export type ResourceList = Record<string, string>;

function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  const scale = Math.min(a.scale, b.scale);
  return [a.unscaled * 10n ** BigInt(a.scale - scale), b.unscaled * 10n ** BigInt(b.scale - scale), scale];
}

/** a + b, keeping a's format unless a is zero (as upstream's Quantity.Add). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return newQuantity(x + y, scale, isZero(a) ? b.format : a.format);
}

export function subQuantities(a: Quantity, b: Quantity): Quantity {
  const [x, y, scale] = align(a, b);
  return newQuantity(x - y, scale, isZero(a) ? b.format : a.format);
}

export const q = (s: string | number | undefined): Quantity => parseQuantity(String(s ?? '0'));

export const render = (v: Quantity): string => canonicalize(v);

export function add(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in a ? render(addQuantities(q(a[k]), q(v))) : render(q(v));
  return out;
}

/** a - b over a's and b's keys (upstream Subtract). */
export function subtract(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = render(subQuantities(q(a[k] ?? '0'), q(v)));
  return out;
}

/** Only the entries named in `names`. */
export function mask(list: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in list) out[n] = list[n]!;
  return out;
}

export function removeZeros(list: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(list)) if (!isZero(q(v))) out[k] = v;
  return out;
}

/** Whether a ≤ b for every key of a present in b; the keys where it is not. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { allowed: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of Object.entries(a)) {
    const limit = b[k];
    if (limit !== undefined && compareQuantities(q(v), q(limit)) > 0) exceeded.push(k);
  }
  return { allowed: exceeded.length === 0, exceeded };
}

export function equals(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => b[k] !== undefined && compareQuantities(q(a[k]), q(b[k])) === 0);
}

/** `k=v,k=v` with keys sorted, as upstream prints lists in quota errors. */
export function prettyPrint(list: ResourceList): string {
  return Object.keys(list)
    .sort()
    .map((k) => `${k}=${render(q(list[k]))}`)
    .join(',');
}
