/**
 * The node lifecycle controller (upstream pkg/controller/nodelifecycle, with the taint
 * eviction controller of pkg/controller/tainteviction), as one periodic pass every
 * nodeMonitorPeriod on an injected clock:
 *  1. health — a node whose Ready heartbeat and kube-node-lease renewTime both stayed
 *     unchanged past the grace period gets its conditions set Unknown;
 *  2. NoSchedule taints mirror the conditions; pods on a node that is not Ready are
 *     marked not Ready;
 *  3. NoExecute taints (not-ready / unreachable) are added per zone through a token
 *     bucket whose rate follows the zone's disruption state, and removed at once when
 *     the node is Ready again; if every zone is fully disrupted, none are kept;
 *  4. pods on NoExecute-tainted nodes are deleted at once when they do not tolerate a
 *     taint, or after their smallest tolerationSeconds.
 * A pass also runs on node and pod changes, and when the next deadline comes.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  isConflict,
  isNotFound,
  type ObjectReference,
  type RunningController,
} from '../../client/index.js';
import { formatTime, realClock, type Clock, type Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { runPeriodic } from '../podgc/periodic.js';
import { NodeHealthTracker, conditionsIfSilent, readyCondition, readyStatus } from './node-health.js';
import { currentNoExecuteKey, desiredNoExecuteKey, desiredNoScheduleKeys, withManagedTaints } from './node-taints.js';
import { TAINT_EVICTION_CONDITION, evictionDecision, noExecuteTaints, notReadyConditions, withCondition } from './taint-eviction.js';
import { ZoneTainter, computeZoneState, zoneEvictionRate, zoneOf, type EvictionRates, type ZoneState } from './zones.js';

export interface NodeLifecycleControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  clock?: Clock;
  /** How often node health is checked. Upstream: 5 s. */
  nodeMonitorPeriodMs?: number;
  /** Upstream: 50 s. */
  nodeMonitorGracePeriodMs?: number;
  /** Upstream: 60 s. */
  nodeStartupGracePeriodMs?: number;
  /** Upstream: 0.1 nodes/s. */
  nodeEvictionRate?: number;
  /** Upstream: 0.01 nodes/s. */
  secondaryNodeEvictionRate?: number;
  /** Upstream: 50. */
  largeClusterSizeThreshold?: number;
  /** Upstream: 0.55. */
  unhealthyZoneThreshold?: number;
}

const LEASE_NAMESPACE = 'kube-node-lease';
const BY_NODE = 'nodeName';

const nodeRef = (name: string): ObjectReference => ({ apiVersion: 'v1', kind: 'Node', name, uid: name });
const errText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const sameTaints = (a: readonly Taint[] | undefined, b: readonly Taint[] | undefined) => JSON.stringify(a ?? []) === JSON.stringify(b ?? []);

