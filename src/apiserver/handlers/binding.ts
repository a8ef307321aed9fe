/**
 * pods/<name>/binding and the older namespace-level `bindings` resource: assigns an
 * unassigned pod to a node (the scheduler's one write to a pod's spec) and marks it
 * PodScheduled, as upstream's BindingREST does. A pod already on a node, being deleted
 * or still gated is refused with 409, naming why.
 */
import { badRequest, conflict, invalid } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import { rfc3339 } from '../../api/time.js';
import { writeJson, type Response } from '../http/io.js';
import type { ResourceContext } from './context.js';

type Obj = Record<string, unknown>;

/** `name` is the pod named by the URL (pods/<name>/binding), or undefined for /bindings. */
export async function bindPod(ctx: ResourceContext, res: Response, namespace: string, name: string | undefined, body: KubeObject, dryRun: boolean): Promise<void> {
  const bindingName = body.metadata?.name ?? '';
  if (name !== undefined && bindingName !== name) throw badRequest('name in URL does not match name in Binding object');
  const podName = name ?? bindingName;
  const target = isPlainObject(body['target']) ? (body['target'] as Obj) : {};
  const targetKind = typeof target['kind'] === 'string' ? target['kind'] : '';
  const node = typeof target['name'] === 'string' ? target['name'] : '';
  const ref = { group: '', resource: 'bindings', kind: 'Binding', name: podName };
  if (!podName) throw invalid(ref, [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
  if (!node) throw invalid(ref, [{ type: 'FieldValueRequired', field: 'target.name', detail: '' }]);
  if (targetKind !== '' && targetKind !== 'Node') {
    throw invalid(ref, [{ type: 'FieldValueNotSupported', field: 'target.kind', value: targetKind, detail: 'supported values: "Node", ""' }]);
  }
  const pods = ctx.registry.core('pods').store;
  const refused = (why: string) => conflict({ group: '', resource: 'pods/binding', name: podName }, why);
  const preUid = body.metadata?.uid;
  const preVersion = body.metadata?.resourceVersion;
  const now = rfc3339(ctx.now());
  // One write at the storage layer, as upstream's BindingREST: nodeName and the
  // PodScheduled condition together, with no pod update strategy or field manager (so no
  // managedFields entry for spec.nodeName, as on an upstream cluster).
  await pods.storageUpdate(namespace, podName, preVersion, dryRun, (current) => {
    if (preUid && current.metadata.uid !== preUid) throw refused(`Precondition failed: UID in precondition: ${preUid}, UID in object meta: ${current.metadata.uid ?? ''}`);
    if (current.metadata.deletionTimestamp) throw refused(`pod ${podName} is being deleted, cannot be assigned to a host`);
    const spec = (current['spec'] ?? {}) as { nodeName?: string; schedulingGates?: unknown[] };
    if (spec.nodeName) throw refused(`pod ${podName} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
    if (spec.schedulingGates?.length) throw refused(`pod ${podName} has non-empty .spec.schedulingGates`);
    spec.nodeName = node;
    const annotations = body.metadata?.annotations;
    if (annotations && Object.keys(annotations).length) current.metadata.annotations = { ...current.metadata.annotations, ...annotations };
    const status = { ...((current['status'] ?? {}) as Obj) };
    const conditions = [...((status['conditions'] ?? []) as Obj[])];
    const i = conditions.findIndex((c) => c['type'] === 'PodScheduled');
    const condition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
    if (i >= 0) conditions[i] = condition;
    else conditions.push(condition);
    status['conditions'] = conditions;
    current['status'] = status;
    return current;
  });
  writeJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
