import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailedPodBackoff } from './failed-pod-backoff.js';

describe('failed daemon pod backoff', () => {
  it('lets the first failure through, then doubles the wait per node', () => {
    let now = 0;
    const b = new FailedPodBackoff(() => now, 1000, 4000);
    assert.equal(b.attempt('n1'), undefined);
    assert.equal(b.attempt('n2'), undefined, 'nodes back off independently');
    now = 400;
    assert.equal(b.attempt('n1'), 600);
    now = 1000;
    assert.equal(b.attempt('n1'), undefined);
    now = 2500;
    assert.equal(b.attempt('n1'), 500, 'the wait doubled to 2 s');
    now = 3000;
    assert.equal(b.attempt('n1'), undefined);
    now = 6999;
    assert.equal(b.attempt('n1'), 1, 'capped at the maximum');
    now = 3000 + 8001 + 1;
    assert.equal(b.attempt('n1'), undefined);
    now += 1;
    assert.equal(b.attempt('n1'), 999, 'a long quiet spell starts over');
  });
});
