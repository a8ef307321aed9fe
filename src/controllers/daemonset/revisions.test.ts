import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH_LABEL, equalRevisions, hashRevisionData, newControllerRevision } from '../history/index.js';
import { hashOf, oldRevisionsToTrim, revisionData, revisionInput } from './revisions.js';
import { daemonSet } from './fixtures.test-suite.js';

const rev = (name: string, revision: number, hash = name): ControllerRevision => ({ metadata: { name, labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash } }, revision });
const podOf = (hash: string): Pod => ({ metadata: { name: `p-${hash}`, labels: { [CONTROLLER_REVISION_HASH_LABEL]: hash } } });

describe('DaemonSet revisions', () => {
  it('store the template as a replacing patch, keys sorted as kubectl writes them', () => {
    const ds = daemonSet();
    assert.equal(JSON.stringify(revisionData(ds)), '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"ds"}},"spec":{"containers":[{"image":"busybox","name":"c"}]}}}}');
  });

  it('are named and labelled by the hash, owned by the DaemonSet and matched by template', () => {
    const ds = daemonSet({}, { annotations: { 'kubernetes.io/change-cause': 'first' } });
    const r = newControllerRevision({ ...revisionInput(ds, 3), collisionCount: ds.status?.collisionCount });
    const hash = hashOf(r);
    assert.equal(hash, hashRevisionData(revisionData(ds)));
    assert.equal(r.metadata?.name, `ds-${hash}`);
    assert.deepEqual(r.metadata?.labels, { app: 'ds', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.equal(r.metadata?.annotations?.['kubernetes.io/change-cause'], 'first');
    assert.equal(r.metadata?.ownerReferences?.[0]?.uid, 'ds-uid');
    assert.equal(r.metadata?.ownerReferences?.[0]?.kind, 'DaemonSet');
    assert.equal(r.revision, 3);
    assert.equal(equalRevisions([r], revisionData(ds)).length, 1);
    const changed = daemonSet();
    changed.spec!.template.spec!.containers[0]!.image = 'busybox:2';
    assert.equal(equalRevisions([r], revisionData(changed)).length, 0);
    const collided = newControllerRevision({ ...revisionInput(ds, 3), collisionCount: 1 });
    assert.notEqual(hashOf(collided), hash, 'the collision count salts the hash');
  });

  it('trim the oldest beyond the limit, counting but sparing ones pods still use', () => {
    const old = [rev('r3', 3), rev('r1', 1), rev('r2', 2), rev('r4', 4)];
    const ds = daemonSet({ revisionHistoryLimit: 2 });
    assert.deepEqual(oldRevisionsToTrim(ds, old, []).map((r) => r.metadata?.name), ['r1', 'r2']);
    assert.deepEqual(oldRevisionsToTrim(ds, old, [podOf('r1')]).map((r) => r.metadata?.name), ['r2', 'r3']);
    assert.deepEqual(oldRevisionsToTrim(ds, old, [podOf('r1'), podOf('r2'), podOf('r3')]).map((r) => r.metadata?.name), ['r4']);
    assert.deepEqual(oldRevisionsToTrim(daemonSet(), old, []), []);
  });
});
