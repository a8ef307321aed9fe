/**
 * The taints the node lifecycle controller owns (upstream doNoScheduleTaintingPass and
 * the NoExecute tainter): NoSchedule taints mirror node conditions and
 * spec.unschedulable; the not-ready / unreachable NoExecute taints follow Ready. Pure
 * functions that compute a node's new taint list, keeping taints owned by others.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import { readyCondition } from './node-health.js';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/** The NoSchedule taint keys this controller manages. */
const NO_SCHEDULE_KEYS = [TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE];
/** The NoExecute taint keys this controller manages. */
const NO_EXECUTE_KEYS = [TAINT_NOT_READY, TAINT_UNREACHABLE];

/** The NoSchedule taint keys the node's conditions call for. */
export function desiredNoScheduleKeys(node: Node): string[] {
  const keys: string[] = [];
  // No Ready condition yet: the startup grace period decides (it turns Unknown when it runs out).
  const ready = readyCondition(node)?.status;
  if (ready === 'False') keys.push(TAINT_NOT_READY);
  if (ready === 'Unknown') keys.push(TAINT_UNREACHABLE);
  const isTrue = (type: string) => node.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  if (isTrue('MemoryPressure')) keys.push(TAINT_MEMORY_PRESSURE);
  if (isTrue('DiskPressure')) keys.push(TAINT_DISK_PRESSURE);
  if (isTrue('PIDPressure')) keys.push(TAINT_PID_PRESSURE);
  if (isTrue('NetworkUnavailable')) keys.push(TAINT_NETWORK_UNAVAILABLE);
  if (node.spec?.unschedulable) keys.push(TAINT_UNSCHEDULABLE);
  return keys;
}

/** The NoExecute taint key Ready calls for: not-ready, unreachable, or none. */
export function desiredNoExecuteKey(node: Node): string | undefined {
  const ready = readyCondition(node)?.status;
  return ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;
}

export function currentNoExecuteKey(node: Node): string | undefined {
  return (node.spec?.taints ?? []).find((t) => t.effect === 'NoExecute' && NO_EXECUTE_KEYS.includes(t.key))?.key;
}

const managed = (t: Taint, effect: string, keys: readonly string[]) => t.effect === effect && keys.includes(t.key);

/**
 * The node's taints with the managed ones of `effect` replaced by `keys` (existing ones
 * kept as they are, with their timeAdded); undefined when nothing changes.
 */
export function withManagedTaints(node: Node, effect: 'NoSchedule' | 'NoExecute', keys: readonly string[], nowIso: string): Taint[] | undefined {
  const all = effect === 'NoSchedule' ? NO_SCHEDULE_KEYS : NO_EXECUTE_KEYS;
  const taints = node.spec?.taints ?? [];
  const kept = taints.filter((t) => !managed(t, effect, all) || keys.includes(t.key));
  const missing = keys.filter((key) => !kept.some((t) => t.key === key && t.effect === effect));
  if (missing.length === 0 && kept.length === taints.length) return undefined;
  return [...kept, ...missing.map((key): Taint => ({ key, effect, ...(effect === 'NoExecute' ? { timeAdded: nowIso } : {}) }))];
}
