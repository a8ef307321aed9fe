/**
 * Taint and toleration matching as upstream's v1helper: a toleration with an empty key
 * and Exists tolerates every taint; an empty effect matches every effect.
 */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';

export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  const op = t.operator || 'Equal';
  if (op === 'Exists') return true;
  if (!t.key) return false;
  return op === 'Equal' && (t.value ?? '') === (taint.value ?? '');
}

export function tolerated(taint: Taint, tolerations: readonly Toleration[]): boolean {
  for (const t of tolerations) if (tolerates(t, taint)) return true;
  return false;
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntolerated(taints: readonly Taint[], tolerations: readonly Toleration[], effects: readonly string[]): Taint | undefined {
  for (const taint of taints) if (effects.includes(taint.effect) && !tolerated(taint, tolerations)) return taint;
  return undefined;
}
