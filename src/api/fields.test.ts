import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from './errors.js';
import {
  escapeFieldValue,
  fieldRequirements,
  formatFieldSelector,
  isEmptyFieldSelector,
  matchFields,
  parseFieldSelector,
  requirementsOf,
  requiresExactMatch,
  transformFieldSelector,
  unescapeFieldValue,
  unknownFieldSelector,
  unsupportedFieldLabel,
} from './fields.js';

function parseError(s: string): string {
  try {
    parseFieldSelector(s);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    return err.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

test('parses =, == and != and formats canonically, terms sorted', () => {
  assert.equal(formatFieldSelector(parseFieldSelector('metadata.name=web')), 'metadata.name=web');
  assert.equal(formatFieldSelector(parseFieldSelector('status.phase==Running')), 'status.phase=Running');
  assert.equal(formatFieldSelector(parseFieldSelector('spec.nodeName!=n1,metadata.name=x')), 'metadata.name=x,spec.nodeName!=n1');
  assert.equal(formatFieldSelector(parseFieldSelector('a=,,b=1,')), 'a=,b=1');
  assert.deepEqual(fieldRequirements(parseFieldSelector('a==b,c!=d')), [
    { field: 'a', operator: '=', value: 'b' },
    { field: 'c', operator: '!=', value: 'd' },
  ]);
  assert.equal(isEmptyFieldSelector(parseFieldSelector('')), true);
  assert.equal(isEmptyFieldSelector(parseFieldSelector(',')), true);
});

test('backslash escapes in values', () => {
  const sel = parseFieldSelector('a=x\\,y\\=z\\\\w,b=2');
  assert.deepEqual(fieldRequirements(sel)[0], { field: 'a', operator: '=', value: 'x,y=z\\w' });
  assert.equal(formatFieldSelector(sel), 'a=x\\,y\\=z\\\\w,b=2');
  assert.equal(escapeFieldValue('a,b=c\\'), 'a\\,b\\=c\\\\');
  assert.equal(unescapeFieldValue(escapeFieldValue('a,b=c\\')), 'a,b=c\\');
});

test('malformed selectors are 400 with upstream messages', () => {
  assert.equal(parseError('a'), "invalid selector: 'a'; can't understand 'a'");
  assert.equal(parseError('b=1,a'), "invalid selector: 'b=1,a'; can't understand 'a'");
  assert.equal(parseError('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseError('a=b\\x'), 'invalid field selector: invalid escape sequence: \\x');
  assert.equal(parseError('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
});

test('field names are taken literally and the first operator splits', () => {
  assert.deepEqual(fieldRequirements(parseFieldSelector(' a = b')), [{ field: ' a ', operator: '=', value: ' b' }]);
  assert.equal(parseError('a!==b'), 'invalid field selector: unescaped character in value: 61');
  assert.equal(parseError('a==b!=c'), 'invalid field selector: unescaped character in value: 61');
  assert.deepEqual(fieldRequirements(parseFieldSelector('a==b\\=c')), [{ field: 'a', operator: '=', value: 'b=c' }]);
  assert.equal(parseError('a=b\\!'), 'invalid field selector: invalid escape sequence: \\!');
});

test('matching: missing fields read as empty', () => {
  const fields = { 'metadata.name': 'web', 'status.phase': 'Running' };
  const m = (s: string): boolean => matchFields(parseFieldSelector(s), fields);
  assert.equal(m('metadata.name=web'), true);
  assert.equal(m('metadata.name=db'), false);
  assert.equal(m('status.phase!=Pending'), true);
  assert.equal(m('metadata.name=web,status.phase=Running'), true);
  assert.equal(m('spec.nodeName='), true);
  assert.equal(m('spec.nodeName!='), false);
  assert.equal(m(''), true);
  assert.equal(m('constructor='), true, 'prototype members are not fields');
});

test('requirementsOf lists each field name once, for the server to check support', () => {
  assert.deepEqual(requirementsOf(parseFieldSelector('spec.nodeName=a,metadata.name=b,spec.nodeName!=c')), ['metadata.name', 'spec.nodeName']);
  assert.deepEqual(requirementsOf(parseFieldSelector('')), []);
});

test('requiresExactMatch and transform', () => {
  const sel = parseFieldSelector('metadata.name=web,spec.nodeName!=n1');
  assert.equal(requiresExactMatch(sel, 'metadata.name'), 'web');
  assert.equal(requiresExactMatch(sel, 'spec.nodeName'), undefined);
  const renamed = transformFieldSelector(sel, (field, value) => (field === 'spec.nodeName' ? { field: '', value: '' } : { field: `x.${field}`, value }));
  assert.equal(formatFieldSelector(renamed), 'x.metadata.name=web');
  assert.throws(
    () => transformFieldSelector(sel, (field) => {
      throw unsupportedFieldLabel(field);
    }),
    /field label not supported: metadata.name/,
  );
});

test('unsupported field errors', () => {
  const e = unsupportedFieldLabel('spec.foo');
  assert.equal(e.code, 400);
  assert.equal(e.reason, 'BadRequest');
  assert.equal(e.message, 'field label not supported: spec.foo');
  assert.equal(unknownFieldSelector('spec.foo').message, '"spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace"');
});
