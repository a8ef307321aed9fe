import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PersistentVolume } from 'kubernetes-types/core/v1.js';
import { AssumeCache } from './assume-cache.js';

const pv = (name: string, rv: string, claim?: string): PersistentVolume => ({ metadata: { name, resourceVersion: rv }, spec: claim ? { claimRef: { name: claim } } : {} });

test('an assumed version stands until the informer has a newer one, the object goes, or it is restored', () => {
  const store = new Map<string, PersistentVolume>([['a', pv('a', '5')], ['b', pv('b', '5')]]);
  const cache = new AssumeCache<PersistentVolume>((k) => store.get(k), () => [...store.values()], (o) => o.metadata!.name!);
  cache.assume(pv('a', '5', 'c1'));
  assert.equal(cache.lookup('a')?.spec?.claimRef?.name, 'c1');
  assert.deepEqual(cache.all().map((o) => o.spec?.claimRef?.name), ['c1', undefined]);
  store.set('a', pv('a', '5'));
  assert.equal(cache.lookup('a')?.spec?.claimRef?.name, 'c1', 'same version: the assumption holds');
  store.set('a', pv('a', '6', 'c2'));
  assert.equal(cache.lookup('a')?.spec?.claimRef?.name, 'c2');
  assert.equal(cache.size, 0);
  cache.assume(pv('b', '5', 'c3'));
  cache.restore('b');
  assert.equal(cache.lookup('b')?.spec?.claimRef, undefined);
  cache.assume(pv('b', '5', 'c3'));
  store.delete('b');
  assert.equal(cache.lookup('b'), undefined);
});
