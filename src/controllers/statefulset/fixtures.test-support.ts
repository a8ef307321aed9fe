/** Small builders shared by this folder's unit tests. */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';

export const NOW = Date.parse('2026-01-01T12:00:00Z');

export function set(spec: Partial<NonNullable<StatefulSet['spec']>> = {}, status?: StatefulSet['status']): StatefulSet {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'set-uid', generation: 4 },
    spec: {
      replicas: 3,
      serviceName: 'nginx',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

export interface PodState {
  rev?: string;
  phase?: string;
  ready?: boolean;
  readyAgoS?: number;
  deleting?: boolean;
}

export function pod(ordinal: number, o: PodState = {}): Pod {
  const phase = o.phase ?? 'Running';
  const ready = o.ready ?? phase === 'Running';
  return {
    metadata: {
      name: `web-${ordinal}`,
      namespace: 'ns',
      uid: `uid-${ordinal}`,
      labels: { app: 'web', 'controller-revision-hash': o.rev ?? 'web-v1', 'statefulset.kubernetes.io/pod-name': `web-${ordinal}`, 'apps.kubernetes.io/pod-index': String(ordinal) },
      ...(o.deleting ? { deletionTimestamp: new Date(NOW).toISOString() } : {}),
    },
    spec: { containers: [{ name: 'c' }] },
    status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(NOW - (o.readyAgoS ?? 600) * 1000).toISOString() }] },
  };
}
