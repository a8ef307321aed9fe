/**
 * The controller manager: builds one client and one set of shared informers, starts
 * each controller on them, and stops them together. It is an API client like any
 * other: given an in-process transport inside `skiff server`, or HTTPS when run on
 * its own. With leader election it runs the controllers only while it holds the
 * kube-system/kube-controller-manager Lease, and stops them the moment it loses it.
 */
import { Client, InformerFactory, LeaderElector, workQueueMetrics, type RunningController, type Transport } from '../client/index.js';
import { realClock, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { startCronJobController } from './cronjob/cronjob-controller.js';
import { startDaemonSetController } from './daemonset/daemonset-controller.js';
import { startDeploymentController } from './deployment/deployment-controller.js';
import { startDisruptionController } from './disruption/disruption-controller.js';
import { startEndpointsController } from './endpoints/endpoints-controller.js';
import { startEndpointSliceController } from './endpointslice/endpointslice-controller.js';
import { startGarbageCollector } from './garbage-collector/garbage-collector.js';
import { startJobController } from './job/job-controller.js';
import { startTtlAfterFinishedController } from './ttl-after-finished/ttl-after-finished-controller.js';
import { startNodeIpamController } from './node-ipam/node-ipam-controller.js';
import { startNodeLifecycleController } from './node-lifecycle/node-lifecycle-controller.js';
import { startPodGcController } from './podgc/podgc-controller.js';
import { startNamespaceController } from './namespace/namespace-controller.js';
import { startResourceQuotaController } from './resourcequota/resourcequota-controller.js';
import { startReplicaSetController, startReplicationController } from './replicaset/replicaset-controller.js';
import { startLocalPathProvisioner, startPersistentVolumeBinderController, startPvProtectionController, startPvcProtectionController } from './volume/index.js';
import { startStatefulSetController } from './statefulset/statefulset-controller.js';
import { startServiceAccountController } from './serviceaccount/serviceaccount-controller.js';

/** What every controller starter receives. */
export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  /** Where the API server(s) listen: the `default/kubernetes` EndpointSlice points there. */
  apiServerEndpoints?: { ip: string; port: number }[] | undefined;
}

export interface ControllerStarter {
  name: string;
  start(ctx: ControllerContext): RunningController;
}

/** The controllers this manager runs, in start order. Adding one is adding a line. */
export const CONTROLLERS: ControllerStarter[] = [
  { name: 'namespace', start: startNamespaceController },
  { name: 'replicaset', start: startReplicaSetController },
  { name: 'replicationcontroller', start: startReplicationController },
  { name: 'deployment', start: startDeploymentController },
  { name: 'garbagecollector', start: startGarbageCollector },
  { name: 'endpoints', start: startEndpointsController },
  { name: 'endpointslice', start: startEndpointSliceController },
  { name: 'serviceaccount', start: startServiceAccountController },
  { name: 'disruption', start: startDisruptionController },
  { name: 'statefulset', start: startStatefulSetController },
  { name: 'daemonset', start: startDaemonSetController },
  { name: 'job', start: startJobController },
  { name: 'cronjob', start: startCronJobController },
  { name: 'ttl-after-finished', start: startTtlAfterFinishedController },
  { name: 'resourcequota', start: startResourceQuotaController },
  { name: 'persistentvolume-binder', start: startPersistentVolumeBinderController },
  { name: 'pvc-protection', start: startPvcProtectionController },
  { name: 'pv-protection', start: startPvProtectionController },
  { name: 'local-path-provisioner', start: startLocalPathProvisioner },
  { name: 'nodelifecycle', start: startNodeLifecycleController },
  { name: 'nodeipam', start: startNodeIpamController },
  { name: 'podgc', start: startPodGcController },
];

