import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revision-hash.js';
import { TEMPLATE_GENERATION_LABEL, daemonTolerations, isPodUpdated, newDaemonPod, pinToNode, targetNodeName } from './daemon-pod.js';
import { daemonPod, daemonSet } from './fixtures.test-suite.js';

describe('daemon pods', () => {
  it('get the automatic tolerations, NoExecute ones without a time limit', () => {
    const tolerations = daemonTolerations({ containers: [], tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }] });
    assert.deepEqual(tolerations, [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
    ]);
    const host = daemonTolerations({ containers: [], hostNetwork: true });
    assert.ok(host.some((t) => t.key === 'node.kubernetes.io/network-unavailable' && t.effect === 'NoSchedule'));
    assert.ok(!daemonTolerations({ containers: [] }).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  });

  it('are pinned to their node by required node affinity, keeping preferences', () => {
    const affinity = pinToNode(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }] },
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } }],
        },
      },
      'n1',
    );
    assert.deepEqual(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] });
    assert.equal(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length, 1);
  });

  it('name their node by spec.nodeName once bound, by affinity before', () => {
    assert.equal(targetNodeName(daemonPod('n1')), 'n1');
    assert.equal(targetNodeName(daemonPod('n2', { bound: false })), 'n2');
    assert.equal(targetNodeName({ spec: { containers: [] } }), undefined);
  });

  it('are made from the template with the revision labels and a controller reference', () => {
    const ds = daemonSet({}, { annotations: { 'deprecated.daemonset.template.generation': '3' } });
    const pod = newDaemonPod(ds, 'n1', 'abc');
    assert.equal(pod.metadata?.generateName, 'ds-');
    assert.deepEqual(pod.metadata?.labels, { app: 'ds', [TEMPLATE_GENERATION_LABEL]: '3', [CONTROLLER_REVISION_HASH_LABEL]: 'abc' });
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: 'ds-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(pod.spec?.nodeName, undefined);
    assert.equal(targetNodeName(pod), 'n1');
    assert.ok(pod.spec?.tolerations?.length);
    assert.equal(ds.spec?.template?.spec?.tolerations, undefined, 'the DaemonSet itself is untouched');
  });

  it('are current by hash, or by the older template generation label', () => {
    assert.equal(isPodUpdated(daemonPod('n', { hash: 'h1' }), 'h1', undefined), true);
    assert.equal(isPodUpdated(daemonPod('n', { hash: 'h0' }), 'h1', undefined), false);
    const old = daemonPod('n', { hash: 'h0' });
    old.metadata!.labels![TEMPLATE_GENERATION_LABEL] = '2';
    assert.equal(isPodUpdated(old, 'h1', 2), true);
  });
});
