/**
 * The resource lock behind leader election: a coordination.k8s.io/v1 Lease holding the
 * election record. Every write carries the resourceVersion of the Lease as this lock last
 * read or wrote it, so of two candidates writing from the same read only one succeeds
 * (the other gets 409 Conflict): the fence that keeps two leaders from both acquiring.
 */
import type { KubeObject } from '../api/object.js';
import { formatMicroTime } from '../util/clock.js';
import type { Client } from './client.js';
import { RESOURCE_TYPES } from './resource.js';

/** client-go's LeaderElectionRecord; times in ms since the epoch. */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaderTransitions: number;
}

export interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export function recordFromLease(lease: Lease): LeaderElectionRecord {
  const spec = lease.spec ?? {};
  const time = (t: string | undefined) => (t ? Date.parse(t) : 0);
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: time(spec.acquireTime),
    renewTime: time(spec.renewTime),
    leaderTransitions: spec.leaseTransitions ?? 0,
  };
}

export function leaseSpecFromRecord(record: LeaderElectionRecord): NonNullable<Lease['spec']> {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: formatMicroTime(record.acquireTime),
    renewTime: formatMicroTime(record.renewTime),
    leaseTransitions: record.leaderTransitions,
  };
}

export class LeaseLock {
  /** The Lease as last read or written: its resourceVersion fences the next write. */
  private lease: Lease | undefined;

  constructor(
    private readonly client: Client,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
  ) {}

  /** The current record and its raw form (to notice any change); throws NotFound when absent. */
  async get(): Promise<{ record: LeaderElectionRecord; raw: string }> {
    const lease = await this.client.get<Lease>(RESOURCE_TYPES.leases, this.name, { namespace: this.namespace });
    this.lease = lease;
    return { record: recordFromLease(lease), raw: JSON.stringify(lease.spec ?? {}) };
  }

  async create(record: LeaderElectionRecord): Promise<void> {
    this.lease = await this.client.create<Lease>(RESOURCE_TYPES.leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace },
      spec: leaseSpecFromRecord(record),
    });
  }

  /** Writes the record over the Lease last seen; 409 Conflict if it changed since. */
  async update(record: LeaderElectionRecord): Promise<void> {
    if (!this.lease) throw new Error('lease lock: update before the Lease was read or created');
    this.lease = await this.client.update<Lease>(RESOURCE_TYPES.leases, { ...this.lease, spec: leaseSpecFromRecord(record) });
  }
}
