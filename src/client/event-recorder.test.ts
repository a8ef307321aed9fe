import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../util/clock-fake.js';
import { silentLogger } from '../util/logger.js';
import { Client } from './client.js';
import { FakeTransport } from './fake-transport.js';
import { EventRecorder } from './event-recorder.js';
import { RESOURCE_TYPES } from './resource.js';
import type { KubeObject } from '../api/object.js';

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1', resourceVersion: '7' } };

function setup() {
  const fake = new FakeTransport();
  const client = new Client(fake);
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 12, 0, 0));
  const recorder = new EventRecorder(client, { component: 'default-scheduler', host: 'node-a' }, { clock, logger: silentLogger });
  const events = async () => (await client.list(RESOURCE_TYPES.events, { namespace: 'prod' })).items as unknown as Record<string, any>[];
  return { fake, clock, recorder, events };
}

describe('EventRecorder', () => {
  it('writes a core/v1 Event named <object>.<hex nanoseconds> with source, reference and timestamps', async () => {
    const { clock, recorder, events } = setup();
    recorder.event(pod, 'Normal', 'Scheduled', 'Successfully assigned prod/web-1 to node-a');
    await recorder.flush();
    const [e] = await events();
    assert.equal(e!['metadata'].name, `web-1.${(BigInt(clock.now()) * 1_000_000n).toString(16)}`);
    assert.equal(e!['metadata'].namespace, 'prod');
    assert.deepEqual(e!['involvedObject'], { kind: 'Pod', name: 'web-1', namespace: 'prod', uid: 'u-1', apiVersion: 'v1', resourceVersion: '7' });
    assert.deepEqual(e!['source'], { component: 'default-scheduler', host: 'node-a' });
    assert.equal(e!['count'], 1);
    assert.equal(e!['firstTimestamp'], '2026-01-01T12:00:00Z');
    assert.equal(e!['lastTimestamp'], '2026-01-01T12:00:00Z');
    assert.equal(e!['type'], 'Normal');
    assert.equal(e!['reportingComponent'], 'default-scheduler');
  });

  it('de-duplicates: the same event again bumps count and lastTimestamp on the same object', async () => {
    const { fake, clock, recorder, events } = setup();
    for (let i = 0; i < 3; i++) {
      recorder.event(pod, 'Warning', 'FailedScheduling', '0/3 nodes are available: 3 Insufficient cpu.');
      await clock.advance(30_000);
    }
    await recorder.flush();
    const list = await events();
    assert.equal(list.length, 1);
    assert.equal(list[0]!['count'], 3);
    assert.equal(list[0]!['firstTimestamp'], '2026-01-01T12:00:00Z');
    assert.equal(list[0]!['lastTimestamp'], '2026-01-01T12:01:00Z');
    assert.deepEqual(fake.requests.filter((r) => r.path.includes('/events')).map((r) => r.method), ['POST', 'PATCH', 'PATCH', 'GET']);
  });

  it('a different message, reason or type is a different event', async () => {
    const { recorder, events } = setup();
    recorder.event(pod, 'Normal', 'Pulled', 'image a');
    recorder.event(pod, 'Normal', 'Pulled', 'image b');
    recorder.event(pod, 'Normal', 'Created', 'image a');
    recorder.event(pod, 'Warning', 'Pulled', 'image a');
    await recorder.flush();
    assert.equal((await events()).length, 4);
  });

  it('recreates an event whose object was deleted, keeping the count', async () => {
    const { fake, recorder, events } = setup();
    recorder.event(pod, 'Normal', 'Killing', 'Stopping container');
    await recorder.flush();
    const [first] = await events();
    await new Client(fake).delete(RESOURCE_TYPES.events, first!['metadata'].name, { namespace: 'prod' });
    recorder.event(pod, 'Normal', 'Killing', 'Stopping container');
    await recorder.flush();
    const list = await events();
    assert.equal(list.length, 1);
    assert.equal(list[0]!['count'], 2);
  });

  it('combines more than ten similar events with different messages', async () => {
    const { recorder, events } = setup();
    for (let i = 0; i < 12; i++) recorder.event(pod, 'Warning', 'BackOff', `attempt ${i}`);
    await recorder.flush();
    const list = await events();
    const combined = list.filter((e) => String(e['message']).startsWith('(combined from similar events): '));
    assert.equal(list.length - combined.length, 9);
    assert.equal(combined.length, 1);
    assert.equal(combined[0]!['count'], 3);
  });

  it('drops an object’s events past the spam burst of 25', async () => {
    const { recorder, events } = setup();
    for (let i = 0; i < 30; i++) recorder.event(pod, 'Normal', `Reason${i}`, 'm');
    await recorder.flush();
    assert.equal((await events()).length, 25);
  });

  it('retries failed writes on the clock and gives up after stop', async () => {
    const { fake, clock, recorder, events } = setup();
    let failures = 2;
    fake.intercept = (req) => {
      if (req.method === 'POST' && failures > 0) {
        failures--;
        throw new Error('connection reset');
      }
      return undefined;
    };
    recorder.event(pod, 'Normal', 'Started', 'Started container');
    await clock.advance(25_000);
    await recorder.flush();
    assert.equal((await events()).length, 1);
    await recorder.stop();
    recorder.event(pod, 'Normal', 'Ignored', 'after stop');
    await recorder.flush();
    assert.equal((await events()).length, 1);
  });
});
