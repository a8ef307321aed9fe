import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestDeadlines } from './deadlines.js';

const expired = () => new Error('deadline passed');

describe('RequestDeadlines', () => {
  it('settles as the work does, and forgets it', async () => {
    const deadlines = new RequestDeadlines(10);
    await deadlines.race(Promise.resolve(), 1000, expired);
    await assert.rejects(deadlines.race(Promise.reject(new Error('refused')), 1000, expired), /refused/);
    assert.equal(deadlines.size, 0);
  });

  it('rejects work that outlives its deadline, and only that work', async () => {
    const deadlines = new RequestDeadlines(10);
    let finish!: () => void;
    const slow = deadlines.race(new Promise<void>(() => {}), 30, expired);
    const quick = deadlines.race(new Promise<void>((r) => (finish = r)), 5_000, expired);
    const started = performance.now();
    await assert.rejects(slow, /deadline passed/);
    const took = performance.now() - started;
    assert.ok(took >= 25 && took < 1000, `expired after ${took} ms`);
    assert.equal(deadlines.size, 1);
    finish();
    await quick;
    assert.equal(deadlines.size, 0);
  });
});
