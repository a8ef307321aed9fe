import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldErrorMessage } from '../errors.js';
import {
  byteLength,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelKey,
  isValidLabelValue,
  isValidPathSegmentName,
  maskTrailingDash,
  nameIsDnsLabel,
  nameIsDnsSubdomain,
  validateAnnotations,
  validateFinalizers,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaNames,
  validatePathSegmentName,
} from './names.js';

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

test('DNS-1123 subdomain: valid names pass', () => {
  for (const v of ['a', 'example.com', 'my-app-1', '0', 'a.b-c.d', 'x'.repeat(253)]) assert.deepEqual(isDns1123Subdomain(v), [], v);
});

test('DNS-1123 subdomain: messages are upstream wording, byte for byte', () => {
  assert.deepEqual(isDns1123Subdomain('My_App'), [SUBDOMAIN_MSG]);
  assert.deepEqual(isDns1123Subdomain(''), [SUBDOMAIN_MSG]);
  assert.deepEqual(isDns1123Subdomain('-a'), [SUBDOMAIN_MSG]);
  assert.deepEqual(isDns1123Subdomain('a.'), [SUBDOMAIN_MSG]);
  assert.deepEqual(isDns1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
  assert.deepEqual(isDns1123Subdomain(`${'a'.repeat(254)}-`), ['must be no more than 253 characters', SUBDOMAIN_MSG]);
});

test('DNS-1123 label: length, regex and the dedicated "dots" message', () => {
  assert.deepEqual(isDns1123Label('web'), []);
  assert.deepEqual(isDns1123Label('a'.repeat(63)), []);
  assert.deepEqual(isDns1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
  assert.deepEqual(isDns1123Label('Web'), [LABEL_MSG]);
  assert.deepEqual(isDns1123Label('a.b'), ['must not contain dots']);
  assert.deepEqual(isDns1123Label('a..b'), [LABEL_MSG]);
});

test('DNS-1035 label must start with a letter', () => {
  assert.deepEqual(isDns1035Label('abc-1'), []);
  assert.deepEqual(isDns1035Label('1abc'), [
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
  ]);
});

test('qualified names (label keys): prefix and name parts', () => {
  for (const v of ['app', 'App.Name_1', 'example.com/MyName', 'kubernetes.io/cluster-service', 'a'.repeat(63)]) {
    assert.deepEqual(isQualifiedName(v), [], v);
  }
  assert.equal(isValidLabelKey, isQualifiedName);
  assert.deepEqual(isQualifiedName(''), ['name part must be non-empty', NAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  assert.deepEqual(isQualifiedName('app:monolith'), [NAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('/a'), ['prefix part must be non-empty']);
  assert.deepEqual(isQualifiedName('a/'), ['name part must be non-empty', NAME_PART_MSG]);
  assert.deepEqual(isQualifiedName('Example.com/a'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(isQualifiedName('app.kubernetes_io/name'), [`prefix part ${SUBDOMAIN_MSG}`]);
  assert.deepEqual(isQualifiedName('a/b/c'), [
    "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
  ]);
});

test('label values: empty is valid, 63 bytes max', () => {
  for (const v of ['', 'v1', 'My_Value.2', 'a'.repeat(63)]) assert.deepEqual(isValidLabelValue(v), [], v);
  assert.deepEqual(isValidLabelValue('a b'), [LABEL_VALUE_MSG]);
  assert.deepEqual(isValidLabelValue('-a'), [LABEL_VALUE_MSG]);
  assert.deepEqual(isValidLabelValue('a'.repeat(64)), ['must be no more than 63 characters']);
});

test('lengths are UTF-8 bytes, as Go len()', () => {
  assert.equal(byteLength('abc'), 3);
  assert.equal(byteLength('é'), 2);
  assert.equal(byteLength('大'), 3);
  assert.equal(byteLength('😀'), 4);
  // 22 three-byte characters are 66 bytes: too long as well as invalid.
  assert.deepEqual(isValidLabelValue('大'.repeat(22)), ['must be no more than 63 characters', LABEL_VALUE_MSG]);
});

test('path segment names', () => {
  assert.deepEqual(isValidPathSegmentName('.'), ["may not be '.'"]);
  assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
  assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  assert.deepEqual(validatePathSegmentName('.', true), []);
  assert.deepEqual(validatePathSegmentName('ok', false), []);
});

test('generateName: a trailing dash is accepted via maskTrailingDash', () => {
  assert.equal(maskTrailingDash('web-'), 'wea');
  assert.equal(maskTrailingDash('-'), '-');
  assert.equal(maskTrailingDash('web'), 'web');
  assert.deepEqual(nameIsDnsSubdomain('web-', true), []);
  assert.deepEqual(nameIsDnsSubdomain('web-', false), [SUBDOMAIN_MSG]);
  assert.deepEqual(nameIsDnsLabel('pod-', true), []);
});

test('ObjectMeta names: required name, generateName, namespace rules', () => {
  const opts = { namespaced: true, nameFn: nameIsDnsSubdomain };
  assert.deepEqual(validateObjectMetaNames({ name: 'web', namespace: 'default' }, opts), []);
  assert.deepEqual(validateObjectMetaNames({ generateName: 'web-', namespace: 'default' }, opts).map(fieldErrorMessage), [
    'metadata.name: Required value: name or generateName is required',
  ]);
  assert.deepEqual(validateObjectMetaNames({ name: 'Web' }, opts).map(fieldErrorMessage), [
    `metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`,
    'metadata.namespace: Required value',
  ]);
  assert.deepEqual(validateObjectMetaNames({ name: 'n1', namespace: 'a.b' }, opts).map(fieldErrorMessage), [
    'metadata.namespace: Invalid value: "a.b": must not contain dots',
  ]);
  assert.deepEqual(validateObjectMetaNames({ name: 'n1', namespace: 'x' }, { namespaced: false, nameFn: nameIsDnsSubdomain }).map(fieldErrorMessage), [
    'metadata.namespace: Forbidden: not allowed on this type',
  ]);
  assert.deepEqual(validateObjectMetaNames({ generateName: 'Bad-', name: 'ok' }, opts)[0], {
    type: 'FieldValueInvalid',
    field: 'metadata.generateName',
    value: 'Bad-',
    detail: SUBDOMAIN_MSG,
  });
});

test('labels: errors are on metadata.labels with the offending key or value', () => {
  assert.deepEqual(validateLabels({ app: 'web', 'example.com/tier': '' }), []);
  assert.deepEqual(validateLabels({ 'bad key': 'ok', k: 'bad value' }).map(fieldErrorMessage), [
    `metadata.labels: Invalid value: "bad key": ${NAME_PART_MSG}`,
    `metadata.labels: Invalid value: "bad value": ${LABEL_VALUE_MSG}`,
  ]);
  assert.deepEqual(validateLabels(undefined), []);
});

test('annotations: case-insensitive keys and a 256 KiB total', () => {
  assert.deepEqual(validateAnnotations({ 'Example.com/Key': 'anything at all: ∞' }), []);
  assert.deepEqual(validateAnnotations({ 'a b': 'x' }).map(fieldErrorMessage), [`metadata.annotations: Invalid value: "a b": ${NAME_PART_MSG}`]);
  assert.deepEqual(validateAnnotations({ k: 'x'.repeat(256 * 1024 - 1) }), []);
  assert.deepEqual(validateAnnotations({ k: 'x'.repeat(256 * 1024) }).map(fieldErrorMessage), [
    'metadata.annotations: Too long: may not be more than 262144 bytes',
  ]);
});

test('finalizers and the whole ObjectMeta', () => {
  assert.deepEqual(validateFinalizers(['kubernetes.io/pv-protection', 'orphan']), []);
  assert.deepEqual(validateFinalizers(['orphan', 'foregroundDeletion']).map(fieldErrorMessage), [
    'metadata.finalizers: Invalid value: ["orphan","foregroundDeletion"]: finalizer orphan and foregroundDeletion cannot be both set',
  ]);
  const errs = validateObjectMeta(
    { name: 'web', namespace: 'default', generation: -1, labels: { 'a:b': 'c' }, finalizers: ['x/y/z'] },
    { namespaced: true, nameFn: nameIsDnsSubdomain },
  );
  assert.deepEqual(
    errs.map((e) => e.field),
    ['metadata.generation', 'metadata.labels', 'metadata.finalizers'],
  );
  assert.equal(fieldErrorMessage(errs[0]!), 'metadata.generation: Invalid value: -1: must be greater than or equal to 0');
});

test('validators asked again answer the same: a passed string is remembered, a refused one is checked each time', () => {
  for (let i = 0; i < 2; i++) {
    assert.deepEqual(isQualifiedName('example.com/app'), []);
    assert.equal(isQualifiedName('bad key!').length, 1);
    assert.deepEqual(isValidLabelValue('stable'), []);
    assert.equal(isValidLabelValue('-x').length, 1);
  }
});

test('byteLength counts UTF-8 bytes as Go does, lone surrogates as three', () => {
  assert.deepEqual(['a', 'é', '😀', '\ud800', 'x\udc00y'].map(byteLength), [1, 2, 4, 3, 5]);
});
