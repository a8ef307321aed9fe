import type { SchemaPackage } from '../schema.js';

/**
 * policy/v1 wire schema: PodDisruptionBudget and Eviction (the body of `pods/eviction`).
 * Field numbers and types are transcribed from the upstream API definitions; JSON names and
 * pointer-ness (`*`) from the Go types.
 */
export const policyV1: SchemaPackage = {
  package: 'policy',
  apiVersion: 'v1',
  kinds: {
    PodDisruptionBudget: 'PodDisruptionBudget',
    PodDisruptionBudgetList: 'PodDisruptionBudgetList',
    Eviction: 'Eviction',
  },
  messages: {
    PodDisruptionBudget: `1 metadata meta.ObjectMeta; 2 spec PodDisruptionBudgetSpec;
      3 status PodDisruptionBudgetStatus`,
    PodDisruptionBudgetList: '1 metadata meta.ListMeta; 2 items []PodDisruptionBudget',
    PodDisruptionBudgetSpec: `1 minAvailable IntOrString; 2 selector meta.LabelSelector;
      3 maxUnavailable IntOrString; 4 unhealthyPodEvictionPolicy *string`,
    PodDisruptionBudgetStatus: `1 observedGeneration int64; 2 disruptedPods map<string,Time>;
      3 disruptionsAllowed *int32; 4 currentHealthy *int32; 5 desiredHealthy *int32;
      6 expectedPods *int32; 7 conditions []meta.Condition`,
    Eviction: '1 metadata meta.ObjectMeta; 2 deleteOptions meta.DeleteOptions',
  },
};
