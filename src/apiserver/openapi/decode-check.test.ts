import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCheck } from './decode-check.js';

const unknownFields = (group: string, version: string, kind: string, obj: unknown) => decodeCheck(group, version, kind, obj)?.unknown;

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
  assert.equal(decodeCheck('example.com', 'v1', 'Widget', {}), undefined);
});

test('nulls become Go zero values in place: dropped fields, empty strings in maps, empty structs in lists', () => {
  const obj = {
    metadata: { name: 'p', labels: { a: null, b: 'x' }, annotations: null, nmae: null },
    spec: { containers: [{ name: 'c', env: [null, { name: 'A', value: null }] }], nodeSelector: null },
  };
  assert.deepEqual(decodeCheck('', 'v1', 'Pod', obj), { unknown: [] });
  assert.deepEqual(obj, { metadata: { name: 'p', labels: { a: '', b: 'x' } }, spec: { containers: [{ name: 'c', env: [{}, { name: 'A' }] }] } });
});

test('the first wrongly typed value is refused in the decoder’s words, map keys and list positions left out', () => {
  const check = (group: string, kind: string, obj: unknown) => decodeCheck(group, 'v1', kind, obj)?.typeError;
  assert.equal(check('apps', 'Deployment', { spec: { replicas: 'three' } }), 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  assert.equal(check('', 'Pod', { metadata: { labels: { a: 1 } } }), 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string');
  assert.equal(
    check('', 'Pod', { spec: { containers: [{ name: 'c' }, { name: 'd', ports: [{ containerPort: '80' }] }] } }),
    'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32',
  );
  assert.equal(check('', 'Pod', { spec: { containers: 'x' } }), 'json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []interface {}');
  // A type error stops the walk: no unknown fields are reported with it.
  assert.deepEqual(decodeCheck('', 'v1', 'ConfigMap', { bogus: 1, data: { a: 2 } }), {
    typeError: 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    unknown: [],
  });
});

test("names of Object's own members are unknown fields like any other", () => {
  const bad = JSON.parse('{"apiVersion":"v1","kind":"Pod","spec":{"constructor":1,"__proto__":{"x":1},"containers":[{"name":"c","toString":"x"}]}}');
  assert.deepEqual(unknownFields('', 'v1', 'Pod', bad), ['spec.constructor', 'spec.__proto__', 'spec.containers[0].toString']);
});

test('a type error names the struct path without map keys', () => {
  const bad = structuredClone(pod) as Record<string, any>;
  bad['spec']['containers'][0]['resources']['limits']['cpu'] = true;
  assert.equal(
    decodeCheck('', 'v1', 'Pod', bad)?.typeError,
    'json: cannot unmarshal bool into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.Quantity',
  );
});
