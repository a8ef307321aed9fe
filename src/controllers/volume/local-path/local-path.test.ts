import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node, PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import {
  DEFAULT_HELPER_IMAGE,
  DEFAULT_SETUP_SCRIPT,
  DEFAULT_TEARDOWN_SCRIPT,
  claimSizeBytes,
  helperOutcome,
  helperPod,
  helperPodName,
  helperTimeoutMessage,
  localPathStorageClass,
  localPathVolume,
  shouldDelete,
  shouldProvision,
  unsupportedClaim,
  volumePathAndNode,
  volumeSizeBytes,
  type HelperPodSpec,
} from './local-path.js';

const P = 'rancher.io/local-path';
const sc = localPathStorageClass();
const claim = (annotations: Record<string, string>, extra: Partial<NonNullable<PersistentVolumeClaim['spec']>> = {}): PersistentVolumeClaim => ({
  metadata: { name: 'data', namespace: 'apps', uid: 'abc', annotations },
  spec: { storageClassName: 'local-path', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, ...extra },
});
const asked = { 'volume.kubernetes.io/storage-provisioner': P };
const placed = { ...asked, 'volume.kubernetes.io/selected-node': 'n1' };

describe('local-path', () => {
  it('provisions only claims handed to it, and for WaitForFirstConsumer only once a node is selected', () => {
    assert.equal(shouldProvision(claim({}), sc, P), false);
    assert.equal(shouldProvision(claim(asked), sc, P), false);
    assert.equal(shouldProvision(claim(placed), sc, P), true);
    assert.equal(shouldProvision(claim({ 'volume.beta.kubernetes.io/storage-provisioner': P, 'volume.kubernetes.io/selected-node': 'n1' }), sc, P), true);
    assert.equal(shouldProvision(claim(placed, { volumeName: 'x' }), sc, P), false);
    assert.equal(shouldProvision(claim(placed), { ...sc, provisioner: 'other' }, P), false);
    assert.equal(shouldProvision(claim(asked), { ...sc, volumeBindingMode: 'Immediate' }, P), true);
  });

  it('refuses what a local directory cannot be', () => {
    assert.equal(unsupportedClaim(claim(placed)), undefined);
    assert.match(unsupportedClaim(claim(placed, { accessModes: ['ReadWriteMany'] }))!, /ReadWriteOnce/);
    assert.match(unsupportedClaim(claim(placed, { selector: { matchLabels: { a: 'b' } } }))!, /Selector/);
    assert.match(unsupportedClaim(claim(asked))!, /no node/);
  });

  it('makes a hostPath volume under the base directory, pinned to the node by its hostname label', () => {
    const node: Node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'host-1' } } };
    const v = localPathVolume(claim(placed), sc, node, '/data/', P);
    assert.equal(v.metadata?.name, 'pvc-abc');
    assert.equal(v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'], P);
    assert.deepEqual(v.spec?.hostPath, { path: '/data/pvc-abc_apps_data', type: 'DirectoryOrCreate' });
    assert.deepEqual(v.spec?.nodeAffinity?.required?.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['host-1'] }] }]);
    assert.deepEqual(v.spec?.capacity, { storage: '2Gi' });
    assert.equal(v.spec?.persistentVolumeReclaimPolicy, 'Delete');
    assert.equal(v.spec?.claimRef?.uid, 'abc');
    assert.equal(v.spec?.storageClassName, 'local-path');
    const unlabelled = localPathVolume(claim(placed), sc, { metadata: { name: 'n2' } }, '/data', P);
    assert.deepEqual(unlabelled.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.[0]?.values, ['n2']);
  });

  it('deletes only its own Released volumes with policy Delete', () => {
    const v: PersistentVolume = { metadata: { name: 'pvc-abc', annotations: { 'pv.kubernetes.io/provisioned-by': P } }, spec: { persistentVolumeReclaimPolicy: 'Delete' }, status: { phase: 'Released' } };
    assert.equal(shouldDelete(v, P), true);
    assert.equal(shouldDelete({ ...v, status: { phase: 'Bound' } }, P), false);
    assert.equal(shouldDelete({ ...v, spec: { persistentVolumeReclaimPolicy: 'Retain' } }, P), false);
    assert.equal(shouldDelete(v, 'other'), false);
    assert.equal(shouldDelete({ ...v, metadata: { ...v.metadata, deletionTimestamp: 'x' } }, P), false);
  });

  describe('helper pods', () => {
    const spec: HelperPodSpec = {
      action: 'create',
      volumeName: 'pvc-abc',
      path: '/data/pvc-abc_apps_data',
      node: 'n1',
      namespace: 'kube-system',
      image: DEFAULT_HELPER_IMAGE,
      script: DEFAULT_SETUP_SCRIPT,
      volumeMode: 'Filesystem',
      sizeBytes: 2147483648n,
    };

    it('are named helper-pod-<action>-<pv>, cut at 128 characters as upstream', () => {
      assert.equal(helperPodName('create', 'pvc-abc'), 'helper-pod-create-pvc-abc');
      assert.equal(helperPodName('delete', 'pvc-abc'), 'helper-pod-delete-pvc-abc');
      const uid = '0b3c6f4e-8d2a-4f5e-9c1b-2a7d3e4f5a6b';
      assert.equal(helperPodName('create', `pvc-${uid}`).length, 58, 'a real volume name is never cut');
      const long = helperPodName('delete', 'v'.repeat(200));
      assert.equal(long.length, 128);
      assert.ok(long.startsWith('helper-pod-delete-vvv'));
    });

    it('run the script on the volume node, never restarted, tolerating every taint', () => {
      const pod = helperPod(spec);
      assert.equal(pod.metadata?.name, 'helper-pod-create-pvc-abc');
      assert.equal(pod.metadata?.namespace, 'kube-system');
      assert.equal(pod.spec?.nodeName, 'n1');
      assert.equal(pod.spec?.restartPolicy, 'Never');
      assert.deepEqual(pod.spec?.tolerations, [{ operator: 'Exists' }]);
      assert.equal(pod.spec?.priorityClassName, undefined, "k3s's helperPod.yaml sets none");
      assert.equal(helperPod({ ...spec, priorityClassName: 'system-node-critical' }).spec?.priorityClassName, 'system-node-critical');
      const [c] = pod.spec!.containers;
      assert.equal(c!.image, 'rancher/mirrored-library-busybox:1.36.1');
      assert.equal(c!.imagePullPolicy, 'IfNotPresent');
      assert.deepEqual(c!.command, ['/bin/sh', '-c', 'set -eu\nmkdir -m 0777 -p "$VOL_DIR"\n']);
      assert.deepEqual(c!.env, [
        { name: 'VOL_DIR', value: '/data/pvc-abc_apps_data' },
        { name: 'VOL_MODE', value: 'Filesystem' },
        { name: 'VOL_SIZE_BYTES', value: '2147483648' },
      ]);
      assert.deepEqual(c!.volumeMounts, [{ name: 'data', mountPath: '/data' }]);
      assert.deepEqual(pod.spec?.volumes, [{ name: 'data', hostPath: { path: '/data', type: 'DirectoryOrCreate' } }]);
    });

    it('mount the parent of a normalised path; refuse paths with no parent, relative or empty, in upstream words', () => {
      const pod = helperPod({ ...spec, action: 'delete', script: DEFAULT_TEARDOWN_SCRIPT, path: '/var/lib//skiff/storage/pvc-abc_apps_data/' });
      assert.deepEqual(pod.spec?.containers[0]?.command, ['/bin/sh', '-c', 'set -eu\nrm -rf "$VOL_DIR"\n']);
      assert.equal(pod.spec?.containers[0]?.env?.[0]?.value, '/var/lib/skiff/storage/pvc-abc_apps_data');
      assert.deepEqual(pod.spec?.volumes?.[0]?.hostPath, { path: '/var/lib/skiff/storage', type: 'DirectoryOrCreate' });
      assert.throws(() => helperPod({ ...spec, path: '/pvc-abc' }), /^Error: failed to create volume pvc-abc: invalid path create for \/pvc-abc: cannot find parent dir or volume dir/);
      assert.throws(() => helperPod({ ...spec, path: '/' }), /cannot find parent dir/);
      assert.throws(() => helperPod({ ...spec, path: 'data/x' }), /volume path data\/x is not absolute/);
      assert.throws(() => helperPod({ ...spec, node: '' }), /invalid empty name or path or node/);
    });

    it('take sizes in bytes from the claim request and the volume capacity', () => {
      assert.equal(claimSizeBytes(claim(placed)), 2147483648n);
      assert.equal(claimSizeBytes(claim(placed, { resources: { requests: { storage: '1.5k' } } })), 1500n);
      assert.equal(volumeSizeBytes({ spec: { capacity: { storage: '1Mi' } } }), 1048576n);
      assert.equal(volumeSizeBytes({ spec: {} }), 0n);
    });

    it('find the node and directory of a volume from its hostname affinity, as upstream', () => {
      const node: Node = { metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'host-1' } } };
      const v = localPathVolume(claim(placed), sc, node, '/data', P);
      assert.deepEqual(volumePathAndNode(v), { path: '/data/pvc-abc_apps_data', node: 'host-1' });
      assert.deepEqual(volumePathAndNode({ spec: { hostPath: { path: '/x' } } }), { error: 'no NodeAffinity set' });
      assert.deepEqual(volumePathAndNode({ spec: {} }), { error: 'no path set' });
      const two = { ...v, spec: { ...v.spec, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['a', 'b'] }] }] } } } };
      assert.deepEqual(volumePathAndNode(two), { error: 'multiple values for the node affinity' });
      const other = { ...v, spec: { ...v.spec, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } };
      assert.deepEqual(volumePathAndNode(other), { error: 'cannot find affinited node' });
    });

    it('are done when Succeeded, failed when Failed (with the exit code), else still running', () => {
      const pod = (status: Pod['status']): Pod => ({ metadata: { name: 'helper-pod-create-pvc-abc' }, status });
      assert.deepEqual(helperOutcome(pod(undefined)), { state: 'running' });
      assert.deepEqual(helperOutcome(pod({ phase: 'Running' })), { state: 'running' });
      assert.deepEqual(helperOutcome(pod({ phase: 'Succeeded' })), { state: 'succeeded' });
      assert.deepEqual(helperOutcome(pod({ phase: 'Failed', containerStatuses: [{ name: 'helper-pod', image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2, reason: 'Error' } } }] })), {
        state: 'failed',
        reason: 'helper pod helper-pod-create-pvc-abc failed (exit code 2, Error)',
      });
      assert.deepEqual(helperOutcome(pod({ phase: 'Failed', reason: 'Evicted' })), { state: 'failed', reason: 'helper pod helper-pod-create-pvc-abc failed (Evicted)' });
      assert.equal(helperTimeoutMessage(120), 'create process timeout after 120 seconds');
    });
  });
});
