/**
 * When a node counts as silent (upstream tryUpdateNodeHealth): the controller keeps its
 * own "probe" time per node, moved to now whenever it sees the kubelet's Ready heartbeat
 * or its kube-node-lease renewTime change. Comparing against our clock, not the
 * kubelet's timestamps, keeps clock skew between machines out of the decision. A node
 * silent for longer than the grace period has its conditions set to Unknown.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';

interface Observed {
  probeMs: number;
  heartbeat: string | undefined;
  renewTime: string | undefined;
}

export class NodeHealthTracker {
  private readonly nodes = new Map<string, Observed>();

  /** Records what the node and its lease say now; returns the node's probe time. */
  observe(node: Node, lease: Lease | undefined, nowMs: number): number {
    const name = node.metadata!.name!;
    const heartbeat = readyCondition(node)?.lastHeartbeatTime;
    const renewTime = lease?.spec?.renewTime;
    const saved = this.nodes.get(name);
    if (!saved) {
      this.nodes.set(name, { probeMs: nowMs, heartbeat, renewTime });
      return nowMs;
    }
    if (heartbeat !== saved.heartbeat) {
      saved.heartbeat = heartbeat;
      saved.probeMs = nowMs;
    }
    if (renewTime && (!saved.renewTime || Date.parse(renewTime) > Date.parse(saved.renewTime))) {
      saved.renewTime = renewTime;
      saved.probeMs = nowMs;
    }
    return saved.probeMs;
  }

  /** Gives every node a fresh grace period (after the whole cluster was cut off). */
  resetAll(nowMs: number): void {
    for (const saved of this.nodes.values()) saved.probeMs = nowMs;
  }

  /** Forgets nodes that are gone. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.nodes.keys()) if (!names.has(name)) this.nodes.delete(name);
  }
}

export function readyCondition(node: Node): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** 'True', 'False' or 'Unknown' (a node that never posted a Ready condition is Unknown). */
export function readyStatus(node: Node): 'True' | 'False' | 'Unknown' {
  const status = readyCondition(node)?.status;
  return status === 'True' || status === 'False' ? status : 'Unknown';
}

/** The conditions the node lifecycle controller takes over when the kubelet goes silent. */
export const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

export interface HealthTimings {
  /** A node that posted status may be silent this long. Upstream: 50 s. */
  nodeMonitorGracePeriodMs: number;
  /** A node that never posted Ready may be silent this long after creation. Upstream: 60 s. */
  nodeStartupGracePeriodMs: number;
}

/**
 * The node's conditions with the monitored ones set to Unknown, if the node has been
 * silent past its grace period and any of them is not Unknown yet; undefined otherwise.
 */
export function conditionsIfSilent(node: Node, probeMs: number, nowMs: number, nowIso: string, timings: HealthTimings): NodeCondition[] | undefined {
  const grace = readyCondition(node) ? timings.nodeMonitorGracePeriodMs : timings.nodeStartupGracePeriodMs;
  if (nowMs <= probeMs + grace) return undefined;
  const conditions = [...(node.status?.conditions ?? [])];
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const i = conditions.findIndex((c) => c.type === type);
    const current = i >= 0 ? conditions[i] : undefined;
    if (!current) {
      conditions.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        ...(node.metadata?.creationTimestamp ? { lastHeartbeatTime: node.metadata.creationTimestamp } : {}),
        lastTransitionTime: nowIso,
      });
      changed = true;
    } else if (current.status !== 'Unknown') {
      conditions[i] = { ...current, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowIso };
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}
