/**
 * Several admission plugins (and a kind's own allocation hooks) composed into the one
 * StoreHooks a GenericStore takes. Order is the caller's: upstream's plugin order, all
 * mutating steps first, then the validating ones. A validating step that refuses undoes
 * what the steps before it took (quota charged, addresses allocated), newest first.
 */
import type { StoredObject } from '../../api/object.js';
import type { Rollback, StoreHooks } from '../registry/store-hooks.js';

const noRollback: Rollback = async () => {};

/** Runs `steps` in order; on a failure, rolls back the steps that already ran. */
async function runAll(steps: ((() => Promise<Rollback>) | undefined)[]): Promise<Rollback> {
  const done: Rollback[] = [];
  try {
    for (const step of steps) if (step) done.push(await step());
  } catch (err) {
    for (const undo of done.reverse()) await undo();
    throw err;
  }
  if (done.length === 0) return noRollback;
  return async () => {
    for (const undo of [...done].reverse()) await undo();
  };
}

export function chainHooks(parts: StoreHooks[]): StoreHooks {
  const hooks = parts.filter((p) => Object.keys(p).length > 0);
  if (hooks.length === 0) return {};
  if (hooks.length === 1) return hooks[0]!;
  const chained: StoreHooks = {};
  if (hooks.some((h) => h.allocates)) chained.allocates = true;
  if (hooks.some((h) => h.mutateCreate)) {
    chained.mutateCreate = async (obj: StoredObject, dryRun: boolean) => {
      for (const h of hooks) await h.mutateCreate?.(obj, dryRun);
    };
  }
  if (hooks.some((h) => h.beforeCreate)) {
    chained.beforeCreate = (obj, dryRun) => runAll(hooks.map((h) => (h.beforeCreate ? () => h.beforeCreate!(obj, dryRun) : undefined)));
  }
  if (hooks.some((h) => h.beforeUpdate)) {
    chained.beforeUpdate = (obj, old, dryRun) => runAll(hooks.map((h) => (h.beforeUpdate ? () => h.beforeUpdate!(obj, old, dryRun) : undefined)));
  }
  if (hooks.some((h) => h.afterCreate)) {
    chained.afterCreate = async (obj) => {
      for (const h of hooks) await h.afterCreate?.(obj);
    };
  }
  if (hooks.some((h) => h.afterUpdate)) {
    chained.afterUpdate = async (obj, old) => {
      for (const h of hooks) await h.afterUpdate?.(obj, old);
    };
  }
  if (hooks.some((h) => h.afterDelete)) {
    chained.afterDelete = async (obj) => {
      for (const h of hooks) await h.afterDelete?.(obj);
    };
  }
  return chained;
}
