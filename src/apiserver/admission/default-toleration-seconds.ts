/**
 * DefaultTolerationSeconds admission (upstream's plugin of that name): a new pod that
 * does not already tolerate the node.kubernetes.io/not-ready and /unreachable NoExecute
 * taints gets tolerations for them lasting 300 s, so the taint manager evicts its pods
 * five minutes after their node is lost rather than at once.
 */
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import type { Mutable, StoredObject } from '../../api/object.js';
import type { StoreHooks } from '../registry/store-hooks.js';

export const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
/** Upstream's default for both flags (--default-not-ready-toleration-seconds, --default-unreachable-toleration-seconds). */
export const DEFAULT_TOLERATION_SECONDS = 300;

/** Whether a toleration already covers `key`'s NoExecute taint (an empty key or effect matches all). */
function covers(t: Toleration, key: string): boolean {
  return (t.key === key || !t.key) && (t.effect === 'NoExecute' || !t.effect);
}

/** Adds the missing default tolerations to a pod spec, in upstream's order. */
export function addDefaultTolerations(spec: Mutable<NonNullable<Pod['spec']>>, seconds = DEFAULT_TOLERATION_SECONDS): void {
  const existing = spec.tolerations ?? [];
  const added: Toleration[] = [];
  for (const key of [NOT_READY_TAINT, UNREACHABLE_TAINT]) {
    if (!existing.some((t) => covers(t, key))) added.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (added.length) spec.tolerations = [...existing, ...added];
}

export function defaultTolerationSecondsAdmission(seconds = DEFAULT_TOLERATION_SECONDS): StoreHooks {
  return {
    async mutateCreate(obj: StoredObject) {
      const pod = obj as unknown as Mutable<Pod>;
      if (pod.spec) addDefaultTolerations(pod.spec, seconds);
    },
  };
}
