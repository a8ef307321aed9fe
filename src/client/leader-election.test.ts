import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import { FakeClock } from '../util/clock-fake.js';
import { silentLogger } from '../util/logger.js';
import { Client } from './client.js';
import { FakeTransport, statusResponse } from './fake-transport.js';
import { LeaderElector, decide, leaseValid, nextRecord, type Observation } from './leader-election.js';
import type { LeaderElectionRecord } from './lease-lock.js';

const LEASE = '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/test';

const record = (holder: string, extra: Partial<LeaderElectionRecord> = {}): LeaderElectionRecord => ({
  holderIdentity: holder,
  leaseDurationSeconds: 15,
  acquireTime: 0,
  renewTime: 0,
  leaderTransitions: 0,
  ...extra,
});

describe('leader election decisions', () => {
  const observedAt = (r: LeaderElectionRecord, time: number): Observation => ({ record: r, time });

  it('creates a missing lease, renews its own, waits on a valid one, takes over an expired or released one', () => {
    const other = record('b');
    assert.equal(decide({ record: undefined, time: 0 }, undefined, 'a', 0), 'create');
    assert.equal(decide(observedAt(record('a'), 0), record('a'), 'a', 1), 'renew');
    assert.equal(decide(observedAt(other, 1000), other, 'a', 15_999), 'wait');
    assert.equal(decide(observedAt(other, 1000), other, 'a', 16_000), 'takeover');
    assert.equal(decide(observedAt(record(''), 1000), record(''), 'a', 1001), 'takeover');
  });

  it('counts expiry from the local observation, not the holder’s renewTime', () => {
    // A renewTime far in the past (or a skewed clock) does not shorten the wait.
    const stale = record('b', { renewTime: 0 });
    assert.equal(leaseValid({ record: stale, time: 1_000_000 }, 1_000_001), true);
  });

  it('keeps acquireTime when renewing and counts transitions when taking over', () => {
    const current = record('b', { acquireTime: 5, leaderTransitions: 3 });
    assert.deepEqual(nextRecord('takeover', current, 'a', 100, 15_000), record('a', { acquireTime: 100, renewTime: 100, leaderTransitions: 4 }));
    assert.deepEqual(nextRecord('renew', record('a', { acquireTime: 5, leaderTransitions: 3 }), 'a', 100, 15_000), record('a', { acquireTime: 5, renewTime: 100, leaderTransitions: 3 }));
  });
});

function candidate(fake: FakeTransport, clock: FakeClock, identity: string, events: string[]) {
  const elector = new LeaderElector({
    client: new Client(fake),
    namespace: 'kube-system',
    name: 'test',
    identity,
    clock,
    logger: silentLogger,
    random: () => 0,
    onStartedLeading: () => void events.push(`${identity} started`),
    onStoppedLeading: () => void events.push(`${identity} stopped`),
  });
  return elector;
}

const holder = (fake: FakeTransport) => (fake.stored(LEASE)?.['spec'] as { holderIdentity?: string } | undefined)?.holderIdentity;

describe('LeaderElector', () => {
  it('one leads, the other waits; on release the other takes over', async () => {
    const fake = new FakeTransport();
    const clock = new FakeClock();
    const events: string[] = [];
    const a = candidate(fake, clock, 'a', events);
    const b = candidate(fake, clock, 'b', events);
    const runA = a.run();
    await clock.settle();
    const runB = b.run();
    for (let t = 0; t < 30; t++) {
      await clock.advance(1000);
      assert.ok(!(a.isLeader() && b.isLeader()));
    }
    assert.equal(a.isLeader(), true);
    assert.equal(b.isLeader(), false);
    assert.equal(b.getLeader(), 'a');
    assert.equal(holder(fake), 'a');
    await a.stop();
    await runA;
    assert.equal(holder(fake), '', 'released');
    await clock.advance(2000);
    assert.equal(b.isLeader(), true);
    assert.equal(holder(fake), 'b');
    assert.equal((fake.stored(LEASE)?.['spec'] as { leaseTransitions: number }).leaseTransitions, 1);
    await b.stop();
    await runB;
    assert.deepEqual(events, ['a started', 'a stopped', 'b started', 'b stopped']);
  });

  it('a leader that cannot renew steps down within the renew deadline, before anyone may take over', async () => {
    const fake = new FakeTransport();
    const clock = new FakeClock();
    const events: string[] = [];
    const a = candidate(fake, clock, 'a', events);
    void a.run();
    await clock.advance(100);
    assert.equal(a.isLeader(), true);
    const b = candidate(fake, clock, 'b', events);
    void b.run();
    await clock.advance(100);
    // a is cut off from the API server: every write of a fails from now on.
    fake.intercept = (req) => (req.method === 'PUT' && (req.body as { spec: { holderIdentity: string } }).spec.holderIdentity === 'a' ? statusResponse(new ApiError(503, 'ServiceUnavailable', 'down')) : undefined);
    const cutAt = clock.now();
    let aStoppedAt = 0;
    let bStartedAt = 0;
    for (let t = 0; t < 40_000 && !bStartedAt; t += 250) {
      await clock.advance(250);
      assert.ok(!(a.isLeader() && b.isLeader()), `both leading at +${clock.now() - cutAt} ms`);
      if (!aStoppedAt && !a.isLeader()) aStoppedAt = clock.now();
      if (b.isLeader()) bStartedAt = clock.now();
    }
    assert.ok(aStoppedAt - cutAt <= 12_000, `a stepped down after ${aStoppedAt - cutAt} ms`);
    assert.ok(bStartedAt > aStoppedAt);
    assert.ok(bStartedAt - cutAt >= 15_000 - 2_000, 'b waited out the lease it observed');
    assert.deepEqual(events, ['a started', 'a stopped', 'b started']);
    await b.stop();
  });

  it('is fenced by resourceVersion: two candidates writing from the same read cannot both acquire', async () => {
    const fake = new FakeTransport();
    const clock = new FakeClock();
    const client = new Client(fake);
    await client.create({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true }, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'test', namespace: 'kube-system' },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 15, renewTime: '2020-01-01T00:00:00.000000Z', acquireTime: '2020-01-01T00:00:00.000000Z', leaseTransitions: 0 },
    });
    // Hold writes until both candidates have sent theirs, so both are based on one read.
    const held: (() => void)[] = [];
    fake.intercept = async (req) => {
      if (req.method !== 'PUT') return undefined;
      await new Promise<void>((resolve) => {
        held.push(resolve);
        if (held.length === 2) for (const r of held.splice(0)) r();
      });
      return undefined;
    };
    const events: string[] = [];
    const a = candidate(fake, clock, 'a', events);
    const b = candidate(fake, clock, 'b', events);
    void a.run();
    void b.run();
    await clock.advance(100);
    assert.equal(a.isLeader() || b.isLeader(), false, 'the ghost’s lease is valid until observed expired');
    await clock.advance(16_000);
    const results = [a.isLeader() ? 'a' : '', b.isLeader() ? 'b' : ''].filter(Boolean);
    assert.equal(results.length, 1, `leaders: ${results.join(',')}`);
    const puts = fake.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    assert.equal(puts[0], puts[1], 'both wrote over the same resourceVersion');
    fake.intercept = undefined;
    await a.stop();
    await b.stop();
  });
});
