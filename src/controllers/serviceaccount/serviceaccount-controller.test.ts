import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingServiceAccounts } from './serviceaccount-controller.js';

describe('missingServiceAccounts', () => {
  it('wants default in an active namespace that lacks it', () => {
    assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Active' } }, [], ['default']), ['default']);
    assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' } }, ['default', 'builder'], ['default']), []);
  });
  it('creates nothing in a namespace that is gone or terminating', () => {
    assert.deepEqual(missingServiceAccounts(undefined, [], ['default']), []);
    assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a', deletionTimestamp: '2026-01-01T00:00:00Z' } }, [], ['default']), []);
    assert.deepEqual(missingServiceAccounts({ metadata: { name: 'a' }, status: { phase: 'Terminating' } }, [], ['default']), []);
  });
});
