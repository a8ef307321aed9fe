import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { FakeClock } from '../util/clock-fake.js';
import { makePod } from '../../test/support/scheduler-fixtures.js';
import { SchedulingQueue } from './queue.js';

const events = new Map<string, readonly string[]>([
  ['NodeResourcesFit', ['Node/Add', 'Node/UpdateAllocatable', 'Pod/Delete']],
  ['TaintToleration', ['Node/Add', 'Node/UpdateTaint']],
]);

function newQueue(clock = new FakeClock()) {
  const queue = new SchedulingQueue({ clock, pluginEvents: events });
  queue.run();
  return { queue, clock };
}

const withPriority = (pod: Pod, priority: number): Pod => ({ ...pod, spec: { ...pod.spec!, priority } });

/** Pops until the queue would wait; names in order. */
async function drain(queue: SchedulingQueue): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    if (queue.counts.active === 0) return out;
    const q = await queue.pop();
    out.push(q!.pod.metadata!.name!);
    queue.done(q!.key);
  }
}

describe('SchedulingQueue', () => {
  it('pops by priority, then creation time', async () => {
    const { queue } = newQueue();
    const old = makePod('old');
    const young = makePod('young');
    queue.add(young);
    queue.add(old);
    queue.add(withPriority(makePod('urgent'), 1000));
    assert.deepEqual(await drain(queue), ['urgent', 'old', 'young']);
    queue.close();
  });

  it('parks an unschedulable pod until an event a rejecting plugin cares about', async () => {
    const { queue, clock } = newQueue();
    queue.add(makePod('p'));
    const q = (await queue.pop())!;
    queue.addUnschedulable(q, queue.cycle, new Set(['NodeResourcesFit']));
    assert.equal(queue.counts.unschedulable, 1);
    queue.moveOnEvent('Node/UpdateTaint');
    assert.equal(queue.counts.unschedulable, 1, 'an event no rejecting plugin cares about does not move it');
    await clock.advance(2_000);
    queue.moveOnEvent('Node/Add');
    assert.equal(queue.counts.unschedulable, 0);
    // Its 1 s backoff has passed, so it is active again at once.
    assert.equal(queue.counts.active, 1);
    queue.close();
  });

  it('backs off 1 s doubling per attempt up to 10 s', async () => {
    const { queue, clock } = newQueue();
    queue.add(makePod('p'));
    const seen: number[] = [];
    let q = (await queue.pop())!;
    for (let attempt = 1; attempt <= 6; attempt++) {
      const failedAt = clock.now();
      queue.addBackoff(q);
      let waited = 0;
      while (queue.counts.active === 0) {
        await clock.advance(500);
        waited += 500;
      }
      seen.push(Math.ceil(waited / 1000) * 1000);
      assert.ok(clock.now() - failedAt >= Math.min(1000 * 2 ** (attempt - 1), 10_000));
      q = (await queue.pop())!;
    }
    assert.deepEqual(seen, [1000, 2000, 4000, 8000, 10000, 10000]);
    queue.close();
  });

  it('sends a pod that failed while an event arrived to backoff, not to the unschedulable set', async () => {
    const { queue } = newQueue();
    queue.add(makePod('p'));
    const q = (await queue.pop())!;
    const cycle = queue.cycle;
    queue.moveOnEvent('Node/Add');
    queue.addUnschedulable(q, cycle, new Set(['NodeResourcesFit']));
    assert.equal(queue.counts.unschedulable, 0);
    assert.equal(queue.counts.backoff, 1);
    queue.close();
  });

  it('flushes pods unschedulable for 5 minutes', async () => {
    const { queue, clock } = newQueue();
    queue.add(makePod('p'));
    const q = (await queue.pop())!;
    queue.addUnschedulable(q, queue.cycle, new Set(['TaintToleration']));
    await clock.advance(4 * 60_000);
    assert.equal(queue.counts.unschedulable, 1);
    await clock.advance(90_000);
    assert.equal(queue.counts.unschedulable, 0);
    assert.equal(queue.counts.active, 1);
    queue.close();
  });

  it('retries a parked pod whose spec changed, ignores status-only updates, and drops deleted ones', async () => {
    const { queue, clock } = newQueue();
    const pod = makePod('p');
    queue.add(pod);
    const q = (await queue.pop())!;
    queue.addUnschedulable(q, queue.cycle, new Set(['TaintToleration']));
    await clock.advance(2_000);
    queue.update(pod, { ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } });
    assert.equal(queue.counts.unschedulable, 1);
    const tolerating = { ...pod, spec: { ...pod.spec!, tolerations: [{ operator: 'Exists' }] } };
    queue.update(pod, tolerating);
    assert.equal(queue.counts.active, 1);
    queue.delete(tolerating);
    assert.equal(queue.counts.active, 0);
    queue.close();
  });

  it('holds gated pods until their last gate is removed', async () => {
    const { queue } = newQueue();
    const gated = makePod('g', { schedulingGates: [{ name: 'example.com/wait' }] });
    queue.add(gated);
    assert.deepEqual(queue.counts, { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    queue.update(gated, { ...gated, spec: { ...gated.spec!, schedulingGates: [] } });
    assert.deepEqual(await drain(queue), ['g']);
    queue.close();
  });

  it('pop waits for a pod and resolves undefined once closed', async () => {
    const { queue } = newQueue();
    const waiting = queue.pop();
    queue.add(makePod('late'));
    assert.equal((await waiting)?.pod.metadata?.name, 'late');
    const pending = queue.pop();
    queue.close();
    assert.equal(await pending, undefined);
  });
});
