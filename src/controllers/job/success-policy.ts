/**
 * spec.successPolicy (Indexed Jobs, upstream success_policy.go): the Job succeeds early
 * once any rule holds — every index of the rule's succeededIndexes succeeded, or at least
 * succeededCount of them did, or (a rule with only succeededCount) that many indexes
 * succeeded at all. The controller then sets SuccessCriteriaMet, stops the other pods,
 * and completes.
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import { parseIndexes } from './indexes.js';

/** The SuccessCriteriaMet message of the first rule that holds ("Matched rules at index N"), or undefined. */
export function matchSuccessPolicy(job: Job, succeeded: ReadonlySet<number>): string | undefined {
  const rules = job.spec?.successPolicy?.rules;
  if (!rules || succeeded.size === 0) return undefined;
  const completions = job.spec?.completions ?? 0;
  for (const [i, rule] of rules.entries()) {
    const count = rule.succeededCount;
    if (rule.succeededIndexes !== undefined) {
      const required = parseIndexes(rule.succeededIndexes, completions);
      // A rule whose indexes cannot be read (validation should have refused it) never holds.
      if (required.length === 0) continue;
      const done = required.filter((ix) => succeeded.has(ix)).length;
      if (done === required.length || (typeof count === 'number' && done >= count)) return `Matched rules at index ${i}`;
    } else if (typeof count === 'number' && succeeded.size >= count) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
