import type { SchemaPackage } from '../schema.js';

/**
 * coordination.k8s.io/v1 wire schema: Lease, including the coordinated leader election
 * fields (strategy, preferredHolder). Field numbers and types are transcribed from the
 * upstream API definitions; JSON names and pointer-ness (`*`) from the Go types.
 */
export const coordinationV1: SchemaPackage = {
  package: 'coordination',
  apiVersion: 'v1',
  kinds: {
    Lease: 'Lease',
    LeaseList: 'LeaseList',
  },
  messages: {
    Lease: '1 metadata meta.ObjectMeta; 2 spec LeaseSpec',
    LeaseList: '1 metadata meta.ListMeta; 2 items []Lease',
    LeaseSpec: `1 holderIdentity *string; 2 leaseDurationSeconds *int32; 3 acquireTime MicroTime;
      4 renewTime MicroTime; 5 leaseTransitions *int32; 6 strategy *string; 7 preferredHolder *string`,
  },
};
