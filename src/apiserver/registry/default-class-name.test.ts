import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoredObject } from '../../api/object.js';
import { toTable } from '../table.js';
import { ingressClassStrategy, storageClassStrategy } from './other-kinds.js';

const obj = (kind: string, name: string, annotations: Record<string, string> = {}) => ({ apiVersion: 'v1', kind, metadata: { name, annotations } }) as unknown as StoredObject;
const names = (rows: unknown) => (rows as { cells: unknown[] }[]).map((r) => r.cells[0]);

it('a default StorageClass or IngressClass is named "name (default)" in tables, as upstream prints it', () => {
  const now = new Date();
  const classes = [obj('StorageClass', 'local-path', { 'storageclass.kubernetes.io/is-default-class': 'true' }), obj('StorageClass', 'slow'), obj('StorageClass', 'old', { 'storageclass.beta.kubernetes.io/is-default-class': 'true' })];
  assert.deepEqual(names(toTable(classes, storageClassStrategy, { now, withColumns: false, includeObject: 'None' })['rows']), ['local-path (default)', 'slow', 'old (default)']);
  const ingress = [obj('IngressClass', 'nginx', { 'ingressclass.kubernetes.io/is-default-class': 'true' }), obj('IngressClass', 'other', { 'ingressclass.kubernetes.io/is-default-class': 'false' })];
  assert.deepEqual(names(toTable(ingress, ingressClassStrategy, { now, withColumns: false, includeObject: 'None' })['rows']), ['nginx (default)', 'other']);
});
