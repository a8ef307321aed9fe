import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../object.js';
import { coreEventToEventsV1, eventsV1EventToCore } from './event.js';

const core = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web.1', namespace: 'default' },
  involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
  reason: 'Scheduled',
  message: 'Successfully assigned default/web to node-1',
  source: { component: 'default-scheduler' },
  firstTimestamp: '2026-11-28T00:00:00Z',
  lastTimestamp: '2026-11-28T00:01:00Z',
  count: 2,
  type: 'Normal',
  eventTime: null,
  reportingComponent: 'default-scheduler',
  reportingInstance: 'skiff',
} as unknown as KubeObject;

describe('Event conversion', () => {
  it('renames core fields to the events.k8s.io names', () => {
    const e = coreEventToEventsV1(core) as Record<string, unknown>;
    assert.equal(e['apiVersion'], 'events.k8s.io/v1');
    assert.deepEqual(e['regarding'], { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' });
    assert.equal(e['note'], 'Successfully assigned default/web to node-1');
    assert.deepEqual(e['deprecatedSource'], { component: 'default-scheduler' });
    assert.equal(e['deprecatedFirstTimestamp'], '2026-11-28T00:00:00Z');
    assert.equal(e['deprecatedLastTimestamp'], '2026-11-28T00:01:00Z');
    assert.equal(e['deprecatedCount'], 2);
    assert.equal(e['reportingController'], 'default-scheduler');
    assert.equal(e['reportingInstance'], 'skiff');
    assert.equal(e['reason'], 'Scheduled');
    for (const gone of ['involvedObject', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'reportingComponent']) assert.equal(gone in e, false, gone);
  });

  it('round-trips both ways without loss, and leaves the input alone', () => {
    const before = JSON.stringify(core);
    assert.deepEqual(eventsV1EventToCore(coreEventToEventsV1(core)), core);
    assert.equal(JSON.stringify(core), before);
    const events = coreEventToEventsV1(core);
    assert.deepEqual(coreEventToEventsV1(eventsV1EventToCore(events)), events);
  });
});
