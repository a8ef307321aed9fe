import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { claimClass, claimHasClass, defaultStorageClass, isDelayBinding, isVolumeBoundToClaim } from './volume-util.js';

const sc = (name: string, created: string, isDefault: string | undefined, mode?: string): StorageClass => ({
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': isDefault } } : {}) },
  provisioner: 'p',
  ...(mode ? { volumeBindingMode: mode } : {}),
});

describe('volume-util', () => {
  it('picks the newest default class, then the first by name', () => {
    assert.equal(defaultStorageClass([sc('a', '2024-01-01T00:00:00Z', 'true'), sc('b', '2024-02-01T00:00:00Z', 'true'), sc('c', '2024-03-01T00:00:00Z', 'false')])?.metadata?.name, 'b');
    assert.equal(defaultStorageClass([sc('y', '2024-01-01T00:00:00Z', 'true'), sc('x', '2024-01-01T00:00:00Z', 'true')])?.metadata?.name, 'x');
    assert.equal(defaultStorageClass([sc('a', '2024-01-01T00:00:00Z', undefined)]), undefined);
  });

  it('reads the class of a claim, the beta annotation first; "" is a class, unset is not', () => {
    assert.equal(claimClass({ metadata: { annotations: { 'volume.beta.kubernetes.io/storage-class': 'old' } }, spec: { storageClassName: 'new' } }), 'old');
    assert.equal(claimHasClass({ spec: { storageClassName: '' } }), true);
    assert.equal(claimHasClass({ spec: {} }), false);
  });

  it('delays binding only for a WaitForFirstConsumer class that exists', () => {
    const classes = new Map([['wffc', sc('wffc', '', undefined, 'WaitForFirstConsumer')], ['now', sc('now', '', undefined, 'Immediate')]]);
    const of = (n: string) => classes.get(n);
    assert.equal(isDelayBinding({ spec: { storageClassName: 'wffc' } }, of), true);
    assert.equal(isDelayBinding({ spec: { storageClassName: 'now' } }, of), false);
    assert.equal(isDelayBinding({ spec: { storageClassName: 'missing' } }, of), false);
  });

  it('a volume is bound to a claim by namespace, name and (if set) uid', () => {
    const claim = { metadata: { name: 'c', namespace: 'ns', uid: 'u' } };
    assert.equal(isVolumeBoundToClaim({ spec: { claimRef: { namespace: 'ns', name: 'c' } } }, claim), true);
    assert.equal(isVolumeBoundToClaim({ spec: { claimRef: { namespace: 'ns', name: 'c', uid: 'u' } } }, claim), true);
    assert.equal(isVolumeBoundToClaim({ spec: { claimRef: { namespace: 'ns', name: 'c', uid: 'other' } } }, claim), false);
    assert.equal(isVolumeBoundToClaim({ spec: { claimRef: { namespace: 'x', name: 'c' } } }, claim), false);
  });
});
