/**
 * The namespace controller: when a namespace is being deleted, delete everything in
 * it (every namespaced resource the API serves), report progress in the namespace's
 * status conditions as upstream does, and once it is empty remove the `kubernetes`
 * finalizer through /finalize so the API server lets the namespace go.
 */
import type { Namespace, NamespaceCondition } from 'kubernetes-types/core/v1.js';
import { rfc3339 } from '../../api/time.js';
import {
  Client,
  InformerFactory,
  WorkQueue,
  isNotFound,
  resourcePath,
  oneVersionPerStoredResource,
  resourceType,
  runController,
  type ResourceType,
  type RunningController,
} from '../../client/index.js';
import type { Logger } from '../../util/logger.js';

const NAMESPACES = resourceType('', 'v1', 'namespaces');
const FINALIZER = 'kubernetes';
/** How soon to look again while content is still going away (graceful pods, finalizers). */
const RECHECK_MS = 2_000;

/** One served version per storage resource: deleting through both would be twice the work. */
export function namespacedResources(): ResourceType[] {
  return oneVersionPerStoredResource((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));
}

export interface NamespaceControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
}

export function startNamespaceController(options: NamespaceControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const now = options.now ?? (() => new Date());
  const queue = new WorkQueue<string>();
  const informer = informers.informerFor<Namespace>(NAMESPACES);
  const enqueue = (ns: Namespace) => {
    if (ns.metadata?.deletionTimestamp && ns.metadata.name) queue.add(ns.metadata.name);
  };
  informer.addEventHandler({ onAdd: enqueue, onUpdate: (_old, ns) => enqueue(ns) });
  const resources = namespacedResources();

  return runController({
    name: 'namespace',
    queue,
    waitFor: [informers],
    logger,
    async reconcile(name) {
      let ns: Namespace;
      try {
        ns = await client.get<Namespace>(NAMESPACES, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      if (!ns.metadata?.deletionTimestamp) return;
      const remaining = await deleteContent(client, resources, name);
      if (remaining.objects > 0) {
        await setConditions(client, ns, remainingConditions(remaining, now()));
        return { requeueAfterMs: RECHECK_MS };
      }
      const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== FINALIZER);
      if (finalizers.length !== (ns.spec?.finalizers ?? []).length) {
        await client.call('PUT', `${resourcePath(NAMESPACES, undefined, name)}/finalize`, { body: { ...ns, spec: { ...ns.spec, finalizers } } });
        logger.info({ namespace: name }, 'namespace emptied and finalized');
      }
      return undefined;
    },
  });
}

interface Remaining {
  objects: number;
  /** resource → count still present */
  byResource: Map<string, number>;
  /** finalizer → count of objects still held by it */
  finalizers: Map<string, number>;
}

/** Deletes every object of every namespaced resource; returns what is still there. */
async function deleteContent(client: Client, resources: ResourceType[], namespace: string): Promise<Remaining> {
  const remaining: Remaining = { objects: 0, byResource: new Map(), finalizers: new Map() };
  for (const type of resources) {
    const list = await client.list(type, { namespace });
    for (const obj of list.items) {
      const name = obj.metadata?.name;
      if (!name) continue;
      if (!obj.metadata?.deletionTimestamp) {
        try {
          await client.delete(type, name, { namespace, propagationPolicy: 'Background' });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          continue;
        }
      }
      // Deleted at once unless something holds it; count what still stands.
      try {
        const after = await client.get(type, name, { namespace });
        remaining.objects++;
        remaining.byResource.set(type.resource, (remaining.byResource.get(type.resource) ?? 0) + 1);
        for (const f of after.metadata?.finalizers ?? []) remaining.finalizers.set(f, (remaining.finalizers.get(f) ?? 0) + 1);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }
  return remaining;
}

function remainingConditions(remaining: Remaining, at: Date): NamespaceCondition[] {
  const time = rfc3339(at);
  const content = [...remaining.byResource].map(([r, n]) => `${r} has ${n} resource instances`).join(', ');
  const finalizers = [...remaining.finalizers].map(([f, n]) => `${f} in ${n} resource instances`).join(', ');
  return [
    { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered', lastTransitionTime: time },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed', lastTransitionTime: time },
    { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization', lastTransitionTime: time },
    content
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${content}`, lastTransitionTime: time }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed', lastTransitionTime: time },
    finalizers
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizers}`, lastTransitionTime: time }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished', lastTransitionTime: time },
  ];
}

/** Writes the conditions, keeping a condition's transition time when its status did not change. */
async function setConditions(client: Client, ns: Namespace, conditions: NamespaceCondition[]): Promise<void> {
  const before = new Map((ns.status?.conditions ?? []).map((c) => [c.type, c]));
  const merged = conditions.map((c) => {
    const old = before.get(c.type);
    return old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
  });
  const changed = merged.some((c) => {
    const old = before.get(c.type);
    return !old || old.status !== c.status || old.message !== c.message;
  });
  if (!changed) return;
  await client.updateStatus(NAMESPACES, { ...ns, status: { ...ns.status, conditions: merged } });
}