export function startNodeLifecycleController(options: NodeLifecycleControllerOptions): RunningController {
  const { client, informers } = options;
  const clock = options.clock ?? realClock;
  const logger = options.logger.child({ controller: 'node-lifecycle' });
  const timings = {
    nodeMonitorGracePeriodMs: options.nodeMonitorGracePeriodMs ?? 50_000,
    nodeStartupGracePeriodMs: options.nodeStartupGracePeriodMs ?? 60_000,
  };
  const rates: EvictionRates = {
    nodeEvictionRate: options.nodeEvictionRate ?? 0.1,
    secondaryNodeEvictionRate: options.secondaryNodeEvictionRate ?? 0.01,
    largeClusterSizeThreshold: options.largeClusterSizeThreshold ?? 50,
  };
  const unhealthyZoneThreshold = options.unhealthyZoneThreshold ?? 0.55;
  const recorder = new EventRecorder(client, { component: 'node-controller' }, { logger, clock });

  const nodeInformer = informers.informerFor<Node>(RESOURCE_TYPES.nodes);
  const podInformer = informers.informerFor<Pod>(RESOURCE_TYPES.pods, { indexers: { [BY_NODE]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
  const leaseInformer = informers.informerFor<Lease>(RESOURCE_TYPES.leases, { namespace: LEASE_NAMESPACE });
  const nodes = nodeInformer.lister();
  const pods = podInformer.lister();
  const leases = leaseInformer.lister();

  const health = new NodeHealthTracker();
  const tainters = new Map<string, ZoneTainter>();
  const zoneStates = new Map<string, ZoneState>();
  let allWereFullyDisrupted = false;
  // When each pod (by UID) was first found on a node with NoExecute taints it tolerates for a while.
  const taintedSince = new Map<string, number>();
  let wakeTimer: Timer | undefined;

  const updateStatus = async (node: Node): Promise<Node | undefined> => {
    try {
      return await client.updateStatus<Node>(RESOURCE_TYPES.nodes, node);
    } catch (err) {
      if (!isConflict(err) && !isNotFound(err)) logger.warn({ node: node.metadata!.name, err: errText(err) }, 'updating node status failed');
      return undefined;
    }
  };

  const setTaints = async (node: Node, taints: Taint[]): Promise<Node> => {
    try {
      const updated = await client.update<Node>(RESOURCE_TYPES.nodes, { ...node, spec: { ...node.spec, taints } });
      logger.info({ node: node.metadata!.name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'updated node taints');
      return updated;
    } catch (err) {
      // A conflict (the kubelet wrote meanwhile) is retried by the next pass on a fresh copy.
      if (!isConflict(err) && !isNotFound(err)) logger.warn({ node: node.metadata!.name, err: errText(err) }, 'updating node taints failed');
      return node;
    }
  };

  const markPodsNotReady = async (node: Node, nowIso: string): Promise<void> => {
    for (const pod of pods.byIndex(BY_NODE, node.metadata!.name!)) {
      const conditions = notReadyConditions(pod, nowIso);
      if (!conditions) continue;
      try {
        await client.patch(RESOURCE_TYPES.pods, pod.metadata!.name!, 'merge', { status: { conditions } }, { namespace: pod.metadata!.namespace!, subresource: 'status' });
      } catch (err) {
        if (!isNotFound(err)) logger.warn({ pod: `${pod.metadata!.namespace}/${pod.metadata!.name}`, err: errText(err) }, 'marking pod not ready failed');
      }
    }
  };

  const evict = async (pod: Pod, nowIso: string): Promise<void> => {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      await client.patch(RESOURCE_TYPES.pods, name, 'merge', { status: { conditions: withCondition(pod, TAINT_EVICTION_CONDITION, nowIso) } }, { namespace, subresource: 'status' });
      await client.delete(RESOURCE_TYPES.pods, name, { namespace, preconditions: { uid: pod.metadata!.uid! } });
      logger.info({ pod: `${namespace}/${name}`, node: pod.spec?.nodeName }, 'evicted pod from tainted node');
    } catch (err) {
      if (!isNotFound(err)) logger.warn({ pod: `${namespace}/${name}`, err: errText(err) }, 'evicting pod failed');
    }
  };

  /** Sets the NoExecute taint the node's Ready calls for; `key` undefined removes ours. */
  const setNoExecute = (node: Node, key: string | undefined, nowIso: string): Promise<Node> => {
    const taints = withManagedTaints(node, 'NoExecute', key ? [key] : [], nowIso);
    return taints ? setTaints(node, taints) : Promise.resolve(node);
  };

  const pass = async (): Promise<void> => {
    const now = clock.now();
    const nowIso = formatTime(now);
    let wakeAt: number | undefined;
    const wakeBy = (at: number) => void (wakeAt = wakeAt === undefined ? at : Math.min(wakeAt, at));

    // 1 and 2: health, NoSchedule taints, pods marked not ready.
    const current = new Map<string, Node>();
    for (const cached of nodes.list()) {
      const name = cached.metadata!.name!;
      let node = cached;
      const probeMs = health.observe(node, leases.get(`${LEASE_NAMESPACE}/${name}`), now);
      const conditions = conditionsIfSilent(node, probeMs, now, nowIso, timings);
      if (conditions) {
        const updated = await updateStatus({ ...node, status: { ...node.status, conditions } });
        if (updated) {
          node = updated;
          logger.info({ node: name }, 'node stopped posting status; conditions set Unknown');
          recorder.event(nodeRef(name), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        }
      } else if (readyStatus(node) === 'True') {
        wakeBy(probeMs + timings.nodeMonitorGracePeriodMs + 1);
      }
      const noSchedule = withManagedTaints(node, 'NoSchedule', desiredNoScheduleKeys(node), nowIso);
      if (noSchedule) node = await setTaints(node, noSchedule);
      const ready = readyCondition(node)?.status;
      if (ready !== undefined && ready !== 'True') await markPodsNotReady(node, nowIso);
      current.set(name, node);
    }
    health.retain(new Set(current.keys()));

    // 3: zones and NoExecute taints.
    const byZone = new Map<string, Node[]>();
    for (const node of current.values()) {
      const zone = zoneOf(node);
      byZone.set(zone, [...(byZone.get(zone) ?? []), node]);
    }
    for (const zone of [...tainters.keys()]) if (!byZone.has(zone)) tainters.delete(zone);
    for (const [zone, members] of byZone) {
      const state = computeZoneState(members, unhealthyZoneThreshold);
      if (zoneStates.get(zone) !== state) logger.info({ zone, state }, 'zone state changed');
      zoneStates.set(zone, state);
    }
    for (const zone of [...zoneStates.keys()]) if (!byZone.has(zone)) zoneStates.delete(zone);
    const allFullyDisrupted = byZone.size > 0 && [...zoneStates.values()].every((s) => s === 'FullDisruption');

    if (allFullyDisrupted) {
      // Every node silent at once: more likely this controller is cut off than the whole cluster down.
      if (!allWereFullyDisrupted) logger.warn({}, 'all zones fully disrupted; stopping NoExecute tainting and evictions');
      tainters.clear();
      for (const [name, node] of current) current.set(name, await setNoExecute(node, undefined, nowIso));
    } else {
      if (allWereFullyDisrupted) {
        logger.info({}, 'leaving full disruption; every node gets a fresh grace period');
        health.resetAll(now);
      }
      for (const [zone, members] of byZone) {
        const qps = zoneEvictionRate(zoneStates.get(zone)!, members.length, rates);
        let tainter = tainters.get(zone);
        if (!tainter) tainters.set(zone, (tainter = new ZoneTainter(qps, now)));
        else tainter.bucket = tainter.bucket.withRate(qps, now);
        for (const node of members) {
          const name = node.metadata!.name!;
          const desired = desiredNoExecuteKey(node);
          const have = currentNoExecuteKey(node);
          if (desired === have) tainter.remove(name);
          else if (!desired || have) {
            // Healthy again, or not-ready <-> unreachable: no rate limit, as upstream swaps at once.
            tainter.remove(name);
            current.set(name, await setNoExecute(node, desired, nowIso));
          } else tainter.add(name);
        }
        for (const name of tainter.admit(now)) {
          const node = current.get(name);
          const desired = node && desiredNoExecuteKey(node);
          if (node && desired && !currentNoExecuteKey(node)) current.set(name, await setNoExecute(node, desired, nowIso));
        }
        if (tainter.size > 0) {
          const wait = tainter.bucket.msUntilToken(now);
          if (wait !== undefined) wakeBy(now + Math.max(1, wait));
        }
      }
    }
    allWereFullyDisrupted = allFullyDisrupted;

    // 4: taint-based eviction.
    const seen = new Set<string>();
    for (const node of current.values()) {
      const taints = noExecuteTaints(node.spec?.taints);
      if (taints.length === 0) continue;
      const earliestTaint = Math.min(...taints.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : now)).filter(Number.isFinite), now);
      for (const pod of pods.byIndex(BY_NODE, node.metadata!.name!)) {
        if (pod.metadata?.deletionTimestamp) continue;
        const uid = pod.metadata!.uid!;
        const decision = evictionDecision(pod, taints);
        if (decision.kind === 'none') continue;
        if (decision.kind === 'now') {
          await evict(pod, nowIso);
          continue;
        }
        seen.add(uid);
        const since = taintedSince.get(uid) ?? earliestTaint;
        taintedSince.set(uid, since);
        const deadline = since + decision.seconds * 1000;
        if (deadline <= now) await evict(pod, nowIso);
        else wakeBy(deadline);
      }
    }
    for (const uid of [...taintedSince.keys()]) if (!seen.has(uid)) taintedSince.delete(uid);

    wakeTimer?.cancel();
    wakeTimer = undefined;
    if (wakeAt !== undefined) wakeTimer = clock.setTimer(Math.max(1, wakeAt - clock.now()), () => periodic.trigger());
  };

  const periodic = runPeriodic({
    name: 'node-lifecycle',
    periodMs: options.nodeMonitorPeriodMs ?? 5_000,
    clock,
    logger: options.logger,
    waitFor: [informers],
    pass,
  });

  // Changes that can call for action before the next period; heartbeats alone do not.
  const trigger = () => periodic.trigger();
  nodeInformer.addEventHandler({
    onAdd: trigger,
    onDelete: trigger,
    onUpdate: (old, node) => {
      if (readyStatus(old) !== readyStatus(node) || !sameTaints(old.spec?.taints, node.spec?.taints) || old.spec?.unschedulable !== node.spec?.unschedulable) trigger();
    },
  });
  podInformer.addEventHandler({
    onAdd: (pod) => void (pod.spec?.nodeName && trigger()),
    onUpdate: (old, pod) => {
      if (old.spec?.nodeName !== pod.spec?.nodeName || JSON.stringify(old.spec?.tolerations) !== JSON.stringify(pod.spec?.tolerations)) trigger();
    },
  });

  return {
    started: periodic.started,
    done: periodic.done,
    async stop() {
      await periodic.stop();
      wakeTimer?.cancel();
      await recorder.stop();
    },
  };
}
