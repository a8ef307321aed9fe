/**
 * The ResourceQuota admission decision (upstream CheckRequest), pure: which quotas of
 * the namespace an object falls under, whether it satisfies their constraints ("must
 * specify limits.cpu …"), whether their usage is known yet, and what each quota's
 * used would become — or the "exceeded quota" refusal. Charging the result into the
 * quotas is the plugin's job (resource-quota-admission.ts).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { StoredObject } from '../../api/object.js';
import { add, lessThanOrEqual, mask, prettyPrint, q, removeZeros, subtract, type ResourceList } from '../../api/quota/resource-list.js';
import { hardOf, matchesScopes, matchingResources, podConstraintViolation, usageOf, type GroupResource, type QuotaLike } from '../../api/quota/usage.js';
import { quantitySign } from '../../api/quantity.js';

export interface QuotaCharge {
  quota: QuotaLike;
  /** What this object adds, under the quota's hard names. */
  requested: ResourceList;
  /** The quota's status.used with the charge added. */
  used: ResourceList;
}

export type QuotaDecision = { refused: string } | { charges: QuotaCharge[] };

/** Whether a quota's status lists hard names this kind counts under, and its scopes select the object. */
export function quotaMatches(quota: QuotaLike, gr: GroupResource, obj: StoredObject): boolean {
  const names = Object.keys(hardOf(quota, true));
  return matchingResources(gr, names).length > 0 && matchesScopes(quota, gr, obj);
}

/** Upstream's SubtractWithNonNegativeResult. */
function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out = subtract(a, b);
  for (const [k, v] of Object.entries(out)) if (quantitySign(q(v)) < 0) out[k] = '0';
  return out;
}

export function checkRequest(quotas: QuotaLike[], gr: GroupResource, obj: StoredObject, old: StoredObject | undefined, now: Date): QuotaDecision {
  const interesting: QuotaLike[] = [];
  for (const quota of quotas) {
    if (!quotaMatches(quota, gr, obj)) continue;
    const hard = hardOf(quota, true);
    const restricted = matchingResources(gr, Object.keys(hard));
    const name = quota.metadata.name ?? '';
    if (gr.group === '' && gr.resource === 'pods') {
      const violation = podConstraintViolation(obj as unknown as Pod, restricted);
      if (violation) return { refused: `failed quota: ${name}: ${violation}` };
    }
    const used = quota.status?.used ?? {};
    if (restricted.some((r) => used[r] === undefined)) {
      return { refused: `status unknown for quota: ${name}, resources: ${[...restricted].sort().join(',')}` };
    }
    interesting.push(quota);
  }
  if (interesting.length === 0) return { charges: [] };
  const input = usageOf(gr, obj, now);
  const negative = Object.keys(input).filter((k) => quantitySign(q(input[k])) < 0);
  if (negative.length) return { refused: `quota usage is negative for resource(s): ${negative.sort().join(',')}` };
  const charges: QuotaCharge[] = [];
  for (const quota of interesting) {
    let delta = input;
    // An update is charged the growth only, when the previous version counted under this quota too.
    if (old && quotaMatches(quota, gr, old)) delta = subtractNonNegative(input, usageOf(gr, old, now));
    delta = removeZeros(delta);
    if (Object.keys(delta).length === 0) continue;
    const hard = hardOf(quota, true);
    const requested = mask(delta, Object.keys(hard));
    if (Object.keys(requested).length === 0) continue;
    const current = (quota.status?.used ?? {}) as ResourceList;
    const used = add(current, requested);
    const check = lessThanOrEqual(mask(used, Object.keys(requested)), hard);
    if (!check.allowed) {
      return {
        refused: `exceeded quota: ${quota.metadata.name ?? ''}, requested: ${prettyPrint(mask(requested, check.exceeded))}, used: ${prettyPrint(mask(current, check.exceeded))}, limited: ${prettyPrint(mask(hard, check.exceeded))}`,
      };
    }
    charges.push({ quota, requested, used });
  }
  return { charges };
}
