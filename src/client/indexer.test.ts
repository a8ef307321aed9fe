import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { Indexer, NAMESPACE_INDEX, fieldIndex, labelIndex } from './indexer.js';
import { Lister } from './lister.js';

const pod = (ns: string, name: string, nodeName?: string, labels?: Record<string, string>, rv = '1'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, resourceVersion: rv, ...(labels ? { labels } : {}) },
  spec: nodeName ? { nodeName } : {},
});

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata!.name).sort();

describe('Indexer', () => {
  it('keys objects by namespace/name and indexes them by namespace', () => {
    const idx = new Indexer();
    idx.set(pod('a', 'p1'));
    idx.set(pod('a', 'p2'));
    idx.set(pod('b', 'p1'));
    idx.set({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    assert.deepEqual(idx.listKeys().sort(), ['a/p1', 'a/p2', 'b/p1', 'n1']);
    assert.deepEqual(names(idx.byIndex(NAMESPACE_INDEX, 'a')), ['p1', 'p2']);
    assert.equal(idx.get('n1')?.kind, 'Node');
  });

  it('keeps a custom index (pods by spec.nodeName) right through updates and deletes', () => {
    const idx = new Indexer({ node: fieldIndex('spec.nodeName') });
    idx.set(pod('a', 'p1', 'n1'));
    idx.set(pod('a', 'p2', 'n1'));
    idx.set(pod('a', 'p3'));
    assert.deepEqual(names(idx.byIndex('node', 'n1')), ['p1', 'p2']);
    const old = idx.set(pod('a', 'p2', 'n2', undefined, '2'));
    assert.equal(old?.metadata?.resourceVersion, '1');
    assert.deepEqual(names(idx.byIndex('node', 'n1')), ['p1']);
    assert.deepEqual(names(idx.byIndex('node', 'n2')), ['p2']);
    idx.set(pod('a', 'p3', 'n2'));
    idx.delete('a/p2');
    assert.deepEqual(names(idx.byIndex('node', 'n2')), ['p3']);
    idx.delete('a/p1');
    assert.deepEqual(idx.indexValues('node'), ['n2'], 'empty index values are dropped');
    assert.throws(() => idx.byIndex('nope', 'x'), /no index named nope/);
  });

  it('indexes objects already cached when an indexer is added later, and rebuilds on replace', () => {
    const idx = new Indexer();
    idx.set(pod('a', 'p1', undefined, { app: 'web' }));
    idx.set(pod('a', 'p2', undefined, { app: 'db' }));
    idx.addIndexers({ app: labelIndex('app') });
    assert.deepEqual(names(idx.byIndex('app', 'web')), ['p1']);
    assert.throws(() => idx.addIndexers({ app: labelIndex('app') }), /already exists/);
    idx.replace([pod('b', 'p9', undefined, { app: 'web' })]);
    assert.deepEqual(idx.byIndex('app', 'web').map((o) => o.metadata!.namespace), ['b']);
    assert.deepEqual(idx.byIndex(NAMESPACE_INDEX, 'a'), []);
    assert.equal(idx.size, 1);
  });
});

describe('Lister', () => {
  it('lists all, per namespace, by label selector, and gets by name', () => {
    const idx = new Indexer();
    idx.set(pod('a', 'web-1', undefined, { app: 'web', tier: 'fe' }));
    idx.set(pod('a', 'db-1', undefined, { app: 'db' }));
    idx.set(pod('b', 'web-2', undefined, { app: 'web' }));
    const lister = new Lister(idx);
    assert.equal(lister.list().length, 3);
    assert.deepEqual(names(lister.list('app=web')), ['web-1', 'web-2']);
    assert.deepEqual(names(lister.namespace('a').list('app in (web,db),!tier')), ['db-1']);
    assert.equal(lister.namespace('b').get('web-2')?.metadata?.name, 'web-2');
    assert.equal(lister.namespace('b').get('web-1'), undefined);
    assert.equal(lister.get('a/db-1')?.metadata?.name, 'db-1');
  });
});
