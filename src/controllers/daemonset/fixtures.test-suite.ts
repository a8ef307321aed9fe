/**
 * Small builders for the DaemonSet controller's unit tests: nodes, DaemonSets and daemon
 * pods in the states the decisions care about.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision-hash.js';
import { pinToNode } from './daemon-pod.js';

export const NOW_MS = Date.parse('2026-01-01T12:00:00Z');

export function node(name: string, labels: Record<string, string> = {}, taints: Taint[] = []): Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints.length ? { taints } : {} };
}

export function daemonSet(spec: Partial<NonNullable<DaemonSet['spec']>> = {}, meta: Partial<NonNullable<DaemonSet['metadata']>> = {}): DaemonSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'ds', namespace: 'default', uid: 'ds-uid', generation: 1, ...meta },
    spec: {
      selector: { matchLabels: { app: 'ds' } },
      template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      ...spec,
    },
  };
}

export interface PodState {
  hash?: string;
  phase?: 'Pending' | 'Running' | 'Failed' | 'Succeeded';
  ready?: boolean;
  readySecondsAgo?: number;
  createdSecondsAgo?: number;
  bound?: boolean;
  deleting?: boolean;
}

let seq = 0;
export function daemonPod(nodeName: string, state: PodState = {}): Pod {
  const name = `ds-${nodeName}-${seq++}`;
  const ready = state.ready ?? true;
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'ds', [CONTROLLER_REVISION_HASH_LABEL]: state.hash ?? 'new' },
      creationTimestamp: new Date(NOW_MS - (state.createdSecondsAgo ?? 100) * 1000).toISOString(),
      ...(state.deleting ? { deletionTimestamp: new Date(NOW_MS).toISOString() } : {}),
    },
    spec: { containers: [{ name: 'c' }], affinity: pinToNode(undefined, nodeName), ...(state.bound === false ? {} : { nodeName }) },
    status: {
      phase: state.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(NOW_MS - (state.readySecondsAgo ?? 60) * 1000).toISOString() }],
    },
  };
}

export const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name!);
