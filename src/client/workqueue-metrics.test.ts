import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FakeClock } from '../util/clock-fake.js';
import { defaultControllerRateLimiter } from './rate-limiter.js';
import { WorkQueue } from './work-queue.js';
import { WorkQueueMetrics } from './workqueue-metrics.js';

const sample = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  assert.ok(found, `no sample ${line} in:\n${text}`);
  return Number(found.slice(line.length + 1));
};

it('records adds, waits, work, retries and live figures under the queue name as client-go does', async () => {
  const clock = new FakeClock(0);
  const metrics = new WorkQueueMetrics();
  const q = new WorkQueue<string>({ clock, rateLimiter: defaultControllerRateLimiter(clock) });
  q.instrument(metrics.stats('deployment'));
  q.add('a');
  q.add('a'); // already waiting: not an add
  q.add('b');
  await clock.advance(2000);
  const got = await q.get();
  assert.equal(got.shutdown ? undefined : got.item, 'a');
  await clock.advance(500);
  let text = metrics.render();
  assert.equal(sample(text, 'workqueue_adds_total{name="deployment"}'), 2);
  assert.equal(sample(text, 'workqueue_depth{name="deployment"}'), 1);
  assert.equal(sample(text, 'workqueue_unfinished_work_seconds{name="deployment"}'), 0.5);
  assert.equal(sample(text, 'workqueue_longest_running_processor_seconds{name="deployment"}'), 0.5);
  // 'a' waited 2 s: in the 10 s bucket, not the 1 s one.
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_bucket{name="deployment",le="1"}'), 0);
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_bucket{name="deployment",le="10"}'), 1);
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_sum{name="deployment"}'), 2);
  assert.equal(sample(text, 'workqueue_queue_duration_seconds_count{name="deployment"}'), 1);
  q.addRateLimited('a');
  q.done('a');
  text = metrics.render();
  assert.equal(sample(text, 'workqueue_retries_total{name="deployment"}'), 1);
  assert.equal(sample(text, 'workqueue_work_duration_seconds_count{name="deployment"}'), 1);
  assert.equal(sample(text, 'workqueue_work_duration_seconds_sum{name="deployment"}'), 0.5);
  assert.equal(sample(text, 'workqueue_work_duration_seconds_bucket{name="deployment",le="+Inf"}'), 1);
  assert.equal(sample(text, 'workqueue_unfinished_work_seconds{name="deployment"}'), 0);
  assert.match(text, /^# TYPE workqueue_queue_duration_seconds histogram$/m);
  assert.match(text, /^# TYPE workqueue_adds_total counter$/m);
  // Uninstrumented, the queue no longer reports; the counters stay (they never go down).
  q.uninstrument();
  q.add('c');
  text = metrics.render();
  assert.equal(sample(text, 'workqueue_depth{name="deployment"}'), 0);
  assert.equal(sample(text, 'workqueue_adds_total{name="deployment"}'), 2);
});

it('renders nothing before any queue is named, and escapes label values', () => {
  const metrics = new WorkQueueMetrics();
  assert.equal(metrics.render(), '');
  metrics.stats('odd "name"\\');
  assert.match(metrics.render(), /workqueue_adds_total\{name="odd \\"name\\"\\\\"\} 0/);
});
