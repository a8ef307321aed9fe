/**
 * The /scale subresource: an autoscaling/v1 Scale view of a workload's replicas
 * (what `kubectl scale` reads and patches), and the mutation that writes it back.
 */
import type { FieldError } from '../../api/errors.js';
import { invalid } from '../../api/errors.js';
import type { KubeObject, StoredObject } from '../../api/object.js';
import { formatLabelSelector, labelSelectorFromObject } from '../../api/labels.js';
import type { ServedResource } from '../registry/registry.js';

export function getScale(_served: ServedResource, obj: StoredObject): Record<string, unknown> {
  const spec = (obj['spec'] ?? {}) as { replicas?: number; selector?: unknown };
  const status = (obj['status'] ?? {}) as { replicas?: number };
  let selector = '';
  if (spec.selector && typeof spec.selector === 'object') {
    // ReplicationControllers have a plain map; the others a LabelSelector.
    const sel = spec.selector as Record<string, unknown>;
    selector =
      'matchLabels' in sel || 'matchExpressions' in sel
        ? formatLabelSelector(labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]))
        : Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).join(',');
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, ...(selector ? { selector } : {}) },
  };
}

/** Sets spec.replicas from a Scale's spec.replicas, refusing what is not a count. */
export function scaleMutation(replicas: unknown): (current: StoredObject) => KubeObject {
  return (current) => {
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      const errors: FieldError[] = [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas ?? null, detail: 'must be greater than or equal to 0' }];
      throw invalid({ group: 'autoscaling', resource: 'scale', kind: 'Scale', name: current.metadata.name ?? '' }, errors);
    }
    const spec = { ...((current['spec'] ?? {}) as Record<string, unknown>), replicas };
    return { ...current, spec };
  };
}
