import type { SchemaPackage } from '../schema.js';

/**
 * scheduling.k8s.io/v1 wire schema: PriorityClass. Field numbers and types are transcribed
 * from the upstream API definitions; JSON names and pointer-ness (`*`) from the Go types.
 */
export const schedulingV1: SchemaPackage = {
  package: 'scheduling',
  apiVersion: 'v1',
  kinds: {
    PriorityClass: 'PriorityClass',
    PriorityClassList: 'PriorityClassList',
  },
  messages: {
    PriorityClass: `1 metadata meta.ObjectMeta; 2 value *int32; 3 globalDefault bool; 4 description string;
      5 preemptionPolicy *string`,
    PriorityClassList: '1 metadata meta.ListMeta; 2 items []PriorityClass',
  },
};
