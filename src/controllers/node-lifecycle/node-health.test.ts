import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { NodeHealthTracker, conditionsIfSilent, readyStatus } from './node-health.js';

const timings = { nodeMonitorGracePeriodMs: 50_000, nodeStartupGracePeriodMs: 60_000 };
const node = (heartbeat?: string, status = 'True'): Node => ({
  metadata: { name: 'n', creationTimestamp: '2026-01-01T00:00:00Z' },
  status: heartbeat ? { conditions: [{ type: 'Ready', status, lastHeartbeatTime: heartbeat, lastTransitionTime: heartbeat }] } : {},
});
const lease = (renewTime: string): Lease => ({ metadata: { name: 'n', namespace: 'kube-node-lease' }, spec: { renewTime } });

describe('NodeHealthTracker', () => {
  it('moves the probe time only when the heartbeat or the lease moves', () => {
    const t = new NodeHealthTracker();
    assert.equal(t.observe(node('2026-01-01T00:00:00Z'), lease('2026-01-01T00:00:00.000000Z'), 1000), 1000);
    assert.equal(t.observe(node('2026-01-01T00:00:00Z'), lease('2026-01-01T00:00:00.000000Z'), 2000), 1000);
    assert.equal(t.observe(node('2026-01-01T00:00:00Z'), lease('2026-01-01T00:00:10.000000Z'), 3000), 3000);
    assert.equal(t.observe(node('2026-01-01T00:00:20Z'), lease('2026-01-01T00:00:10.000000Z'), 4000), 4000);
    // An older lease (a stale cache) does not count.
    assert.equal(t.observe(node('2026-01-01T00:00:20Z'), lease('2026-01-01T00:00:05.000000Z'), 5000), 4000);
    t.resetAll(9000);
    assert.equal(t.observe(node('2026-01-01T00:00:20Z'), undefined, 9500), 9000);
  });
});

describe('conditionsIfSilent', () => {
  it('does nothing within the grace period', () => {
    assert.equal(conditionsIfSilent(node('2026-01-01T00:00:00Z'), 0, 50_000, 'now', timings), undefined);
  });

  it('sets monitored conditions Unknown after the grace period, keeping the heartbeat', () => {
    const conditions = conditionsIfSilent(node('2026-01-01T00:00:00Z'), 0, 50_001, '2026-01-01T00:01:00Z', timings)!;
    const ready = conditions.find((c) => c.type === 'Ready')!;
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, 'NodeStatusUnknown');
    assert.equal(ready.message, 'Kubelet stopped posting node status.');
    assert.equal(ready.lastHeartbeatTime, '2026-01-01T00:00:00Z');
    assert.equal(ready.lastTransitionTime, '2026-01-01T00:01:00Z');
    const memory = conditions.find((c) => c.type === 'MemoryPressure')!;
    assert.equal(memory.reason, 'NodeStatusNeverUpdated');
    assert.deepEqual(conditions.map((c) => c.type).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
    // Already Unknown everywhere: nothing to write.
    assert.equal(conditionsIfSilent({ ...node(), status: { conditions } }, 0, 100_000, 'later', timings), undefined);
  });

  it('gives a node that never posted status the startup grace period', () => {
    assert.equal(conditionsIfSilent(node(), 0, 55_000, 'now', timings), undefined);
    const conditions = conditionsIfSilent(node(), 0, 60_001, 'now', timings)!;
    assert.equal(conditions.find((c) => c.type === 'Ready')?.reason, 'NodeStatusNeverUpdated');
    assert.equal(readyStatus(node()), 'Unknown');
  });
});
