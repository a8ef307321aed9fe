import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyStrategicMergePatch } from './strategic-merge.js';

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', finalizers: ['a/b', 'c/d'], labels: { app: 'x' } },
  spec: {
    replicas: 3,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
    template: {
      spec: {
        containers: [
          { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }, { containerPort: 81 }] },
          { name: 'b', image: 'b:1' },
        ],
      },
    },
  },
});

test('the body kubectl apply sends: directives, merge keys, retainKeys, deletes', () => {
  const patch = {
    metadata: { '$deleteFromPrimitiveList/finalizers': ['c/d'], '$setElementOrder/finalizers': ['a/b'] },
    spec: {
      strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' },
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }],
          containers: [
            { name: 'a', env: null, '$setElementOrder/ports': [{ containerPort: 80 }], ports: [{ $patch: 'delete', containerPort: 81 }] },
            { $patch: 'delete', name: 'b' },
          ],
        },
      },
    },
  };
  const out = applyStrategicMergePatch(deployment(), patch, 'Deployment') as ReturnType<typeof deployment>;
  assert.deepEqual(out.metadata.finalizers, ['a/b']);
  assert.deepEqual(out.spec.strategy, { type: 'Recreate' });
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'a', image: 'a:1', ports: [{ containerPort: 80 }] }]);
  assert.equal(out.metadata.labels.app, 'x');
});

test('merging by key updates one element and appends new ones; other lists are replaced', () => {
  const out = applyStrategicMergePatch(
    deployment(),
    { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }, { name: 'c', image: 'c:1' }], tolerations: [{ key: 'k' }] } } } },
    'Deployment',
  ) as ReturnType<typeof deployment> & { spec: { template: { spec: { tolerations: unknown[] } } } };
  assert.deepEqual(out.spec.template.spec.containers.map((c) => `${c.name}=${c.image}`), ['a=a:1', 'b=b:2', 'c=c:1']);
  assert.deepEqual(out.spec.template.spec.tolerations, [{ key: 'k' }]);
});

test('$patch: replace on a list and on a map; set lists union', () => {
  const out = applyStrategicMergePatch(
    deployment(),
    {
      metadata: { finalizers: ['e/f'], labels: { $patch: 'replace', only: 'this' } },
      spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z' }] } } },
    },
    'Deployment',
  ) as ReturnType<typeof deployment>;
  assert.deepEqual(out.metadata.finalizers, ['a/b', 'c/d', 'e/f']);
  assert.deepEqual(out.metadata.labels, { only: 'this' });
  assert.deepEqual(out.spec.template.spec.containers, [{ name: 'z', image: 'z' }]);
});

test('does not mutate its inputs and refuses malformed patches', () => {
  const original = deployment();
  const before = JSON.stringify(original);
  applyStrategicMergePatch(original, { spec: { replicas: 1 } }, 'Deployment');
  assert.equal(JSON.stringify(original), before);
  assert.throws(() => applyStrategicMergePatch(original, [1, 2], 'Deployment'), /JSON object/);
  assert.throws(() => applyStrategicMergePatch(original, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, 'Deployment'), /merge key: name/);
});
