import assert from 'node:assert/strict';
import { it } from 'node:test';
import { settleLimited } from './settle-limited.js';

it('settleLimited keeps at most `limit` in flight and settles in item order', async () => {
  let inFlight = 0;
  let peak = 0;
  const results = await settleLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, 8 - n));
    inFlight--;
    if (n === 4) throw new Error('four');
    return n * 10;
  });
  assert.equal(peak, 3);
  assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [10, 20, 30, 'four', 50, 60, 70]);
});
