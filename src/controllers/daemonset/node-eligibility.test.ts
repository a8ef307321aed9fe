import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeShouldRunDaemonPod } from './node-eligibility.js';
import { daemonSet, node } from './fixtures.test-suite.js';

const both = (run: boolean, stay: boolean) => ({ shouldRun: run, shouldContinueRunning: stay });

describe('which nodes a DaemonSet runs on', () => {
  it('every node by default', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1'), daemonSet()), both(true, true));
  });

  it('nodes matching the nodeSelector and required node affinity only', () => {
    const withSelector = daemonSet();
    withSelector.spec!.template.spec!.nodeSelector = { disk: 'ssd' };
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', { disk: 'ssd' }), withSelector), both(true, true));
    assert.deepEqual(nodeShouldRunDaemonPod(node('n2', { disk: 'hdd' }), withSelector), both(false, false));

    const withAffinity = daemonSet();
    withAffinity.spec!.template.spec!.affinity = {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['special'] }] }] } },
    };
    assert.equal(nodeShouldRunDaemonPod(node('n1', { zone: 'a' }), withAffinity).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('n2', { zone: 'b' }), withAffinity).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('special', { zone: 'b' }), withAffinity).shouldRun, true);
  });

  it('the template nodeName, if set', () => {
    const ds = daemonSet();
    ds.spec!.template.spec!.nodeName = 'n2';
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1'), ds), both(false, false));
    assert.deepEqual(nodeShouldRunDaemonPod(node('n2'), ds), both(true, true));
  });

  it('untolerated NoSchedule taints stop new pods; NoExecute ones evict too', () => {
    const ds = daemonSet();
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), ds), both(false, true));
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), ds), both(false, false));
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }]), ds), both(true, true));
    ds.spec!.template.spec!.tolerations = [{ key: 'dedicated', operator: 'Equal', value: 'db' }];
    assert.deepEqual(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), ds), both(true, true));
  });

  it('the automatic tolerations cover unschedulable, not-ready and unreachable nodes', () => {
    const ds = daemonSet();
    for (const [key, effect] of [['node.kubernetes.io/unschedulable', 'NoSchedule'], ['node.kubernetes.io/not-ready', 'NoExecute'], ['node.kubernetes.io/unreachable', 'NoExecute'], ['node.kubernetes.io/memory-pressure', 'NoSchedule']] as const) {
      assert.deepEqual(nodeShouldRunDaemonPod(node('n1', {}, [{ key, effect }]), ds), both(true, true), key);
    }
    assert.equal(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds).shouldRun, false);
    ds.spec!.template.spec!.hostNetwork = true;
    assert.equal(nodeShouldRunDaemonPod(node('n1', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), ds).shouldRun, true);
  });
});
