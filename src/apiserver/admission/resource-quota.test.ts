import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '../../api/object.js';
import type { QuotaLike } from '../../api/quota/usage.js';
import { checkRequest } from './resource-quota.js';

const now = new Date('2026-01-01T00:00:00Z');
const pods = { group: '', resource: 'pods' };
const quota = (name: string, hard: Record<string, string>, used: Record<string, string> | undefined, spec: object = {}): QuotaLike =>
  ({ metadata: { name, uid: name, resourceVersion: '1' }, spec: { hard, ...spec }, status: used ? { hard, used } : undefined }) as QuotaLike;
const pod = (resources?: object, spec: object = {}): StoredObject =>
  ({ metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'c', image: 'x', ...(resources ? { resources } : {}) }], ...spec } }) as unknown as StoredObject;

describe('quota admission decision', () => {
  it('charges a pod into the quotas it falls under', () => {
    const d = checkRequest([quota('q', { pods: '2', 'requests.cpu': '1' }, { pods: '1', 'requests.cpu': '200m' })], pods, pod({ requests: { cpu: '300m' } }), undefined, now);
    assert.ok('charges' in d);
    assert.deepEqual(d.charges[0]!.used, { pods: '2', 'requests.cpu': '500m' });
    assert.deepEqual(d.charges[0]!.requested, { pods: '1', 'requests.cpu': '300m' });
  });

  it('refuses the pod past the last slot with upstream wording', () => {
    const d = checkRequest([quota('q', { pods: '2' }, { pods: '2' })], pods, pod(), undefined, now);
    assert.deepEqual(d, { refused: 'exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2' });
  });

  it('asks for the compute resources a quota restricts', () => {
    const d = checkRequest([quota('compute', { 'limits.cpu': '2', 'requests.memory': '1Gi' }, { 'limits.cpu': '0', 'requests.memory': '0' })], pods, pod({ requests: { cpu: '1' } }), undefined, now);
    assert.deepEqual(d, { refused: 'failed quota: compute: must specify limits.cpu for: c; requests.memory for: c' });
  });

  it('refuses while a quota has no usage yet, ignores one with no status at all', () => {
    const unknown = { metadata: { name: 'q' }, spec: { hard: { pods: '1' } }, status: { hard: { pods: '1' } } } as QuotaLike;
    assert.deepEqual(checkRequest([unknown], pods, pod(), undefined, now), { refused: 'status unknown for quota: q, resources: pods' });
    assert.deepEqual(checkRequest([quota('q', { pods: '1' }, undefined)], pods, pod(), undefined, now), { charges: [] });
  });

  it('applies scopes: a BestEffort quota ignores a pod with requests', () => {
    const q = quota('be', { pods: '0' }, { pods: '0' }, { scopes: ['BestEffort'] });
    assert.deepEqual(checkRequest([q], pods, pod({ requests: { cpu: '1' } }), undefined, now), { charges: [] });
    assert.ok('refused' in checkRequest([q], pods, pod(), undefined, now));
  });

  it('selects by priority class', () => {
    const q = quota('hi', { pods: '0' }, { pods: '0' }, { scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } });
    assert.deepEqual(checkRequest([q], pods, pod(), undefined, now), { charges: [] });
    assert.ok('refused' in checkRequest([q], pods, pod(undefined, { priorityClassName: 'high' }), undefined, now));
  });

  it('charges a claim resize only the growth', () => {
    const claims = { group: '', resource: 'persistentvolumeclaims' };
    const pvc = (s: string) => ({ metadata: { name: 'c', namespace: 'ns' }, spec: { resources: { requests: { storage: s } } } }) as unknown as StoredObject;
    const d = checkRequest([quota('s', { 'requests.storage': '10Gi' }, { 'requests.storage': '8Gi' })], claims, pvc('4Gi'), pvc('1Gi'), now);
    assert.deepEqual(d, { refused: 'exceeded quota: s, requested: requests.storage=3Gi, used: requests.storage=8Gi, limited: requests.storage=10Gi' });
  });
});
