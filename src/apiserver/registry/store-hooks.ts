/**
 * Side effects a kind needs around its writes that a pure strategy cannot do, because
 * they touch other storage: a Service's cluster IP and node ports are allocated
 * before it is stored and released after it is gone. Admission plugins are hooks too
 * (see admission/chain.ts): mutating ones run in `mutateCreate` (after defaulting,
 * before the strategy prepares and validates, as upstream's mutating admission),
 * validating ones in `beforeCreate`/`beforeUpdate` (after validation).
 */
import type { StoredObject } from '../../api/object.js';

/** Undoes an allocation when the write it was made for does not happen. */
export type Rollback = () => Promise<void>;

export interface StoreHooks {
  /**
   * beforeCreate takes something from a shared pool (addresses, ports): the store then
   * makes sure the object does not exist yet before asking, so a duplicate create
   * cannot take or exhaust allocations.
   */
  allocates?: boolean;
  /** Mutating admission of a create: after defaulting, before prepareForCreate and validation. */
  mutateCreate?(obj: StoredObject, dryRun: boolean): Promise<void>;
  beforeCreate?(obj: StoredObject, dryRun: boolean): Promise<Rollback>;
  beforeUpdate?(obj: StoredObject, old: StoredObject, dryRun: boolean): Promise<Rollback>;
  /** After a create is stored (obj carries its resourceVersion). */
  afterCreate?(obj: StoredObject): Promise<void>;
  /** After an update is stored: free what the new version no longer holds. */
  afterUpdate?(obj: StoredObject, old: StoredObject): Promise<void>;
  /** After the object is gone from storage (not merely marked for deletion). */
  afterDelete?(obj: StoredObject): Promise<void>;
}
