import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, fieldErrorMessage } from './errors.js';
import {
  EVERYTHING,
  NOTHING,
  formatLabelSelector,
  isEmpty,
  labelSelectorFromObject,
  matchLabels,
  matchesNothing,
  newRequirement,
  parseLabelSelector,
  requiresExactMatch,
  selectorFromSet,
  validateLabelSelector,
} from './labels.js';

/** The 400 message parseLabelSelector throws for `s`. */
function parseError(s: string): string {
  try {
    parseLabelSelector(s);
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 400);
    assert.equal(err.reason, 'BadRequest');
    return err.message;
  }
  assert.fail(`${JSON.stringify(s)} parsed`);
}

const NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

test('parses every operator and formats canonically (sorted by key)', () => {
  const cases: [string, string][] = [
    ['a=b', 'a=b'],
    ['a==b', 'a==b'],
    ['a!=b', 'a!=b'],
    ['env in (prod, dev)', 'env in (dev,prod)'],
    ['env notin (x)', 'env notin (x)'],
    ['a', 'a'],
    ['!a', '!a'],
    ['a>5,b<3', 'a>5,b<3'],
    ['z=1,a=2', 'a=2,z=1'],
    ['  a  =  b  ,\tc\n', 'a=b,c'],
    ['a=', 'a='],
    ['x in (foo,,baz),y,z notin ()', 'x in (,baz,foo),y,z notin ()'],
    ['in in (in, notin)', 'in in (in,notin)'],
    ['kubernetes.io/cluster-service=true', 'kubernetes.io/cluster-service=true'],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(formatLabelSelector(parseLabelSelector(input)), want, input);
});

test('parse errors carry upstream messages', () => {
  assert.equal(parseError('a b'), 'unable to parse requirement: found \'b\', expected: in, notin, =, ==, !=, gt, lt');
  assert.equal(parseError('app:monolith'), `unable to parse requirement: <nil>: Invalid value: "app:monolith": ${NAME_PART}`);
  assert.match(parseError('app.kubernetes_io/name=x'), /^unable to parse requirement: <nil>: Invalid value: "app.kubernetes_io\/name": prefix part a lowercase RFC 1123 subdomain/);
  assert.match(parseError('a=b$'), /^unable to parse requirement: values\[0\]\[a\]: Invalid value: "b\$": a valid label must be an empty string/);
  assert.match(parseError('b<-3'), /^unable to parse requirement: values\[0\]\[b\]: Invalid value: "-3": a valid label/, 'negative bounds are not label values');
  assert.equal(parseError('a>b'), "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer");
  assert.equal(parseError('a in b'), "unable to parse requirement: found 'b' expected: '('");
  assert.equal(parseError('a in (b c)'), "unable to parse requirement: found 'c', expected: ',' or ')'");
  assert.equal(parseError('a in (b'), "unable to parse requirement: found '', expected: ',' or ')'");
  assert.equal(parseError('a in ()x'), "found 'x', expected: ',' or 'end of string'");
  assert.equal(parseError('a,'), "found '', expected: identifier after ','");
  assert.equal(parseError(',a'), "found ',', expected: !, identifier, or 'end of string'");
  assert.equal(parseError('a=b=c'), "found '=', expected: ',' or 'end of string'");
  assert.equal(parseError('!!a'), "unable to parse requirement: found '!', expected: identifier");
  assert.equal(parseError('a=(b)'), "unable to parse requirement: found '(', expected: identifier");
  assert.equal(parseError('!a=b'), "found '=', expected: ',' or 'end of string'");
  assert.equal(parseError('a'.repeat(64)), `unable to parse requirement: <nil>: Invalid value: "${'a'.repeat(64)}": name part must be no more than 63 characters`);
});

test('matching: equality, sets, existence, numeric comparisons', () => {
  const labels = { app: 'web', tier: 'front', n: '10' };
  const m = (s: string, l: Record<string, string> | undefined = labels): boolean => matchLabels(parseLabelSelector(s), l);
  assert.equal(m('app=web'), true);
  assert.equal(m('app==web,tier=front'), true);
  assert.equal(m('app=db'), false);
  assert.equal(m('app!=db'), true);
  assert.equal(m('missing!=x'), true, '!= matches when the label is absent');
  assert.equal(m('app in (db, web)'), true);
  assert.equal(m('app notin (web)'), false);
  assert.equal(m('missing notin (x)'), true);
  assert.equal(m('missing in (x)'), false);
  assert.equal(m('app'), true);
  assert.equal(m('!app'), false);
  assert.equal(m('!missing'), true);
  assert.equal(m('n>9'), true);
  assert.equal(m('n>10'), false);
  assert.equal(m('n<11'), true);
  assert.equal(m('app>1'), false, 'non-integer label values never satisfy gt/lt');
  assert.equal(m('missing='), false, 'a= needs the label to exist with an empty value');
  assert.equal(m('e=', { e: '' }), true);
  assert.equal(m('', undefined), true);
  assert.equal(m('constructor'), false, 'prototype members are not labels');
  assert.equal(m('!constructor', {}), true);
});

test('EVERYTHING, NOTHING and emptiness', () => {
  assert.equal(isEmpty(EVERYTHING), true);
  assert.equal(isEmpty(parseLabelSelector('')), true);
  assert.equal(isEmpty(NOTHING), false);
  assert.equal(matchesNothing(NOTHING), true);
  assert.equal(matchLabels(NOTHING, {}), false);
  assert.equal(matchLabels(EVERYTHING, { any: 'x' }), true);
  assert.equal(formatLabelSelector(NOTHING), '');
});

test('metav1.LabelSelector conversion: nil matches nothing, empty everything', () => {
  assert.equal(labelSelectorFromObject(undefined), NOTHING);
  assert.equal(labelSelectorFromObject(null), NOTHING);
  assert.equal(isEmpty(labelSelectorFromObject({})), true);
  assert.equal(isEmpty(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] })), true);
  const sel = labelSelectorFromObject({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['front', 'back'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'zone', operator: 'Exists', values: [] },
    ],
  });
  assert.equal(formatLabelSelector(sel), 'app=web,!canary,env notin (dev),tier in (back,front),zone');
  assert.equal(matchLabels(sel, { app: 'web', tier: 'back', zone: 'a' }), true);
  assert.equal(matchLabels(sel, { app: 'web', tier: 'back', zone: 'a', canary: '1' }), false);
});

