/**
 * The ResourceQuota admission plugin: a create (or an update that grows a claim or a
 * service) in a namespace with quotas is checked against their status and, if it fits,
 * charged into their status.used before the object is stored — a compare-and-swap on
 * each quota's resourceVersion, re-read and re-checked on a conflict, so two creates can
 * never both take the last slot. Charges in one namespace are made one at a time in
 * this server (upstream queues them per namespace too). A write that then fails is
 * uncharged; the quota controller corrects whatever drifts anyway.
 */
import { ApiError, conflict, OBJECT_MODIFIED } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import { subtract, type ResourceList } from '../../api/quota/resource-list.js';
import type { GroupResource, QuotaLike } from '../../api/quota/usage.js';
import type { Rollback, StoreHooks } from '../registry/store-hooks.js';
import { admissionForbidden } from './forbidden.js';
import { checkRequest, type QuotaCharge } from './resource-quota.js';

export interface QuotaAccess {
  /** The namespace's quotas, possibly slightly stale (the admission mirror). */
  list(namespace: string): Promise<StoredObject[]>;
  /** One quota as storage has it now. */
  getLive(namespace: string, name: string): Promise<StoredObject | undefined>;
  /** Writes status.used if the quota is still at `resourceVersion`; 409 Conflict otherwise. */
  writeUsed(namespace: string, name: string, resourceVersion: string, used: ResourceList): Promise<StoredObject>;
}

const MAX_ATTEMPTS = 10;
const noRollback: Rollback = async () => {};

const isConflict = (err: unknown): boolean => err instanceof ApiError && err.code === 409;
const rvOf = (o: { metadata: { resourceVersion?: string } }): number => Number(o.metadata.resourceVersion ?? 0);

/** Shared by every kind's hooks: the per-namespace lock and the newest quota versions seen. */
export class QuotaCharger {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Quotas this server wrote, newer than the mirror may show yet (by uid). */
  private readonly latest = new Map<string, StoredObject>();

  constructor(
    private readonly access: QuotaAccess,
    private readonly now: () => Date = () => new Date(),
  ) {}

  hooks(gr: GroupResource, options: { onUpdate?: boolean } = {}): StoreHooks {
    const hooks: StoreHooks = { beforeCreate: (obj, dryRun) => this.admit(gr, obj, undefined, dryRun) };
    if (options.onUpdate) hooks.beforeUpdate = (obj, old, dryRun) => this.admit(gr, obj, old, dryRun);
    return hooks;
  }

  private async withLock<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
    const before = this.locks.get(namespace) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(namespace, tail);
    void tail.then(() => {
      if (this.locks.get(namespace) === tail) this.locks.delete(namespace);
    });
    return run;
  }

  private remember(quota: StoredObject): void {
    const uid = quota.metadata.uid ?? '';
    const known = this.latest.get(uid);
    if (!known || rvOf(known) < rvOf(quota)) this.latest.set(uid, quota);
  }

  /** The mirror's quotas, each replaced by a newer version this server knows. */
  private async quotas(namespace: string): Promise<StoredObject[]> {
    const listed = await this.access.list(namespace);
    // Forget quotas that are gone.
    const present = new Set(listed.map((q) => q.metadata.uid ?? ''));
    for (const [uid, q] of this.latest) if (q.metadata.namespace === namespace && !present.has(uid)) this.latest.delete(uid);
    return listed.map((q) => {
      const known = this.latest.get(q.metadata.uid ?? '');
      if (!known) return q;
      if (rvOf(known) <= rvOf(q)) {
        this.latest.delete(q.metadata.uid ?? '');
        return q;
      }
      return known;
    });
  }

  private async admit(gr: GroupResource, obj: StoredObject, old: StoredObject | undefined, dryRun: boolean): Promise<Rollback> {
    const namespace = obj.metadata.namespace ?? '';
    if (!namespace) return noRollback;
    const quotas = await this.quotas(namespace);
    if (quotas.length === 0) return noRollback;
    return this.withLock(namespace, async () => {
      let current = await this.quotas(namespace);
      const charged: QuotaCharge[] = [];
      const done = new Set<string>();
      for (let attempt = 0; ; attempt++) {
        const pending = current.filter((q) => !done.has(q.metadata.uid ?? ''));
        const decision = checkRequest(pending as unknown as QuotaLike[], gr, obj, old, this.now());
        if ('refused' in decision) {
          await this.uncharge(namespace, charged);
          throw admissionForbidden(gr.group, gr.resource, obj.metadata.name ?? '', decision.refused);
        }
        if (dryRun) return noRollback;
        let lost: string | undefined;
        for (const charge of decision.charges) {
          const name = charge.quota.metadata.name ?? '';
          try {
            this.remember(await this.access.writeUsed(namespace, name, charge.quota.metadata.resourceVersion ?? '', charge.used));
            charged.push(charge);
            done.add(charge.quota.metadata.uid ?? '');
          } catch (err) {
            if (!isConflict(err)) {
              await this.uncharge(namespace, charged);
              throw err;
            }
            lost = name;
            break;
          }
        }
        if (lost === undefined) break;
        if (attempt + 1 >= MAX_ATTEMPTS) {
          await this.uncharge(namespace, charged);
          throw conflict({ group: '', resource: 'resourcequotas', name: lost }, OBJECT_MODIFIED);
        }
        // Someone else changed the quota: read it as stored and decide again.
        const fresh = await this.access.getLive(namespace, lost);
        if (fresh) this.remember(fresh);
        current = await this.quotas(namespace);
      }
      return charged.length ? () => this.withLock(namespace, () => this.uncharge(namespace, charged)) : noRollback;
    });
  }

  /** Gives back what `charges` took (the object was not stored after all). */
  private async uncharge(namespace: string, charges: QuotaCharge[]): Promise<void> {
    for (const charge of charges) {
      const name = charge.quota.metadata.name ?? '';
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const fresh = await this.access.getLive(namespace, name);
        if (!fresh || fresh.metadata.uid !== charge.quota.metadata.uid) break;
        const used = ((fresh['status'] as { used?: ResourceList } | undefined)?.used ?? {}) as ResourceList;
        try {
          this.remember(await this.access.writeUsed(namespace, name, fresh.metadata.resourceVersion ?? '', subtract(used, charge.requested)));
          break;
        } catch (err) {
          if (!isConflict(err)) throw err;
        }
      }
    }
  }
}
