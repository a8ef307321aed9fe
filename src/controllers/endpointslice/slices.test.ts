import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { desiredGroups, reconcileSlices } from './slices.js';
import { SliceTracker } from './slice-tracker.js';

const service: Service = { metadata: { name: 'web', namespace: 'ns', uid: 'svc-uid' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };

function pod(i: number, opts: { ready?: boolean; terminating?: boolean } = {}): Pod {
  return {
    metadata: { name: `p${i}`, namespace: 'ns', uid: `uid-${i}`, ...(opts.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'c' }] },
    status: { podIP: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

/** Applies changes the way the API server would, naming created slices. */
function apply(existing: EndpointSlice[], changes: ReturnType<typeof reconcileSlices>): EndpointSlice[] {
  let n = existing.length;
  const deleted = new Set(changes.delete);
  const updated = new Map(changes.update.map((s) => [s.metadata?.name, s]));
  return [...existing.filter((s) => !deleted.has(s)).map((s) => updated.get(s.metadata?.name) ?? s), ...changes.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `web-${n++}` } }))];
}

describe('endpoint slices', () => {
  it('sets ready, serving and terminating as upstream', () => {
    const [group] = [...desiredGroups(service, [pod(1), pod(2, { ready: false }), pod(3, { terminating: true })]).values()];
    assert.deepEqual(group!.endpoints.map((e) => [e.targetRef?.name, e.conditions]), [
      ['p1', { ready: true, serving: true, terminating: false }],
      ['p2', { ready: false, serving: false, terminating: false }],
      ['p3', { ready: false, serving: true, terminating: true }],
    ]);
  });

  it('fills slices up to 100, keeps endpoints where they are, and leaves a settled state alone', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    let slices = apply([], reconcileSlices(service, [], desiredGroups(service, pods)));
    assert.deepEqual(slices.map((s) => s.endpoints.length), [100, 100, 50]);
    assert.deepEqual(reconcileSlices(service, slices, desiredGroups(service, pods)), { create: [], update: [], delete: [] });
    // Ten pods go from the first slice, five come: the newcomers fill the slice with room.
    const next = [...pods.slice(10), ...Array.from({ length: 5 }, (_, i) => pod(300 + i))];
    const changes = reconcileSlices(service, slices, desiredGroups(service, next));
    assert.equal(changes.create.length, 0);
    slices = apply(slices, changes);
    assert.equal(slices.reduce((n, s) => n + s.endpoints.length, 0), 245);
    assert.ok(slices.every((s) => s.endpoints.length <= 100));
    assert.equal(slices.find((s) => s.metadata?.name === 'web-1')!.endpoints.length, 100, 'an untouched slice stays as it was');
  });

  it('keeps one placeholder slice for a service without endpoints and replaces slices of an older service', () => {
    const stale: EndpointSlice = { metadata: { name: 'web-old', ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'old' }] }, addressType: 'IPv4', endpoints: [] };
    const changes = reconcileSlices(service, [stale], desiredGroups(service, []));
    assert.deepEqual(changes.delete, [stale]);
    assert.equal(changes.create.length, 1);
    assert.deepEqual(changes.create[0]!.endpoints, []);
    assert.equal(changes.create[0]!.metadata?.labels?.['kubernetes.io/service-name'], 'web');
    const placeholder = apply([], changes);
    assert.deepEqual(reconcileSlices(service, placeholder, desiredGroups(service, [])), { create: [], update: [], delete: [] });
  });
});

describe('SliceTracker', () => {
  it('is stale until the cache shows our writes, and forgets them after the TTL', () => {
    let now = 0;
    const tracker = new SliceTracker(() => now);
    const cache = new Map<string, EndpointSlice>();
    tracker.wrote('ns/web', { metadata: { name: 'web-a', resourceVersion: '7' }, addressType: 'IPv4', endpoints: [] });
    assert.equal(tracker.stale('ns/web', (n) => cache.get(n)), true);
    cache.set('web-a', { metadata: { name: 'web-a', resourceVersion: '7' }, addressType: 'IPv4', endpoints: [] });
    assert.equal(tracker.stale('ns/web', (n) => cache.get(n)), false);
    tracker.deleted('ns/web', { metadata: { name: 'web-a', uid: 'u' }, addressType: 'IPv4', endpoints: [] });
    cache.set('web-a', { metadata: { name: 'web-a', uid: 'u' }, addressType: 'IPv4', endpoints: [] });
    assert.equal(tracker.stale('ns/web', (n) => cache.get(n)), true);
    now += 60_000;
    assert.equal(tracker.stale('ns/web', (n) => cache.get(n)), false);
  });
});
