import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RevisionHistory } from './compaction-policy.js';

test('nothing is compacted before the time window has passed', () => {
  const h = new RevisionHistory({ retainMs: 300_000, retainRevisions: 10 });
  h.record(0, 1000);
  assert.equal(h.compactionTarget(299_999, 50_000, 0), undefined);
});

test('the target keeps the larger of the two windows', () => {
  const h = new RevisionHistory({ retainMs: 300_000, retainRevisions: 10_000 });
  h.record(0, 5_000);
  h.record(60_000, 20_000);
  h.record(400_000, 30_000);
  // time window: revision 20,000 was current 5 minutes before t=400,000 → keep from there
  assert.equal(h.compactionTarget(400_000, 30_000, 0), 20_000);
  // revision window larger: 10,000 back from 25,000 is 15,000
  assert.equal(h.compactionTarget(400_000, 25_000, 0), 15_000);
  // never backwards
  assert.equal(h.compactionTarget(400_000, 30_000, 20_000), undefined);
});

test('old samples are dropped but the bound is kept', () => {
  const h = new RevisionHistory({ retainMs: 100, retainRevisions: 0 });
  for (let t = 0; t <= 1000; t += 10) h.record(t, t);
  assert.equal(h.compactionTarget(1000, 1000, 0), 900);
});
