import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deletionFinalizers } from './generic-store.js';

describe('deletionFinalizers (garbage-collection finalizers on delete)', () => {
  it('an explicit policy wins and the two never stand together', () => {
    assert.deepEqual(deletionFinalizers([], 'Orphan', false), ['orphan']);
    assert.deepEqual(deletionFinalizers([], 'Foreground', false), ['foregroundDeletion']);
    assert.deepEqual(deletionFinalizers([], 'Background', true), []);
    assert.deepEqual(deletionFinalizers(['example.com/keep', 'orphan'], 'Foreground', false), ['example.com/keep', 'foregroundDeletion']);
    assert.deepEqual(deletionFinalizers(['foregroundDeletion'], 'Orphan', false), ['orphan']);
    assert.deepEqual(deletionFinalizers(['orphan', 'example.com/keep'], 'Background', false), ['example.com/keep']);
  });

  it('without a policy: what an earlier delete left, else the kind default', () => {
    assert.deepEqual(deletionFinalizers([], undefined, false), []);
    assert.deepEqual(deletionFinalizers([], undefined, true), ['orphan']);
    assert.deepEqual(deletionFinalizers(['foregroundDeletion'], undefined, true), ['foregroundDeletion']);
    assert.deepEqual(deletionFinalizers(['a', 'orphan', 'b'], undefined, false), ['a', 'orphan', 'b']);
  });
});
