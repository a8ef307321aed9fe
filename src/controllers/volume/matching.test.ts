import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { findBestMatchForClaim, matchingAccessModeSets, volumeUnsuitableForClaim } from './matching.js';

function pv(name: string, storage: string, o: { modes?: string[]; cls?: string; phase?: string; mode?: string; labels?: Record<string, string>; claimRef?: { namespace: string; name: string; uid?: string }; deleting?: boolean } = {}): PersistentVolume {
  return {
    metadata: { name, ...(o.labels ? { labels: o.labels } : {}), ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { capacity: { storage }, accessModes: o.modes ?? ['ReadWriteOnce'], storageClassName: o.cls ?? 'c', volumeMode: o.mode ?? 'Filesystem', ...(o.claimRef ? { claimRef: o.claimRef } : {}) },
    status: { phase: o.phase ?? 'Available' },
  };
}

function pvc(storage: string, o: { modes?: string[]; cls?: string; mode?: string; selector?: Record<string, string> } = {}): PersistentVolumeClaim {
  return {
    metadata: { name: 'claim', namespace: 'ns', uid: 'u1' },
    spec: { accessModes: o.modes ?? ['ReadWriteOnce'], resources: { requests: { storage } }, storageClassName: o.cls ?? 'c', volumeMode: o.mode ?? 'Filesystem', ...(o.selector ? { selector: { matchLabels: o.selector } } : {}) },
  };
}

const best = (claim: PersistentVolumeClaim, volumes: PersistentVolume[], delay = false) => findBestMatchForClaim(claim, volumes, delay)?.metadata?.name;

describe('findBestMatchForClaim', () => {
  it('picks the smallest volume that is big enough, comparing quantities exactly', () => {
    assert.equal(best(pvc('1500Mi'), [pv('a', '2Gi'), pv('b', '1536Mi'), pv('c', '1Gi'), pv('d', '1700M'), pv('e', '1500M')]), 'b');
    assert.equal(best(pvc('3Gi'), [pv('a', '2Gi')]), undefined);
  });

  it('honours class, volume mode, selector, phase and deletion', () => {
    const vols = [pv('other-class', '1Gi', { cls: 'x' }), pv('block', '1Gi', { mode: 'Block' }), pv('pending', '1Gi', { phase: 'Pending' }), pv('deleting', '1Gi', { deleting: true }), pv('gold', '5Gi', { labels: { tier: 'gold' } }), pv('plain', '2Gi')];
    assert.equal(best(pvc('1Gi'), vols), 'plain');
    assert.equal(best(pvc('1Gi', { selector: { tier: 'gold' } }), vols), 'gold');
    assert.equal(best(pvc('1Gi', { mode: 'Block' }), vols), 'block');
    assert.equal(best(pvc('1Gi', { cls: 'x' }), vols), 'other-class');
    assert.equal(best(pvc('1Gi', { cls: '' }), vols), undefined);
  });

  it('prefers the access-mode set with the fewest modes, even over a smaller volume', () => {
    const vols = [pv('rwo-rox', '1Gi', { modes: ['ReadWriteOnce', 'ReadOnlyMany'] }), pv('rwo', '5Gi')];
    assert.equal(best(pvc('1Gi'), vols), 'rwo');
    assert.equal(best(pvc('1Gi', { modes: ['ReadOnlyMany'] }), vols), 'rwo-rox');
    assert.equal(best(pvc('1Gi', { modes: ['ReadWriteMany'] }), vols), undefined);
  });

  it('returns a volume reserved for the claim before any other, whatever its phase or labels', () => {
    const vols = [pv('small', '1Gi'), pv('reserved', '9Gi', { phase: 'Pending', claimRef: { namespace: 'ns', name: 'claim' } }), pv('other', '1Gi', { claimRef: { namespace: 'ns', name: 'else' } })];
    assert.equal(best(pvc('1Gi', { selector: { no: 'match' } }), vols), 'reserved');
    // Reserved for an earlier claim of the same name: not ours.
    const stale = [pv('reserved', '9Gi', { claimRef: { namespace: 'ns', name: 'claim', uid: 'old' } })];
    assert.equal(best(pvc('1Gi'), stale), undefined);
  });

  it('with delayed binding returns only a volume reserved for the claim', () => {
    assert.equal(best(pvc('1Gi'), [pv('free', '1Gi')], true), undefined);
    assert.equal(best(pvc('1Gi'), [pv('free', '1Gi'), pv('mine', '1Gi', { claimRef: { namespace: 'ns', name: 'claim', uid: 'u1' } })], true), 'mine');
  });
});

describe('matchingAccessModeSets', () => {
  it('lists the supersets of the wanted modes, smallest first', () => {
    const sets = matchingAccessModeSets([pv('a', '1Gi', { modes: ['ReadWriteOnce', 'ReadWriteMany'] }), pv('b', '1Gi'), pv('c', '1Gi', { modes: ['ReadOnlyMany'] })], ['ReadWriteOnce']);
    assert.deepEqual(sets, [['ReadWriteOnce'], ['ReadWriteMany', 'ReadWriteOnce']]);
  });
});

describe('volumeUnsuitableForClaim', () => {
  it('gives upstream reasons', () => {
    assert.equal(volumeUnsuitableForClaim(pv('a', '1Gi'), pvc('2Gi')), 'requested PV is too small');
    assert.equal(volumeUnsuitableForClaim(pv('a', '1Gi', { cls: 'x' }), pvc('1Gi')), 'storageClassName does not match');
    assert.equal(volumeUnsuitableForClaim(pv('a', '1Gi', { mode: 'Block' }), pvc('1Gi')), 'incompatible volumeMode');
    assert.equal(volumeUnsuitableForClaim(pv('a', '1Gi'), pvc('1Gi', { modes: ['ReadWriteMany'] })), 'incompatible accessMode');
    assert.equal(volumeUnsuitableForClaim(pv('a', '1Gi'), pvc('1Gi')), undefined);
  });
});
