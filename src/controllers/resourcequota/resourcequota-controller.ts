/**
 * The ResourceQuota controller: for every quota it sets status.hard from spec.hard and
 * recalculates status.used from the objects of its namespace, under the quota's names
 * and scopes. Quota admission keeps used current between recalculations; this
 * controller fills it in for a new or changed quota and gives usage back when it is
 * released — a pod deleted or turned terminal, a service, claim, config map, secret or
 * replication controller deleted or changed — and on a periodic full resync (upstream
 * 5 minutes) for everything else. Object creations do not trigger it: admission has
 * charged them already, and a recalculation racing a charge could only undercount.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { StoredObject } from '../../api/object.js';
import { Client, InformerFactory, RESOURCE_TYPES, WorkQueue, deletedObject, isConflict, isNotFound, objectKey, resourceType, runController, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';
import { equals, type ResourceList } from '../../api/quota/resource-list.js';
import { kindsForNames, servedVersion } from './quota-kinds.js';
import { calculateUsed, hardOf, podCountsCompute, type QuotaLike } from '../../api/quota/usage.js';

/** Upstream --resource-quota-sync-period. */
export const DEFAULT_QUOTA_RESYNC_MS = 5 * 60 * 1000;

export interface ResourceQuotaControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  now?: () => Date;
  /** Full recalculation of every quota this often. */
  resyncPeriodMs?: number;
  workers?: number;
}

type Quota = QuotaLike & { apiVersion?: string; kind?: string };

export function startResourceQuotaController(options: ResourceQuotaControllerOptions): RunningController {
  const { client, informers } = options;
  const now = options.now ?? (() => new Date());
  const queue = new WorkQueue<string>();
  const quotaInformer = informers.informerFor<Quota>(RESOURCE_TYPES.resourcequotas);
  const quotas = quotaInformer.lister();

  const enqueueNamespace = (namespace: string | undefined) => {
    for (const q of quotas.namespace(namespace ?? '').list()) queue.add(objectKey(q));
  };

  quotaInformer.addEventHandler({
    onAdd: (q) => queue.add(objectKey(q)),
    onUpdate(old, q) {
      // Our own status writes and admission's charges change used only: nothing to redo.
      const specChanged = JSON.stringify(old.spec ?? {}) !== JSON.stringify(q.spec ?? {});
      if (specChanged || !equals(hardOf(q, false), hardOf(q, true))) queue.add(objectKey(q));
    },
  });

  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods);
  podInformer.addEventHandler({
    onUpdate(old, pod) {
      if (podCountsCompute(old, now()) && !podCountsCompute(pod, now())) enqueueNamespace(pod.metadata?.namespace);
    },
    onDelete: (p) => enqueueNamespace(deletedObject(p).metadata?.namespace),
  });
  for (const type of [RESOURCE_TYPES.services, RESOURCE_TYPES.persistentvolumeclaims]) {
    informers.informerFor(type).addEventHandler({
      onUpdate: (old, o) => {
        if (JSON.stringify(old['spec']) !== JSON.stringify(o['spec'])) enqueueNamespace(o.metadata?.namespace);
      },
      onDelete: (o) => enqueueNamespace(deletedObject(o).metadata?.namespace),
    });
  }
  for (const type of [RESOURCE_TYPES.configmaps, RESOURCE_TYPES.secrets, RESOURCE_TYPES.replicationcontrollers]) {
    informers.informerFor(type).addEventHandler({ onDelete: (o) => enqueueNamespace(deletedObject(o).metadata?.namespace) });
  }

  const resyncMs = options.resyncPeriodMs ?? DEFAULT_QUOTA_RESYNC_MS;
  const resync = setInterval(() => {
    for (const q of quotas.list()) queue.add(objectKey(q));
  }, resyncMs);
  resync.unref();

  async function recalculate(namespace: string, name: string): Promise<void> {
    let quota: Quota;
    try {
      // Read the quota first: if admission charges it meanwhile, our write conflicts and we redo.
      quota = await client.get<Quota>(RESOURCE_TYPES.resourcequotas, name, { namespace });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const hard = hardOf(quota, false);
    const byKind: { gr: { group: string; resource: string }; objects: StoredObject[] }[] = [];
    for (const gr of kindsForNames(Object.keys(hard))) {
      const version = servedVersion(gr);
      if (!version) continue;
      const list = await client.list<StoredObject>(resourceType(gr.group, version, gr.resource), { namespace });
      byKind.push({ gr, objects: list.items });
    }
    const used: ResourceList = calculateUsed(quota, byKind, now());
    const status = quota.status ?? {};
    if (status.hard && status.used && equals(hardOf(quota, true), hard) && equals(status.used as ResourceList, used)) return;
    try {
      await client.updateStatus<Quota>(RESOURCE_TYPES.resourcequotas, { ...quota, status: { hard: quota.spec?.hard ?? {}, used } });
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) throw new Error(`quota ${namespace}/${name} changed while recalculating; retrying`);
      throw err;
    }
  }

  const controller = runController({
    name: 'resourcequota',
    queue,
    workers: options.workers ?? 5,
    waitFor: [informers],
    logger: options.logger,
    async reconcile(key) {
      const [namespace, name] = key.split('/') as [string, string];
      await recalculate(namespace, name);
    },
  });
  return {
    started: controller.started,
    done: controller.done,
    async stop() {
      clearInterval(resync);
      await controller.stop();
    },
  };
}