export interface LeaderElectionOptions {
  /** Unique per candidate (upstream: hostname + "_" + a random suffix). */
  identity: string;
  /** Default kube-system. */
  namespace?: string;
  /** Default kube-controller-manager. */
  name?: string;
  /** Upstream defaults (15 s / 10 s / 2 s); shorter only in tests. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
}

export interface ControllerManagerOptions {
  transport: Transport;
  logger: Logger;
  /** Run only while holding the controller-manager Lease; without it, run at once. */
  leaderElection?: LeaderElectionOptions;
  /** Run only these controllers (names from CONTROLLERS); default all. */
  controllers?: string[];
  apiServerEndpoints?: { ip: string; port: number }[];
}

export interface ControllerManager {
  /** Whether every controller's caches have synced and its workers run (a standby candidate is healthy). */
  healthy(): boolean;
  /** Whether this manager's controllers are running (always, without leader election). */
  isLeader(): boolean;
  /** The controllers' work queue metrics, Prometheus text format. */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

const metrics = () => Promise.resolve(workQueueMetrics.render());

/** One term of running controllers: informers, the controllers on them, and how to stop. */
interface Term {
  running: () => boolean;
  stop(): Promise<void>;
}

function startTerm(client: Client, logger: Logger, starters: ControllerStarter[], apiServerEndpoints: ControllerContext['apiServerEndpoints']): Term {
  const informers = new InformerFactory(client, { logger });
  const controllers = starters.map((s) => s.start({ client, informers, logger, apiServerEndpoints }));
  informers.start();
  let running = false;
  let stopping: Promise<void> | undefined;
  void Promise.all(controllers.map((c) => c.started)).then((started) => (running = started.every(Boolean) && !stopping));
  return {
    running: () => running,
    stop: () =>
      (stopping ??= (async () => {
        running = false;
        await Promise.all(controllers.map((c) => c.stop()));
        await informers.stop();
      })()),
  };
}

export async function startControllerManager(options: ControllerManagerOptions): Promise<ControllerManager> {
  const client = new Client(options.transport, { fieldManager: 'skiff-controller-manager' });
  const starters = options.controllers ? CONTROLLERS.filter((c) => options.controllers!.includes(c.name)) : CONTROLLERS;
  const election = options.leaderElection;
  if (!election) {
    const term = startTerm(client, options.logger, starters, options.apiServerEndpoints);
    return { healthy: term.running, isLeader: () => true, metrics, stop: () => term.stop() };
  }

  let term: Term | undefined;
  /** Every term not yet fully stopped, so stop() can wait for one ending on its own. */
  const terms = new Set<Term>();
  let stopped = false;
  const logger = options.logger.child({ identity: election.identity });
  const elector = new LeaderElector({
    client,
    namespace: election.namespace ?? 'kube-system',
    name: election.name ?? 'kube-controller-manager',
    identity: election.identity,
    ...(election.leaseDurationMs !== undefined ? { leaseDurationMs: election.leaseDurationMs } : {}),
    ...(election.renewDeadlineMs !== undefined ? { renewDeadlineMs: election.renewDeadlineMs } : {}),
    ...(election.retryPeriodMs !== undefined ? { retryPeriodMs: election.retryPeriodMs } : {}),
    ...(election.clock ? { clock: election.clock } : {}),
    logger,
    onStartedLeading: async (signal) => {
      const current = startTerm(client, options.logger, starters, options.apiServerEndpoints);
      term = current;
      terms.add(current);
      // Leadership ends: stop acting before anyone else may take over.
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      if (term === current) term = undefined;
      await current.stop();
      terms.delete(current);
    },
  });
  // Upstream exits when it loses the Lease and is restarted; in-process we campaign again.
  const campaigning = (async () => {
    while (!stopped) {
      try {
        await elector.run();
      } catch (err) {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'leader election failed; campaigning again');
        await (election.clock ?? realClock).sleep(election.retryPeriodMs ?? 2_000);
      }
    }
  })();
  return {
    healthy: () => !elector.isLeader() || (term?.running() ?? false),
    isLeader: () => elector.isLeader() && term !== undefined,
    metrics,
    async stop() {
      stopped = true;
      // Controllers stop before the Lease is released, so a successor never overlaps them.
      await term?.stop();
      await elector.stop();
      await campaigning;
      await Promise.all([...terms].map((t) => t.stop()));
    },
  };
}
