import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import {
  computeHash,
  equalIgnoreHash,
  findActiveOrLatest,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  proportionalSizes,
  replicaSetsToCleanUp,
  resolveFenceposts,
  rollingScaleDownPlan,
  rolloutStatus,
  setNewReplicaSetAnnotations,
} from './deployment-util.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const template = (image: string) => ({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image }] } });

function deployment(replicas: number, surge: number | string = '25%', unavailable: number | string = '25%', extra: Partial<NonNullable<Deployment['spec']>> = {}): Deployment {
  return {
    metadata: { name: 'web', generation: 1, annotations: {} },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template('v2'), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: surge, maxUnavailable: unavailable } }, progressDeadlineSeconds: 600, ...extra },
    status: {},
  };
}

let seq = 0;
function rs(name: string, replicas: number, available = replicas, annotations: Record<string, string> = {}): ReplicaSet {
  seq++;
  return {
    metadata: { name, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, seq)).toISOString(), annotations, generation: 1 },
    spec: { replicas, selector: {}, template: template(name) },
    status: { replicas, availableReplicas: available, readyReplicas: available, observedGeneration: 1 },
  };
}

describe('fenceposts', () => {
  it('rounds maxSurge up and maxUnavailable down', () => {
    assert.deepEqual(resolveFenceposts(deployment(10)), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts(deployment(1)), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts(deployment(3, 0, 0)), { surge: 0, unavailable: 1 }, 'both zero would stall');
    assert.equal(maxUnavailable(deployment(2, 0, 5)), 2, 'never more than replicas');
    assert.equal(maxSurge(deployment(4, '50%')), 2);
    assert.equal(maxSurge({ ...deployment(4), spec: { ...deployment(4).spec!, strategy: { type: 'Recreate' } } }), 0);
  });
});

describe('pod-template-hash', () => {
  it('is stable, ignores key order, and changes with the template and collision count', () => {
    const a = computeHash(template('v1'));
    assert.equal(a, computeHash({ spec: { containers: [{ image: 'v1', name: 'c' }] }, metadata: { labels: { app: 'web' } } }));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    assert.notEqual(a, computeHash(template('v2')));
    assert.notEqual(a, computeHash(template('v1'), 1));
  });

  it('compares templates ignoring the hash label', () => {
    const labelled = { ...template('v1'), metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } } };
    assert.equal(equalIgnoreHash(labelled, template('v1')), true);
    assert.equal(equalIgnoreHash(labelled, template('v2')), false);
  });
});

describe('rolling update arithmetic', () => {
  it('grows the new ReplicaSet up to replicas + maxSurge', () => {
    const d = deployment(10, 3, 2);
    const old = rs('old', 10);
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
    assert.equal(newRSNewReplicas(d, [rs('o', 8), fresh], fresh), 5);
    assert.equal(newRSNewReplicas(d, [rs('o', 0), rs('n', 10)], rs('n2', 10)), 10);
  });

  it('scales old ReplicaSets down only as far as availability allows, unhealthy first', () => {
    const d = deployment(10, 3, 2);
    const old = rs('old', 10);
    const fresh = rs('new', 3, 0);
    assert.deepEqual([...rollingScaleDownPlan(d, fresh, [old]).values()], [8]);
    const unhealthy = rs('unhealthy', 2, 0);
    const healthy = rs('healthy', 10);
    const plan = rollingScaleDownPlan(d, rs('n', 1, 1), [unhealthy, healthy]);
    // 13 pods, 8 must stay available: the 2 unhealthy go, then 3 of the 11 available.
    assert.equal(plan.get(unhealthy), 0);
    assert.equal(plan.get(healthy), 7);
  });

  it('spreads a resize proportionally (the upstream example: 8 + 5 of 13 → 14 + 9 of 23)', () => {
    const d = deployment(20, 3, 2);
    const old = rs('old', 8, 8, { 'deployment.kubernetes.io/max-replicas': '13' });
    const fresh = rs('new', 5, 0, { 'deployment.kubernetes.io/max-replicas': '13' });
    const sizes = proportionalSizes(d, [old, fresh]);
    assert.equal(sizes.get(old), 14);
    assert.equal(sizes.get(fresh), 9);
    const down = proportionalSizes(deployment(5, 3, 2), [old, fresh]);
    assert.equal(down.get(old)! + down.get(fresh)!, 8);
  });

  it('finds the only active ReplicaSet, or the newest when none is active', () => {
    const a = rs('a', 0);
    const b = rs('b', 0);
    assert.equal(findActiveOrLatest(undefined, [a, b]), b);
    const c = rs('c', 2);
    assert.equal(findActiveOrLatest(undefined, [a, c]), c);
    assert.equal(findActiveOrLatest(rs('n', 1), [c]), undefined);
  });
});

