import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unknownFields } from './field-validation.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' }, annotations: { a: 'b' } },
  spec: {
    containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } } }],
    volumes: [{ name: 'v', emptyDir: {} }],
  },
};

test('a well-formed pod has no unknown fields', () => {
  assert.deepEqual(unknownFields('', 'v1', 'Pod', pod), []);
});

test('unknown fields are reported by path, in document order', () => {
  const bad = structuredClone(pod) as Record<string, any>;
  bad['spec']['foo'] = 'bar';
  bad['spec']['containers'][0]['imagee'] = 'x';
  bad['metadata']['nmae'] = 'x';
  bad['extra'] = 1;
  assert.deepEqual(unknownFields('', 'v1', 'Pod', bad), ['metadata.nmae', 'spec.containers[0].imagee', 'spec.foo', 'extra']);
});

test('maps and free-form fields accept any key', () => {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { anything: 'x' } }, template: { metadata: { labels: { anything: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  };
  assert.deepEqual(unknownFields('apps', 'v1', 'Deployment', deploy), []);
  const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', revision: 1, data: { whatever: { nested: true } } };
  assert.deepEqual(unknownFields('apps', 'v1', 'ControllerRevision', revision), []);
});

test('a kind without a schema is undefined, not "no unknown fields"', () => {
  assert.equal(unknownFields('example.com', 'v1', 'Widget', {}), undefined);
});
