import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../../api/object.js';
import type { StoreHooks } from '../registry/store-hooks.js';
import { chainHooks } from './chain.js';

const obj = () => ({ metadata: { name: 'x' } }) as StoredObject;

describe('chainHooks', () => {
  it('runs every mutating step before any validating one, in order', async () => {
    const seen: string[] = [];
    const step = (name: string): StoreHooks => ({
      mutateCreate: async () => void seen.push(`mutate ${name}`),
      beforeCreate: async () => {
        seen.push(`validate ${name}`);
        return async () => void seen.push(`undo ${name}`);
      },
    });
    const chained = chainHooks([step('a'), step('b')]);
    const o = obj();
    await chained.mutateCreate!(o, false);
    const undo = await chained.beforeCreate!(o, false);
    assert.deepEqual(seen, ['mutate a', 'mutate b', 'validate a', 'validate b']);
    await undo();
    assert.deepEqual(seen.slice(4), ['undo b', 'undo a']);
  });

  it('undoes the steps that ran when a later one refuses', async () => {
    const undone: string[] = [];
    const chained = chainHooks([
      { beforeCreate: async () => async () => void undone.push('a') },
      { allocates: true, beforeCreate: async () => async () => void undone.push('b') },
      {
        beforeCreate: async () => {
          throw new Error('refused');
        },
      },
    ]);
    assert.equal(chained.allocates, true);
    await assert.rejects(chained.beforeCreate!(obj(), false), /refused/);
    assert.deepEqual(undone, ['b', 'a']);
  });
});
