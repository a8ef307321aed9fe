/**
 * The service account controller: every active namespace has a `default`
 * ServiceAccount; one that is deleted is created again. Namespaces being deleted are
 * left alone, so their content can go.
 */
import type { Namespace, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, WorkQueue, deletedObject, isAlreadyExists, runController, type RunningController } from '../../client/index.js';
import type { Logger } from '../../util/logger.js';

export const DEFAULT_SERVICE_ACCOUNT = 'default';

export interface ServiceAccountControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  /** Service accounts every namespace gets; upstream's default is just `default`. */
  serviceAccounts?: string[];
}

/** The accounts `namespace` is missing, given the ones it has; none while it terminates. */
export function missingServiceAccounts(namespace: Namespace | undefined, existing: readonly string[], wanted: readonly string[]): string[] {
  if (!namespace || namespace.metadata?.deletionTimestamp || namespace.status?.phase === 'Terminating') return [];
  return wanted.filter((name) => !existing.includes(name));
}

export function startServiceAccountController(options: ServiceAccountControllerOptions): RunningController {
  const { client, informers, logger } = options;
  const wanted = options.serviceAccounts ?? [DEFAULT_SERVICE_ACCOUNT];
  const queue = new WorkQueue<string>();
  const namespaces = informers.informerFor<Namespace>(RESOURCE_TYPES.namespaces);
  const accounts = informers.informerFor<ServiceAccount>(RESOURCE_TYPES.serviceaccounts);
  const enqueueNamespace = (ns: Namespace) => ns.metadata?.name && queue.add(ns.metadata.name);
  namespaces.addEventHandler({ onAdd: enqueueNamespace, onUpdate: (_old, ns) => enqueueNamespace(ns) });
  accounts.addEventHandler({
    onDelete: (value) => {
      const sa = deletedObject(value);
      if (sa.metadata?.namespace && wanted.includes(sa.metadata.name ?? '')) queue.add(sa.metadata.namespace);
    },
  });

  return runController({
    name: 'serviceaccount',
    queue,
    waitFor: [informers],
    logger,
    async reconcile(name) {
      const existing = accounts.lister().namespace(name).list().map((sa) => sa.metadata?.name ?? '');
      for (const account of missingServiceAccounts(namespaces.lister().get(name), existing, wanted)) {
        try {
          await client.create<ServiceAccount>(RESOURCE_TYPES.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account, namespace: name } });
          logger.info({ namespace: name, serviceAccount: account }, 'created service account');
        } catch (err) {
          // The cache was behind: it is there, which is all this controller wants.
          if (!isAlreadyExists(err)) throw err;
        }
      }
    },
  });
}
