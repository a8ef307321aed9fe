import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { desiredClaimOwnerRefs } from './claims.js';
import { revisionData, templateOfRevision } from './revisions.js';
import { claimsFor, identityMatches, parentAndOrdinal, podFromTemplate, withIdentity } from './stateful-pod.js';
import { pod, set } from './fixtures.test-support.js';

const vct = [{ metadata: { name: 'www', labels: { tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Bound' } }];

describe('stateful pod identity', () => {
  it('parses ordinals from names', () => {
    assert.deepEqual(parentAndOrdinal('web-12'), { parent: 'web', ordinal: 12 });
    assert.deepEqual(parentAndOrdinal('my-web-0'), { parent: 'my-web', ordinal: 0 });
    assert.equal(parentAndOrdinal('web').ordinal, -1);
  });
  it('builds a pod with name, labels, hostname, subdomain, owner and claim volumes', () => {
    const s = set({ volumeClaimTemplates: vct });
    s.spec!.template.spec!.volumes = [{ name: 'www', emptyDir: {} }, { name: 'cfg', emptyDir: {} }];
    const p = podFromTemplate(s, s.spec!.template, 2, 'web-abc');
    assert.equal(p.metadata?.name, 'web-2');
    assert.deepEqual(p.metadata?.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'web-abc' });
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'nginx');
    assert.equal(p.metadata?.ownerReferences?.[0]?.uid, 'set-uid');
    assert.deepEqual(p.spec?.volumes, [{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }, { name: 'cfg', emptyDir: {} }]);
    assert.equal(identityMatches(s, p), true);
  });
  it('builds claims per ordinal with the selector labels and no status', () => {
    const [c] = claimsFor(set({ volumeClaimTemplates: vct }), 1);
    assert.equal(c!.metadata?.name, 'www-web-1');
    assert.deepEqual(c!.metadata?.labels, { tier: 'db', app: 'web' });
    assert.equal(c!.status, undefined);
  });
  it('restores missing identity labels', () => {
    const p = pod(1);
    delete p.metadata!.labels!['apps.kubernetes.io/pod-index'];
    assert.equal(identityMatches(set(), p), false);
    assert.equal(identityMatches(set(), withIdentity(p)), true);
  });
  it('round-trips the template through revision data', () => {
    const s = set();
    const data = revisionData(s) as { spec: { template: { $patch: string } } };
    assert.equal(data.spec.template.$patch, 'replace');
    assert.deepEqual(templateOfRevision({ revision: 1, data }), s.spec!.template);
  });
});

describe('claim retention owner references', () => {
  const claim = { metadata: { name: 'www-web-1', ownerReferences: [{ apiVersion: 'v1', kind: 'Other', name: 'o', uid: 'other' }] } };
  const kinds = (refs: { kind: string }[]) => refs.map((r) => r.kind);
  it('Retain keeps neither the set nor the pod as owner', () => {
    assert.deepEqual(kinds(desiredClaimOwnerRefs(set(), claim, pod(1), true)), ['Other']);
  });
  it('whenDeleted=Delete owns the claim by the set', () => {
    const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } });
    assert.deepEqual(kinds(desiredClaimOwnerRefs(s, claim, pod(1), false)), ['Other', 'StatefulSet']);
    assert.deepEqual(kinds(desiredClaimOwnerRefs(s, claim, pod(1), true)), ['Other', 'StatefulSet']);
  });
  it('whenScaled=Delete hands a condemned claim to its pod, and takes it back when scaled up again', () => {
    const s = set({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } });
    const condemned = desiredClaimOwnerRefs(s, claim, pod(1), true);
    assert.deepEqual(kinds(condemned), ['Other', 'Pod']);
    assert.deepEqual(kinds(desiredClaimOwnerRefs(s, { metadata: { ownerReferences: condemned } }, pod(1), false)), ['Other', 'StatefulSet']);
  });
});
