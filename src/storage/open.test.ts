import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDsn } from './open.js';
import { prefixEnd } from './limits.js';

test('parses sqlite and etcd DSNs', () => {
  assert.deepEqual(parseDsn('sqlite:///var/lib/skiff/state.db'), { driver: 'sqlite', path: '/var/lib/skiff/state.db' });
  assert.deepEqual(parseDsn('sqlite://data/state.db'), { driver: 'sqlite', path: 'data/state.db' });
  assert.deepEqual(parseDsn('etcd://10.0.0.1:2379, host2:2379'), { driver: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://host2:2379'] });
});

test('refuses malformed DSNs clearly', () => {
  for (const bad of ['state.db', 'sqlite://', 'etcd://', 'etcd://host', 'mysql://x:1']) {
    assert.throws(() => parseDsn(bad), /datastore/);
  }
});

test('prefixEnd bounds exactly the keys with the prefix', () => {
  assert.equal(prefixEnd('/registry/pods/'), '/registry/pods0');
  assert.equal(prefixEnd(''), undefined);
});
