import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Client, RESOURCE_TYPES } from '../../client/index.js';
import { FakeTransport } from '../../client/fake-transport.js';
import { CONTROLLER_REVISION_HASH_LABEL, newControllerRevision } from '../history/index.js';
import { daemonSet } from './fixtures.test-suite.js';
import { DaemonSetHistory } from './history-sync.js';
import { hashOf, revisionInput } from './revisions.js';

type Named = { metadata: { name: string; namespace: string } };
const NS = 'default';

async function setup(spec: Partial<NonNullable<DaemonSet['spec']>> = {}) {
  const client = new Client(new FakeTransport());
  const ds = await client.create<DaemonSet & Named>(RESOURCE_TYPES.daemonsets, daemonSet(spec) as DaemonSet & Named);
  const list = async () => (await client.list<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, { namespace: NS })).items;
  const put = (r: ControllerRevision) => client.create<ControllerRevision & Named>(RESOURCE_TYPES.controllerrevisions, r as ControllerRevision & Named);
  return { client, ds, list, put, history: new DaemonSetHistory(client) };
}

const withImage = (ds: DaemonSet, image: string): DaemonSet => {
  const next = structuredClone(ds);
  next.spec!.template.spec!.containers[0]!.image = image;
  return next;
};

describe('DaemonSet history through the API', () => {
  it('creates the first revision, then finds it again', async () => {
    const { ds, list, history } = await setup();
    const first = await history.construct(ds, await list(), () => []);
    assert.equal(first.current.revision, 1);
    assert.equal(first.hash, hashOf(first.current));
    assert.deepEqual(first.old, []);
    const again = await history.construct(ds, await list(), () => []);
    assert.equal(again.current.metadata?.uid, first.current.metadata?.uid);
    assert.equal((await list()).length, 1);
  });

  it('renumbers the revision of a template rolled back to as the newest', async () => {
    const { ds, list, history } = await setup();
    await history.construct(ds, await list(), () => []);
    const v2 = await history.construct(withImage(ds, 'busybox:2'), await list(), () => []);
    assert.equal(v2.current.revision, 2);
    const back = await history.construct(ds, await list(), () => []);
    assert.equal(back.current.revision, 3);
    assert.deepEqual(back.old.map((r) => r.revision), [2]);
  });

  it('labels revisions lacking the hash label with their name, and adopts matching orphans', async () => {
    const { ds, list, put, history } = await setup();
    const legacy = newControllerRevision(revisionInput(withImage(ds, 'old'), 1));
    delete legacy.metadata!.labels![CONTROLLER_REVISION_HASH_LABEL];
    delete legacy.metadata!.ownerReferences;
    await put(legacy);
    const h = await history.construct(ds, await list(), () => []);
    assert.equal(h.current.revision, 2);
    assert.equal(h.old.length, 1);
    assert.equal(hashOf(h.old[0]!), legacy.metadata!.name);
    assert.equal(h.old[0]!.metadata?.ownerReferences?.[0]?.uid, ds.metadata.uid);
  });

  it('merges duplicate revisions of the current template, moving pods onto the kept hash', async () => {
    const { client, ds, list, put, history } = await setup();
    // Two revisions of the same template under different names (e.g. left by a hash change).
    const copy = (hash: string, revision: number) => {
      const r = newControllerRevision(revisionInput(ds, revision));
      return put({ ...r, metadata: { ...r.metadata, name: `ds-${hash}`, labels: { app: 'ds', [CONTROLLER_REVISION_HASH_LABEL]: hash } } });
    };
    await copy('a', 2);
    const b = await copy('b', 5);
    const pod = await client.create<Pod & Named>(RESOURCE_TYPES.pods, { metadata: { name: 'p', namespace: NS, labels: { app: 'ds', [CONTROLLER_REVISION_HASH_LABEL]: 'a' } }, spec: { containers: [] } });
    const h = await history.construct(ds, await list(), () => [pod]);
    assert.equal(h.current.metadata?.name, b.metadata.name);
    assert.equal(h.hash, 'b');
    assert.deepEqual((await list()).map((r) => r.metadata?.name), ['ds-b']);
    const moved = await client.get<Pod>(RESOURCE_TYPES.pods, 'p', { namespace: NS });
    assert.equal(hashOf(moved), 'b');
  });

  it('bumps status.collisionCount when another template holds the name, then succeeds under the new one', async () => {
    const { client, ds, list, put, history } = await setup();
    const squatter = newControllerRevision(revisionInput(ds, 1));
    await put({ ...squatter, data: { other: true } });
    await assert.rejects(history.construct(ds, await list(), () => []), /collision/);
    const bumped = await client.get<DaemonSet>(RESOURCE_TYPES.daemonsets, 'ds', { namespace: NS });
    assert.equal(bumped.status?.collisionCount, 1);
    // A sync with the stale count fails without bumping again.
    await assert.rejects(history.construct(ds, await list(), () => []), /stale collision count/);
    const h = await history.construct(bumped, await list(), () => []);
    assert.notEqual(h.current.metadata?.name, squatter.metadata?.name);
    assert.equal(h.current.metadata?.name, newControllerRevision({ ...revisionInput(bumped, 1), collisionCount: 1 }).metadata?.name);
  });

  it('trims old revisions beyond the limit, sparing those pods still carry', async () => {
    const { ds, list, history } = await setup({ revisionHistoryLimit: 1 });
    let h = await history.construct(ds, await list(), () => []);
    const liveHash = h.hash;
    for (const image of ['v2', 'v3', 'v4']) h = await history.construct(withImage(ds, image), await list(), () => []);
    const pod: Pod = { metadata: { name: 'p', labels: { [CONTROLLER_REVISION_HASH_LABEL]: liveHash } } };
    await history.cleanup(ds, h.old, [pod]);
    // Three old revisions, limit 1: the live first one stays and counts, so v2 and v3 go.
    assert.deepEqual((await list()).map((r) => r.revision).sort(), [1, 4]);
  });
});