describe('annotations and history', () => {
  it('raises the revision and remembers the old one', () => {
    const d = deployment(3);
    d.metadata!.annotations = { team: 'x', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const set = rs('s', 0, 0, { 'deployment.kubernetes.io/revision': '1' });
    assert.equal(setNewReplicaSetAnnotations(d, set, 3, true), true);
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/revision'], '3');
    assert.equal(set.metadata!.annotations!['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(set.metadata!.annotations!['team'], 'x');
    assert.equal(set.metadata!.annotations!['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    assert.equal(setNewReplicaSetAnnotations(d, set, 3, true), false, 'nothing more to change');
    const created = rs('n', 0, 0);
    setNewReplicaSetAnnotations(d, created, 1, false);
    assert.equal(created.metadata!.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(created.metadata!.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  });

  it('cleans up empty old ReplicaSets beyond revisionHistoryLimit, oldest revision first', () => {
    const d = deployment(3, 1, 1, { revisionHistoryLimit: 1 });
    const r1 = rs('r1', 0, 0, { 'deployment.kubernetes.io/revision': '1' });
    const r2 = rs('r2', 0, 0, { 'deployment.kubernetes.io/revision': '2' });
    const r3 = rs('r3', 1, 1, { 'deployment.kubernetes.io/revision': '3' });
    assert.deepEqual(replicaSetsToCleanUp(d, [r3, r2, r1]).map((x) => x.metadata?.name), ['r1', 'r2']);
    // Over the limit but still running: kept until empty.
    assert.deepEqual(replicaSetsToCleanUp(d, [r3, rs('r4', 0, 0, { 'deployment.kubernetes.io/revision': '4' })]).map((x) => x.metadata?.name), []);
  });
});

describe('rollout conditions', () => {
  it('reports progress, completion, and a missed deadline', () => {
    const d = deployment(2, 1, 1, { progressDeadlineSeconds: 10 });
    const fresh = rs('new', 2, 1);
    const progressing = rolloutStatus([fresh], fresh, d, NOW);
    const cond = (s: typeof progressing, t: string) => s.conditions?.find((c) => c.type === t);
    assert.equal(cond(progressing, 'Progressing')?.reason, 'ReplicaSetUpdated');
    assert.equal(cond(progressing, 'Available')?.reason, 'MinimumReplicasAvailable');
    // No progress for longer than the deadline.
    const later = new Date(NOW.getTime() + 11_000);
    const stalled = rolloutStatus([fresh], fresh, { ...d, status: progressing }, later);
    assert.equal(cond(stalled, 'Progressing')?.reason, 'ProgressDeadlineExceeded');
    assert.equal(cond(stalled, 'Progressing')?.status, 'False');
    const done = rolloutStatus([rs('new', 2, 2)], rs('new', 2, 2), { ...d, status: progressing }, later);
    assert.equal(cond(done, 'Progressing')?.reason, 'NewReplicaSetAvailable');
    assert.equal(cond(done, 'Progressing')?.message, 'ReplicaSet "new" has successfully progressed.');
  });
});
