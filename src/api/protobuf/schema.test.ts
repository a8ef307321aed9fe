import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, apiVersionOf } from '../resources.js';
import { SchemaRegistry, checkSchemas, parseMessage, type SchemaPackage } from './schema.js';
import { SCHEMA_PACKAGES } from './schemas/index.js';

test('every schema package parses, has no duplicate numbers and resolves every reference', () => {
  assert.deepEqual(checkSchemas(SCHEMA_PACKAGES), []);
});

test('every kind the API server serves has a complete table', () => {
  const registry = new SchemaRegistry(SCHEMA_PACKAGES);
  const missing: string[] = [];
  const incomplete: string[] = [];
  for (const r of RESOURCES) {
    const apiVersion = apiVersionOf(r);
    const message = registry.kind(apiVersion, r.kind);
    if (!message) {
      missing.push(`${apiVersion} ${r.kind}`);
      continue;
    }
    const unresolved = registry.unresolvedFrom(message);
    if (unresolved.length) incomplete.push(`${apiVersion} ${r.kind} reaches undefined ${[...new Set(unresolved)].join(', ')}`);
  }
  assert.deepEqual(missing, [], `kinds without a table:\n  ${missing.join('\n  ')}`);
  assert.deepEqual(incomplete, []);
});

test('subresource kinds that kubectl posts have tables', () => {
  const registry = new SchemaRegistry(SCHEMA_PACKAGES);
  const missing: string[] = [];
  for (const r of RESOURCES) {
    for (const s of r.subresources) {
      // Only the posted bodies matter; log/exec/attach/portforward carry no body.
      if (!s.verbs.includes('create') && !s.verbs.includes('update')) continue;
      if (s.name === 'exec' || s.name === 'attach' || s.name === 'portforward') continue;
      const apiVersion = s.group !== undefined ? apiVersionOf({ group: s.group, version: s.version ?? 'v1' }) : apiVersionOf(r);
      if (!registry.kind(apiVersion, s.kind)) missing.push(`${apiVersion} ${s.kind} (${r.plural}/${s.name})`);
    }
  }
  assert.deepEqual([...new Set(missing)], []);
});

test('the parser reads every type form of the table syntax', () => {
  const m = parseMessage(
    'core',
    'Example',
    `1 name string; 2 count *int32; 3 items []Item; 4 labels map<string, string>;
     5 limits map<string,Quantity>; 6 ^ Source; 7 selector meta.LabelSelector; 8 when Time`,
  );
  assert.equal(m.fullName, 'core.Example');
  assert.deepEqual(
    m.fields.map((f) => [f.number, f.name, f.repeated, f.map, f.pointer, f.value.kind === 'message' ? f.value.ref : f.value.kind]),
    [
      [1, 'name', false, false, false, 'scalar'],
      [2, 'count', false, false, true, 'scalar'],
      [3, 'items', true, false, false, 'core.Item'],
      [4, 'labels', false, true, false, 'scalar'],
      [5, 'limits', false, true, false, 'special'],
      [6, null, false, false, false, 'core.Source'],
      [7, 'selector', false, false, false, 'meta.LabelSelector'],
      [8, 'when', false, false, false, 'special'],
    ],
  );
  const arr = parseMessage('authentication', 'ExtraValue', '@array 1 items []string');
  assert.equal(arr.array, true);
});

test('the checks report syntax errors, duplicates, bad references and bad packages', () => {
  const bad: SchemaPackage = {
    package: 'apps',
    apiVersion: 'v1',
    kinds: { Thing: 'Thing', Ghost: 'Missing' },
    messages: {
      Thing: '1 a string; 1 b string',
      Other: '1 a strang',
      Third: '1 a Nowhere; 2 b meta.Nothing',
      Fourth: '1 a; 2 b string',
      Fifth: '1 ^ []Other',
      Sixth: '@array 1 items string',
      Seventh: '0 zero string; 19000 reserved string',
      Eighth: '1 a string; 2 a int32',
    },
  };
  const problems = checkSchemas([bad, { package: 'nowhere', apiVersion: 'v1', kinds: {}, messages: {} }]);
  const expectations = [
    /apps\.Thing: field number 1 is used twice/,
    /apps\.Other: unknown type "strang"/,
    /apps\.Third: field 1 refers to apps\.Nowhere/,
    /apps\.Third: field 2 refers to meta\.Nothing/,
    /apps\.Fourth: field "1 a" is not/,
    /apps\.Fifth: .*only a single message can be inlined/,
    /apps\.Sixth: an @array message/,
    /apps\.Seventh: .*0 is not a usable field number/,
    /apps\.Eighth: JSON name "a" is used twice/,
    /kind Ghost names message Missing/,
    /package nowhere is not one of the fixed prefixes/,
  ];
  for (const re of expectations) assert.ok(problems.some((p) => re.test(p)), `no problem matches ${re}: ${problems.join(' | ')}`);
});

test('a package version resolves to its group, and meta kinds resolve under any apiVersion', () => {
  const registry = new SchemaRegistry(SCHEMA_PACKAGES);
  assert.ok(registry.kind('meta.k8s.io/v1', 'DeleteOptions'));
  assert.ok(registry.kind('policy/v1', 'DeleteOptions'));
  assert.equal(registry.kind('v1', 'NoSuchKind'), undefined);
});
