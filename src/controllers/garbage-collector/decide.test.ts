import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingDependents, decideDependent, ownerNamespace, ownerResource, withoutOwners, type OwnerState } from './decide.js';
import { OwnershipGraph, nodeFromMeta, type OwnerRef } from './graph.js';
import { RESOURCE_TYPES } from '../../client/index.js';

const ref = (uid: string, block = false): OwnerRef => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, blockOwnerDeletion: block });
const item = (owners: OwnerRef[], finalizers: string[] = [], beingDeleted = false) => ({ owners, finalizers, beingDeleted });
const states = (entries: Record<string, OwnerState>) => new Map(Object.entries(entries));

describe('decideDependent', () => {
  it('deletes in the background once every owner is dangling', () => {
    assert.deepEqual(decideDependent(item([ref('a'), ref('b')]), states({ a: 'dangling', b: 'dangling' }), false), { kind: 'delete', propagationPolicy: 'Background' });
  });
  it('only drops the dangling reference while another owner is solid', () => {
    assert.deepEqual(decideDependent(item([ref('a'), ref('b')]), states({ a: 'dangling', b: 'solid' }), false), { kind: 'removeOwners', uids: ['a'] });
    assert.deepEqual(decideDependent(item([ref('a'), ref('b')]), states({ a: 'waiting', b: 'solid' }), false), { kind: 'removeOwners', uids: ['a'] });
    assert.deepEqual(decideDependent(item([ref('a')]), states({ a: 'solid' }), false), { kind: 'none' });
  });
  it('goes in the foreground when its owner waits and it has dependents of its own', () => {
    assert.deepEqual(decideDependent(item([ref('a')]), states({ a: 'waiting' }), true), { kind: 'delete', propagationPolicy: 'Foreground' });
    assert.deepEqual(decideDependent(item([ref('a')]), states({ a: 'waiting' }), false), { kind: 'delete', propagationPolicy: 'Background' });
  });
  it('keeps the policy the dependent asked for, and leaves objects already being deleted alone', () => {
    assert.deepEqual(decideDependent(item([ref('a')], ['orphan']), states({ a: 'dangling' }), true), { kind: 'delete', propagationPolicy: 'Orphan' });
    assert.deepEqual(decideDependent(item([ref('a')], [], true), states({ a: 'dangling' }), false), { kind: 'none' });
    assert.deepEqual(decideDependent(item([]), states({}), false), { kind: 'none' });
  });
});

describe('ownership helpers', () => {
  it('finds the blocking dependents of an owner', () => {
    const graph = new OwnershipGraph();
    for (const [uid, block] of [['p1', true], ['p2', false]] as const) {
      graph.upsert(nodeFromMeta(RESOURCE_TYPES.pods, { uid, name: uid, namespace: 'ns', ownerReferences: [ref('o', block)] })!);
    }
    assert.deepEqual(blockingDependents('o', graph.dependents('o')).map((n) => n.uid), ['p1']);
    graph.remove('p1');
    assert.deepEqual(graph.dependents('o').map((n) => n.uid), ['p2']);
    graph.upsert(nodeFromMeta(RESOURCE_TYPES.pods, { uid: 'p2', name: 'p2', namespace: 'ns' })!);
    assert.deepEqual(graph.dependents('o'), []);
  });
  it('resolves owner kinds across versions and scopes', () => {
    assert.equal(ownerResource({ apiVersion: 'apps/v1', kind: 'Deployment' })?.resource, 'deployments');
    assert.equal(ownerResource({ apiVersion: 'apps/v1beta2', kind: 'ReplicaSet' })?.resource, 'replicasets');
    assert.equal(ownerResource({ apiVersion: 'v1', kind: 'Node' })?.namespaced, false);
    assert.equal(ownerResource({ apiVersion: 'example.com/v1', kind: 'Widget' }), undefined);
    assert.equal(ownerNamespace({ namespaced: true }, 'ns'), 'ns');
    assert.equal(ownerNamespace({ namespaced: false }, 'ns'), '');
    assert.equal(ownerNamespace({ namespaced: true }, ''), undefined);
    assert.deepEqual(withoutOwners([ref('a'), ref('b')], ['a']).map((r) => r.uid), ['b']);
  });
});
