/**
 * The pod garbage collector (upstream pkg/controller/podgc): every gcCheckPeriod it
 * force-deletes terminated pods beyond terminatedPodGCThreshold, terminating pods on
 * not-ready out-of-service nodes, pods bound to nodes that stayed missing through a
 * quarantine (confirmed with a live GET, since the cache may lag), and terminating pods
 * that were never scheduled. A pod that is not yet terminal is first patched to phase
 * Failed (orphans also get a DisruptionTarget condition), since no kubelet will.
 */
import type { Node, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, RESOURCE_TYPES, isNotFound, type RunningController } from '../../client/index.js';
import { realClock, formatTime, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import {
  NodeQuarantine,
  ORPHANED_POD_CONDITION,
  failedStatus,
  missingNodeNames,
  terminatedPodsToDelete,
  terminatingPodsOnOutOfServiceNodes,
  unscheduledTerminatingPods,
} from './gc-decisions.js';
import { runPeriodic } from './periodic.js';

export interface PodGcControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  clock?: Clock;
  /** Terminated pods kept before the oldest go; <= 0 turns this off. Upstream default 12500. */
  terminatedPodGcThreshold?: number;
  /** Upstream gcCheckPeriod: 20 s. */
  gcCheckPeriodMs?: number;
  /** How long a node must stay missing before its pods are orphans. Upstream: 40 s. */
  quarantineMs?: number;
}

export const DEFAULT_TERMINATED_POD_GC_THRESHOLD = 12_500;

export function startPodGcController(options: PodGcControllerOptions): RunningController {
  const { client, informers } = options;
  const clock = options.clock ?? realClock;
  const logger = options.logger.child({ controller: 'pod-garbage-collector' });
  const threshold = options.terminatedPodGcThreshold ?? DEFAULT_TERMINATED_POD_GC_THRESHOLD;
  const quarantineMs = options.quarantineMs ?? 40_000;
  const pods = informers.lister<Pod>(RESOURCE_TYPES.pods);
  const nodes = informers.lister<Node>(RESOURCE_TYPES.nodes);
  const quarantine = new NodeQuarantine();

  const forceDelete = async (pod: Pod, condition?: PodCondition): Promise<void> => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    try {
      const status = failedStatus(pod, condition, formatTime(clock.now()));
      if (status) await client.patch(RESOURCE_TYPES.pods, name, 'merge', { status: { phase: status.phase, conditions: status.conditions } }, { namespace, subresource: 'status' });
      await client.delete(RESOURCE_TYPES.pods, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } });
      logger.info({ pod: `${namespace}/${name}`, node: pod.spec?.nodeName }, 'force-deleted pod');
    } catch (err) {
      if (!isNotFound(err)) logger.warn({ pod: `${namespace}/${name}`, err: err instanceof Error ? err.message : String(err) }, 'force-deleting pod failed');
    }
  };

  const nodeExists = async (name: string): Promise<boolean | undefined> => {
    try {
      await client.get(RESOURCE_TYPES.nodes, name);
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      return undefined;
    }
  };

  const pass = async (): Promise<void> => {
    const allPods = pods.list();
    const nodeList = nodes.list();
    const nodesByName = new Map(nodeList.map((n) => [n.metadata!.name!, n] as const));

    await Promise.all(terminatedPodsToDelete(allPods, threshold).map((p) => forceDelete(p)));
    await Promise.all(terminatingPodsOnOutOfServiceNodes(allPods, nodesByName).map((p) => forceDelete(p)));

    const due = quarantine.observe(missingNodeNames(allPods, new Set(nodesByName.keys())), clock.now(), quarantineMs);
    for (const nodeName of due) {
      const exists = await nodeExists(nodeName);
      if (exists !== false) continue;
      const orphans = pods.list().filter((p) => p.spec?.nodeName === nodeName);
      await Promise.all(orphans.map((p) => forceDelete(p, ORPHANED_POD_CONDITION)));
    }

    await Promise.all(unscheduledTerminatingPods(pods.list()).map((p) => forceDelete(p)));
  };

  return runPeriodic({ name: 'pod-garbage-collector', periodMs: options.gcCheckPeriodMs ?? 20_000, clock, logger: options.logger, waitFor: [informers], pass });
}
