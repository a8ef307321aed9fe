import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { labelSelectorFromObject } from '../../api/labels.js';
import { Client, RESOURCE_TYPES } from '../../client/index.js';
import { FakeTransport } from '../../client/fake-transport.js';
import { newControllerRevision } from './history.js';
import { claimRevisions, createRevision, tryCreateRevision } from './revision-client.js';

const owner = { metadata: { name: 'web', namespace: 'ns', uid: 'set-1' } };
const input = { owner, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', data: { spec: { template: { x: 1 } } }, revision: 1, labels: { app: 'web' } };

describe('createRevision', () => {
  it('creates the revision, and returns an equal one of the same owner that already exists', async () => {
    const client = new Client(new FakeTransport());
    const first = await createRevision(client, input, 0);
    assert.equal(first.collisionCount, 0);
    const again = await createRevision(client, input, 0);
    assert.equal(again.revision.metadata?.uid, first.revision.metadata?.uid);
    assert.equal(again.collisionCount, 0);
  });
  it('bumps the collision count when the name is taken by different data', async () => {
    const client = new Client(new FakeTransport());
    // Another revision squatting on the name the data hashes to.
    const squatter = newControllerRevision({ ...input, collisionCount: 0 });
    await client.create(RESOURCE_TYPES.controllerrevisions, { ...squatter, data: { other: true } } as ControllerRevision & { metadata: { name: string; namespace: string } });
    const made = await createRevision(client, input, 0);
    assert.equal(made.collisionCount, 1);
    assert.notEqual(made.revision.metadata?.name, squatter.metadata?.name);
    assert.equal(made.revision.metadata?.name, newControllerRevision({ ...input, collisionCount: 1 }).metadata?.name);
  });
});

describe('tryCreateRevision', () => {
  it('reports a collision instead of retrying, and can accept an equal revision of another owner', async () => {
    const client = new Client(new FakeTransport());
    const other = { metadata: { name: 'web', namespace: 'ns', uid: 'old-set' } };
    const theirs = await tryCreateRevision(client, { ...input, owner: other }, undefined);
    assert.ok(theirs.revision);
    assert.deepEqual(await tryCreateRevision(client, input, undefined), { collided: true });
    const taken = await tryCreateRevision(client, input, undefined, { requireSameOwner: false });
    assert.equal(taken.revision?.metadata?.uid, theirs.revision.metadata?.uid);
    const changed = { ...input, data: { spec: { template: { x: 2 } } } };
    await client.create(RESOURCE_TYPES.controllerrevisions, { ...newControllerRevision(changed), data: { other: true } } as ControllerRevision & { metadata: { name: string; namespace: string } });
    assert.deepEqual(await tryCreateRevision(client, changed, undefined, { requireSameOwner: false }), { collided: true });
  });
});

describe('claimRevisions', () => {
  it('adopts matching orphans and releases its own that stopped matching', async () => {
    const client = new Client(new FakeTransport());
    const mk = (name: string, labels: Record<string, string>, owned: boolean) =>
      client.create<ControllerRevision & { metadata: { name: string; namespace: string } }>(RESOURCE_TYPES.controllerrevisions, {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: { name, namespace: 'ns', labels, ...(owned ? { ownerReferences: newControllerRevision(input).metadata!.ownerReferences! } : {}) },
        revision: 1,
        data: {},
      });
    const candidates = [await mk('orphan', { app: 'web' }, false), await mk('moved', { app: 'db' }, true), await mk('mine', { app: 'web' }, true)];
    const claimed = await claimRevisions(client, { owner, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', selector: labelSelectorFromObject({ matchLabels: { app: 'web' } }), candidates });
    assert.deepEqual(claimed.map((r) => r.metadata?.name).sort(), ['mine', 'orphan']);
    const moved = await client.get<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, 'moved', { namespace: 'ns' });
    assert.deepEqual(moved.metadata?.ownerReferences ?? [], []);
    const orphan = await client.get<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, 'orphan', { namespace: 'ns' });
    assert.equal(orphan.metadata?.ownerReferences?.[0]?.uid, 'set-1');
  });
  it('adopts nothing when the owner says it may not', async () => {
    const client = new Client(new FakeTransport());
    const orphan = await client.create<ControllerRevision & { metadata: { name: string; namespace: string } }>(RESOURCE_TYPES.controllerrevisions, {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'orphan', namespace: 'ns', labels: { app: 'web' } },
      revision: 1,
      data: {},
    });
    let asked = 0;
    const canAdopt = async () => (asked++, false);
    const claimed = await claimRevisions(client, { owner, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', selector: labelSelectorFromObject({ matchLabels: { app: 'web' } }), candidates: [orphan], canAdopt });
    assert.deepEqual(claimed, []);
    assert.equal(asked, 1);
    const after = await client.get<ControllerRevision>(RESOURCE_TYPES.controllerrevisions, 'orphan', { namespace: 'ns' });
    assert.deepEqual(after.metadata?.ownerReferences ?? [], []);
  });
});
