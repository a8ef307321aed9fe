import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../../api/object.js';
import { defaultStorageClassAdmission, pickDefaultClass } from './default-storage-class.js';

const sc = (name: string, created: string, annotations: Record<string, string>) => ({ metadata: { name, creationTimestamp: created, annotations } }) as StoredObject;
const isDefault = { 'storageclass.kubernetes.io/is-default-class': 'true' };

describe('DefaultStorageClass', () => {
  it('picks the newest default, then the first name; honours the beta annotation', () => {
    const classes = [sc('b', '2026-01-01T00:00:00Z', isDefault), sc('c', '2026-01-02T00:00:00Z', isDefault), sc('a', '2026-01-03T00:00:00Z', {})];
    assert.equal(pickDefaultClass(classes)?.metadata.name, 'c');
    assert.equal(pickDefaultClass([sc('y', '2026-01-01T00:00:00Z', isDefault), sc('x', '2026-01-01T00:00:00Z', isDefault)])?.metadata.name, 'x');
    assert.equal(pickDefaultClass([sc('beta', '2026-01-01T00:00:00Z', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' })])?.metadata.name, 'beta');
    assert.equal(pickDefaultClass([sc('no', '2026-01-01T00:00:00Z', { 'storageclass.kubernetes.io/is-default-class': 'false' })]), undefined);
  });

  it('fills only claims that name no class', async () => {
    const hooks = defaultStorageClassAdmission({ list: async () => [sc('std', '2026-01-01T00:00:00Z', isDefault)] });
    const claim = (spec: object, annotations?: Record<string, string>) => ({ metadata: { name: 'c', ...(annotations ? { annotations } : {}) }, spec }) as unknown as StoredObject;
    const none = claim({});
    await hooks.mutateCreate!(none, false);
    assert.equal((none['spec'] as { storageClassName?: string }).storageClassName, 'std');
    const empty = claim({ storageClassName: '' });
    await hooks.mutateCreate!(empty, false);
    assert.equal((empty['spec'] as { storageClassName?: string }).storageClassName, '');
    const beta = claim({}, { 'volume.beta.kubernetes.io/storage-class': 'old' });
    await hooks.mutateCreate!(beta, false);
    assert.equal((beta['spec'] as { storageClassName?: string }).storageClassName, undefined);
  });
});
