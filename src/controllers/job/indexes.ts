/**
 * Indexed Jobs (completionMode Indexed): each pod carries a completion index in
 * [0, completions), and the Job succeeds once every index succeeded once. Here: reading
 * a pod's index, the compact "0-2,5" form of status.completedIndexes, which indexes
 * still need a pod, and which active pods are surplus (duplicate or invalid index).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { compareForDeletion } from '../replicaset/pod-util.js';
import { JOB_COMPLETION_INDEX } from './job-util.js';

/** A pod's completion index from its annotation (or label), or undefined when absent or malformed. */
export function completionIndex(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The valid index of a pod of a Job with `completions`, or undefined. */
export function validIndex(pod: Pod, completions: number): number | undefined {
  const i = completionIndex(pod);
  return i !== undefined && i < completions ? i : undefined;
}

/** Parses "0-2,5" into sorted distinct indexes below `completions`; malformed parts are skipped. */
export function parseIndexes(text: string | undefined, completions: number): number[] {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let i = first; i <= Math.min(last, completions - 1); i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Formats indexes as runs: [0,1,2,5,7,8] → "0-2,5,7,8". Only three or more consecutive
 * indexes become a range; a pair stays two numbers (the batch/v1 status format).
 */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (i === j) parts.push(`${sorted[i]}`);
    else if (j === i + 1) parts.push(`${sorted[i]}`, `${sorted[j]}`);
    else parts.push(`${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * The lowest `count` indexes that have no active pod and have not succeeded. `busy` are
 * indexes held by pods that still occupy them (active, or terminating when only failed
 * pods are replaced).
 */
export function firstPendingIndexes(completions: number, succeeded: ReadonlySet<number>, busy: ReadonlySet<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!succeeded.has(i) && !busy.has(i)) out.push(i);
  }
  return out;
}

/**
 * Active pods an Indexed Job must remove whatever its parallelism: those without a
 * valid index and all but one pod per index (the one furthest along stays).
 */
export function surplusIndexedPods(active: Pod[], completions: number, nowMs: number): { remove: Pod[]; keep: Pod[] } {
  const remove: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const pod of active) {
    const i = validIndex(pod, completions);
    if (i === undefined) remove.push(pod);
    else byIndex.set(i, [...(byIndex.get(i) ?? []), pod]);
  }
  const keep: Pod[] = [];
  const order = compareForDeletion(nowMs);
  for (const pods of byIndex.values()) {
    const sorted = [...pods].sort(order);
    keep.push(sorted[sorted.length - 1]!);
    remove.push(...sorted.slice(0, -1));
  }
  return { remove, keep };
}
