import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { CONTROLLER_REVISION_HASH } from './daemon-pod.js';
import { newRevision, revisionData, revisionMatches, revisionToKeep, revisionsToTrim, templateHash } from './revisions.js';
import { daemonSet } from './fixtures.test-suite.js';

const rev = (name: string, revision: number, hash = name): ControllerRevision => ({ metadata: { name, labels: { [CONTROLLER_REVISION_HASH]: hash } }, revision });

describe('DaemonSet revisions', () => {
  it('store the template as a replacing patch, keys sorted as kubectl writes them', () => {
    const ds = daemonSet();
    assert.equal(JSON.stringify(revisionData(ds)), '{"spec":{"template":{"$patch":"replace","metadata":{"labels":{"app":"ds"}},"spec":{"containers":[{"image":"busybox","name":"c"}]}}}}');
  });

  it('are named and labelled by the template hash, owned by the DaemonSet and matched by template', () => {
    const ds = daemonSet({}, { annotations: { 'kubernetes.io/change-cause': 'first' } });
    const r = newRevision(ds, 3);
    const hash = templateHash(ds);
    assert.equal(r.metadata?.name, `ds-${hash}`);
    assert.deepEqual(r.metadata?.labels, { app: 'ds', [CONTROLLER_REVISION_HASH]: hash });
    assert.equal(r.metadata?.annotations?.['kubernetes.io/change-cause'], 'first');
    assert.equal(r.metadata?.ownerReferences?.[0]?.uid, 'ds-uid');
    assert.equal(r.revision, 3);
    assert.equal(revisionMatches(ds, r), true);
    const changed = daemonSet();
    changed.spec!.template.spec!.containers[0]!.image = 'busybox:2';
    assert.equal(revisionMatches(changed, r), false);
    assert.notEqual(templateHash(changed), hash);
    const collided = { ...daemonSet(), status: { collisionCount: 1, currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 } };
    assert.notEqual(templateHash(collided), hash, 'the collision count salts the hash');
  });

  it('keep the highest numbered of duplicates', () => {
    assert.equal(revisionToKeep([rev('a', 2), rev('b', 5), rev('c', 1)]).metadata?.name, 'b');
  });

  it('trim the oldest beyond the limit, sparing ones pods still use', () => {
    const old = [rev('r3', 3), rev('r1', 1), rev('r2', 2), rev('r4', 4)];
    assert.deepEqual(revisionsToTrim(old, 2, new Set()).map((r) => r.metadata?.name), ['r1', 'r2']);
    assert.deepEqual(revisionsToTrim(old, 2, new Set(['r1'])).map((r) => r.metadata?.name), ['r2', 'r3']);
    assert.deepEqual(revisionsToTrim(old, 10, new Set()), []);
  });
});