test('metav1.LabelSelector conversion refuses malformed requirements', () => {
  const err = (sel: Parameters<typeof labelSelectorFromObject>[0]): string => {
    try {
      labelSelectorFromObject(sel);
    } catch (e) {
      assert.ok(e instanceof ApiError && e.code === 400);
      return e.message;
    }
    assert.fail('accepted');
  };
  assert.equal(
    err({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }),
    "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty",
  );
  assert.equal(
    err({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }),
    'values: Invalid value: ["x"]: values set must be empty for exists and does not exist',
  );
  assert.equal(err({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), '"Foo" is not a valid label selector operator');
  assert.equal(err({ matchLabels: { 'a b': 'c' } }), `key: Invalid value: "a b": ${NAME_PART}`);
  assert.match(
    err({ matchExpressions: [{ key: 'bad key', operator: 'In', values: [] }] }),
    /^\[key: Invalid value: "bad key": .*, values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty\]$/,
  );
});

test('newRequirement validates like upstream NewRequirement', () => {
  assert.deepEqual(newRequirement('a', 'in', ['x', 'y']).values, ['x', 'y']);
  assert.throws(() => newRequirement('a', '=', ['x', 'y']), /exact-match compatibility requires one single value/);
  assert.throws(() => newRequirement('a', 'gt', ['1', '2']), /exactly one value is required/);
});

test('selectorFromSet and requiresExactMatch', () => {
  const sel = selectorFromSet({ b: '2', a: '1' });
  assert.equal(formatLabelSelector(sel), 'a=1,b=2');
  assert.equal(isEmpty(selectorFromSet({})), true);
  assert.equal(requiresExactMatch(parseLabelSelector('a in (x),b in (x,y),c!=z'), 'a'), 'x');
  assert.equal(requiresExactMatch(parseLabelSelector('a in (x),b in (x,y),c!=z'), 'b'), undefined);
  assert.equal(requiresExactMatch(parseLabelSelector('a in (x),b in (x,y),c!=z'), 'c'), undefined);
});

test('validateLabelSelector reports field errors for objects', () => {
  assert.deepEqual(validateLabelSelector({ matchLabels: { app: 'web' } }, 'spec.selector'), []);
  assert.deepEqual(validateLabelSelector(undefined, 'spec.selector'), []);
  const errs = validateLabelSelector(
    {
      matchLabels: { app: 'bad value' },
      matchExpressions: [
        { key: 'a', operator: 'In' },
        { key: 'b', operator: 'Exists', values: ['x'] },
        { key: 'c', operator: 'Near', values: ['-x'] },
      ],
    },
    'spec.selector',
  );
  assert.deepEqual(errs.map(fieldErrorMessage), [
    "spec.selector.matchLabels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    'spec.selector.matchExpressions[2].operator: Invalid value: "Near": not a valid selector operator',
    "spec.selector.matchExpressions[2].values[0]: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
  ]);
});
