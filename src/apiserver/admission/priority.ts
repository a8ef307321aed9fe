/**
 * Priority admission for pods (upstream's Priority plugin): a pod's
 * `spec.priorityClassName` is resolved to `spec.priority` and `spec.preemptionPolicy`
 * from the PriorityClass of that name; a pod naming none gets the global default class
 * (priority 0 when there is none); an unknown name is refused with 403 as upstream.
 * The two system classes exist from the first start (see bootstrap). Classes are read
 * from an ObjectMirror, so a pod create costs no storage LIST.
 */
import { ApiError } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import type { StoreHooks } from '../registry/store-hooks.js';

export interface PriorityClassLike {
  metadata: { name?: string };
  value?: number;
  globalDefault?: boolean;
  preemptionPolicy?: string;
}

export interface PriorityClassSource {
  get(name: string): Promise<PriorityClassLike | undefined>;
  list(): Promise<PriorityClassLike[]>;
}

export function priorityAdmission(classes: PriorityClassSource): StoreHooks {
  return {
    async mutateCreate(pod: StoredObject): Promise<void> {
      const spec = (pod['spec'] ?? (pod['spec'] = {})) as { priorityClassName?: string; priority?: number; preemptionPolicy?: string };
      let cls: PriorityClassLike | undefined;
      if (spec.priorityClassName) {
        cls = await classes.get(spec.priorityClassName);
        if (!cls) {
          throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name ?? ''}" is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`, {
            name: pod.metadata.name ?? '',
            kind: 'pods',
          });
        }
      } else {
        // The highest-valued global default wins, as upstream picks it.
        cls = (await classes.list()).filter((c) => c.globalDefault).sort((a, b) => (b.value ?? 0) - (a.value ?? 0))[0];
        if (cls?.metadata.name) spec.priorityClassName = cls.metadata.name;
      }
      const value = cls?.value ?? 0;
      if (spec.priority !== undefined && spec.priority !== value) {
        throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`, {
          name: pod.metadata.name ?? '',
          kind: 'pods',
        });
      }
      spec.priority = value;
      spec.preemptionPolicy = cls?.preemptionPolicy ?? spec.preemptionPolicy ?? 'PreemptLowerPriority';
    },
  };
}

/** The classes every cluster has (upstream's scheduling bootstrap). */
export const SYSTEM_PRIORITY_CLASSES = [
  { name: 'system-node-critical', value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  { name: 'system-cluster-critical', value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
];
