/**
 * Fuzzing request bodies: 10,500 malformed or random bodies (deterministic seed) sent
 * over HTTP/2 (and a slice over HTTP/1.1) to the create, update and patch endpoints of
 * several kinds: truncated JSON, wrong types at every level of the objects, deep
 * nesting, huge strings, invalid UTF-8, YAML bombs, wrong content types, random bytes,
 * JSON oddities, mismatched metadata, and junk JSON/merge/strategic/apply patches.
 *
 * Every response must be a proper `Status` (kind, apiVersion v1, status Failure, code =
 * HTTP status, reason, message) with a 4xx code — or a 2xx object for the rare valid
 * body — and the server must still answer /readyz and serve normal requests afterwards.
 * Bounded: a fixed number of cases, a per-request timeout, well under 2 minutes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';

const SEED = 0x5eed_2026;
const CASES = Number(process.env['SKIFF_FUZZ_CASES'] ?? 10_500);
/** The whole run stops issuing cases after this, and fails: the test stays bounded. */
const TIME_BUDGET_MS = 240_000;
const CONCURRENCY = Number(process.env['SKIFF_FUZZ_CONCURRENCY'] ?? 32);
/** Generous: CI runs two suites at once on 2 cores, and a case waits behind 31 others. */
const REQUEST_TIMEOUT_MS = 60_000;
const NS = 'fuzz';

// ---------------------------------------------------------------------------------
// Deterministic randomness (mulberry32).

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) if ((r -= w) < 0) return item;
    return items[items.length - 1]![0];
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  word(max = 12): string {
    const chars = 'abcdefghijklmnopqrstuvwxyz0123456789-._ABCXYZ/ ';
    let s = '';
    for (let i = 0, n = 1 + this.int(max); i < n; i++) s += chars[this.int(chars.length)];
    return s;
  }
}

// ---------------------------------------------------------------------------------
// Targets: valid objects of several kinds, and where they are created/updated/patched.

type Obj = Record<string, any>;
interface Target {
  kind: string;
  apiVersion: string;
  collection: string;
  existing: string;
  make(name: string): Obj;
}

const podSpec = () => ({
  containers: [
    {
      name: 'main',
      image: 'nginx:1.27',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      env: [{ name: 'A', value: '1' }],
      resources: { limits: { cpu: '100m', memory: '64Mi' } },
    },
  ],
  restartPolicy: 'Always',
});

const TARGETS: Target[] = [
  { kind: 'Pod', apiVersion: 'v1', collection: `/api/v1/namespaces/${NS}/pods`, existing: 'target-pod', make: (name) => ({ metadata: { name, labels: { app: 'fuzz' } }, spec: podSpec() }) },
  { kind: 'ConfigMap', apiVersion: 'v1', collection: `/api/v1/namespaces/${NS}/configmaps`, existing: 'target-cm', make: (name) => ({ metadata: { name }, data: { a: '1', b: 'two' } }) },
  { kind: 'Secret', apiVersion: 'v1', collection: `/api/v1/namespaces/${NS}/secrets`, existing: 'target-secret', make: (name) => ({ metadata: { name }, type: 'Opaque', data: { k: 'dmFsdWU=' } }) },
  {
    kind: 'Service',
    apiVersion: 'v1',
    collection: `/api/v1/namespaces/${NS}/services`,
    existing: 'target-svc',
    make: (name) => ({ metadata: { name }, spec: { selector: { app: 'fuzz' }, ports: [{ port: 80, targetPort: 9376, protocol: 'TCP' }] } }),
  },
  {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    collection: `/apis/apps/v1/namespaces/${NS}/deployments`,
    existing: 'target-deploy',
    make: (name) => ({ metadata: { name }, spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec() } } }),
  },
  {
    kind: 'Job',
    apiVersion: 'batch/v1',
    collection: `/apis/batch/v1/namespaces/${NS}/jobs`,
    existing: 'target-job',
    make: (name) => ({ metadata: { name }, spec: { backoffLimit: 1, template: { spec: { ...podSpec(), restartPolicy: 'Never' } } } }),
  },
  {
    kind: 'PersistentVolume',
    apiVersion: 'v1',
    collection: '/api/v1/persistentvolumes',
    existing: 'target-pv',
    make: (name) => ({ metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data/x' }, storageClassName: 'slow' } }),
  },
];

const full = (t: Target, name: string): Obj => ({ apiVersion: t.apiVersion, kind: t.kind, ...t.make(name) });

// ---------------------------------------------------------------------------------
// Case generators.

interface Case {
  category: string;
  method: 'POST' | 'PUT' | 'PATCH';
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

const JSON_CT = 'application/json';
const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/json-patch+json', 'application/apply-patch+yaml'] as const;

/** Every path to a node of an object (so wrong types reach every level). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  return out;
}

function setPath(obj: Obj, path: (string | number)[], value: unknown): Obj {
  if (path.length === 0) return value as Obj;
  let node: any = obj;
  for (const p of path.slice(0, -1)) node = node[p];
  node[path[path.length - 1]!] = value;
  return obj;
}

function wrongValue(rng: Rng, current: unknown): unknown {
  const options: unknown[] = [
    42,
    -1,
    3.75,
    2 ** 63,
    'a string',
    '',
    true,
    false,
    null,
    [],
    [1, 'two', null],
    {},
    { nested: { deeper: [] } },
    'x'.repeat(300),
    '\u0000\u0001\u001f',
    '${jndi:ldap://127.0.0.1/x}',
    '../../etc/passwd',
    '💥🚀',
  ];
  let v: unknown;
  do v = rng.pick(options);
  while (typeof v === typeof current && Array.isArray(v) === Array.isArray(current) && rng.bool(0.8));
  return v;
}

function nested(depth: number, open: string, close: string, leaf: string): string {
  return open.repeat(depth) + leaf + close.repeat(depth);
}

function yamlBomb(rng: Rng): string {
  const levels = 6 + rng.int(4);
  const width = 6 + rng.int(4);
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(',')}]`);
  const where = rng.pick(['top', 'data', 'labels', 'spec']);
  if (where === 'top') return `${lines.join('\n')}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n`;
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-${rng.int(1e6)}\n  labels:\n    x: &x "y"\n${where}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

function yamlJunk(rng: Rng): string {
  return rng.pick([
    '!!python/object/apply:os.system ["true"]',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: !!binary aGVsbG8=\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two-docs\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: second\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: &n anchored\n  labels: {a: *n, b: *undefined_alias}\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {name: merged}\n  <<: [*nothing]\n',
    ':\n:\n- - : -\n',
    '%YAML 9.9\n---\nfoo',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tabbed}\ndata:\n\ta: b\n',
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n  ? [complex, key]\n  : value\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${'a'.repeat(300)}\n`,
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  name: dup2\n',
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ts\n  creationTimestamp: 2001-12-14t21:59:43.10-05:00\n',
    nested(200 + rng.int(20000), '[', ']', '1'),
    nested(200 + rng.int(5000), '- ', '', 'x').replace(/- /g, (m, i: number) => `\n${' '.repeat(i / 2)}${m}`),
    rng.bytes(64).toString('latin1'),
  ]);
}

function jsonOddity(rng: Rng, t: Target): string {
  const valid = JSON.stringify(full(t, `odd-${rng.int(1e9)}`));
  return rng.pick([
    '',
    ' ',
    'null',
    'true',
    '42',
    '"just a string"',
    '[]',
    `[${valid}]`,
    valid.replace('{', '{"replicas": NaN, '),
    valid.replace('{', '{"x": Infinity, '),
    valid.replace(/}$/, ',}'),
    valid.replace('{', '{/* comment */'),
    `\ufeff${valid}`,
    valid.replace('{', '{"kind":"Pod","kind":"ConfigMap",'),
    valid.replace('{', '{"x":1e400,'),
    valid.replace('{', '{"x":-0,"y":18446744073709551616,'),
    valid.replace('{', "{'single':'quotes',"),
    `${valid}${valid}`,
    `${valid} trailing garbage`,
    valid.replace(/"/g, "'"),
    valid.replaceAll(':', ' : ').replaceAll(',', ' ,\n'),
    valid.replace('"metadata":{', '"metadata":{"name":null,'),
    `{"apiVersion":"${t.apiVersion}","kind":"${t.kind}","metadata":{"name":"${'\\u0000'.repeat(5)}"}}`,
    `{"apiVersion":"${t.apiVersion}","kind":"${t.kind}","metadata":{"name":"x\\ud800y"}}`,
    `{"apiVersion":"${t.apiVersion}","kind":"${t.kind}","metadata":{"name":"esc\\x41"}}`,
  ]);
}

function metaOddity(rng: Rng, t: Target, method: 'POST' | 'PUT'): Obj {
  const o = full(t, method === 'PUT' ? t.existing : `meta-${rng.int(1e9)}`);
  switch (rng.int(16)) {
    case 0:
      o['metadata'].name = `other-${rng.int(1000)}`;
      break;
    case 1:
      o['metadata'].namespace = 'not-the-url-namespace';
      break;
    case 2:
      o['kind'] = rng.pick(['Pod', 'ConfigMap', 'Deployment', 'Nope', '', 'pod']);
      break;
    case 3:
      o['apiVersion'] = rng.pick(['v2', 'apps/v1', 'v1', 'batch/v1beta1', '', '/', 'a/b/c']);
      break;
    case 4:
      o['metadata'].resourceVersion = rng.pick(['abc', '-1', '0', '99999999999999999999', '1.5', '']);
      break;
    case 5:
      o['metadata'].uid = rng.pick([42, 'not-a-uid', '', {}]);
      break;
    case 6:
      o['metadata'].finalizers = rng.pick([[42], 'x', [''], ['UPPER/case'], Array.from({ length: 50 }, (_, i) => `f/${i}`)]);
      break;
    case 7:
      o['metadata'].ownerReferences = rng.pick([[{}], [{ apiVersion: 'v1', kind: 'Pod', name: 'x', uid: '' }], 'x', [{ controller: 'yes' }], [null]]);
      break;
    case 8:
      o['metadata'].labels = rng.pick([{ a: 1 }, { '': 'x' }, { 'a/b/c': 'x' }, { a: 'x'.repeat(100) }, ['a'], { a: null }]);
      break;
    case 9:
      o['metadata'].annotations = rng.pick([{ a: 1 }, { a: 'x'.repeat(300_000) }, { 'bad key!': 'v' }]);
      break;
    case 10:
      o['metadata'].deletionTimestamp = rng.pick(['2020-01-01T00:00:00Z', 'yesterday', 5]);
      break;
    case 11:
      o['metadata'].creationTimestamp = rng.pick(['not a time', 12, '9999-99-99T99:99:99Z', null]);
      break;
    case 12:
      delete o['metadata'].name;
      o['metadata'].generateName = rng.pick(['', 'gen-', 'UPPER-', 'x'.repeat(300), 7]);
      break;
    case 13:
      o['metadata'].managedFields = rng.pick([[{ manager: 5 }], 'x', [{ fieldsV1: 'x', fieldsType: 'FieldsV2' }]]);
      break;
    case 14:
      o['status'] = rng.pick([{ phase: 'Running' }, 'x', { conditions: [{ type: 5 }] }]);
      break;
    default:
      o['metadata'] = rng.pick([null, 'x', [], 5]);
  }
  return o;
}

function jsonPatch(rng: Rng): unknown {
  const ops = ['add', 'remove', 'replace', 'move', 'copy', 'test', 'nope', '', 5];
  const ptrs = ['/metadata/labels/x', '/metadata/name', '/metadata/namespace', '/metadata/uid', '/spec', '/spec/replicas', '/data/a', '/', '', 'no-slash', '/spec/containers/999', '/spec/containers/-', '/metadata/labels/~2', '/a/b/c/d', '/metadata/finalizers/0', '/kind', '/apiVersion', '/status/phase'];
  if (rng.bool(0.05)) return Array.from({ length: 10_001 }, () => ({ op: 'test', path: '/kind', value: 'x' }));
  if (rng.bool(0.1)) return rng.pick([{}, 'x', null, 5, [[]], [null], [{ op: 'add' }]]);
  return Array.from({ length: 1 + rng.int(6) }, () => {
    const op: Obj = { op: rng.pick(ops), path: rng.pick(ptrs) };
    if (rng.bool(0.7)) op['value'] = wrongValue(rng, undefined);
    if (rng.bool(0.3)) op['from'] = rng.pick(ptrs);
    return op;
  });
}

function strategicPatch(rng: Rng): unknown {
  return rng.pick([
    { $patch: rng.pick(['delete', 'replace', 'merge', 'bogus', 5]) },
    { metadata: { $patch: 'bogus' } },
    { spec: { containers: [{ $patch: 'delete' }] } },
    { spec: { containers: [{ name: 'main', $patch: 'replace', image: 5 }] } },
    { spec: { containers: { name: 'main' } } },
    { spec: { $setElementOrder: 5, 'containers': 'x' } },
    { spec: { '$setElementOrder/containers': 5 } },
    { spec: { '$setElementOrder/containers': [{ nope: 1 }] } },
    { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'ghost' }], containers: [{ name: 'main', ports: [{ $patch: 'delete' }] }] } } } },
    { metadata: { '$deleteFromPrimitiveList/finalizers': {} } },
    { metadata: { '$deleteFromPrimitiveList/finalizers': [{}, null] } },
    { spec: { strategy: { $retainKeys: 'type' } } },
    { spec: { strategy: { $retainKeys: [5, null] } } },
    { spec: { template: { spec: { containers: [{ name: 'main', env: [{ $patch: 'delete' }] }] } } } },
    { data: { a: { b: 'c' } } },
    { metadata: { labels: { x: 5 } } },
    { spec: { replicas: 'many' } },
    { spec: { ports: [{ port: 'eighty' }] } },
    [],
    'x',
    null,
  ]);
}

function buildCase(rng: Rng): Case {
  const t = rng.pick(TARGETS);
  const itemPath = `${t.collection}/${t.existing}`;
  const category = rng.weighted([
    ['truncated', 10],
    ['wrongType', 22],
    ['deepNesting', 6],
    ['hugeString', 3],
    ['invalidUtf8', 7],
    ['yamlBomb', 3],
    ['yamlJunk', 5],
    ['contentType', 7],
    ['randomBytes', 7],
    ['jsonOddity', 7],
    ['metaOddity', 10],
    ['jsonPatch', 6],
    ['mergePatch', 4],
    ['strategicPatch', 5],
    ['applyPatch', 3],
  ] as const);
  const createOrUpdate = (): { method: 'POST' | 'PUT'; path: string; name: string } =>
    rng.bool(0.6) ? { method: 'POST', path: t.collection, name: `fz-${rng.int(1e9)}` } : { method: 'PUT', path: itemPath, name: t.existing };
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));

  switch (category) {
    case 'truncated': {
      const { method, path, name } = createOrUpdate();
      const text = JSON.stringify(full(t, name));
      return { category, method, path, contentType: JSON_CT, body: Buffer.from(text.slice(0, rng.int(text.length))) };
    }
    case 'wrongType': {
      // A wrong type at a random node of the object: create, update, or a merge patch.
      const { method, path, name } = createOrUpdate();
      const o = full(t, name);
      const all = paths(o);
      const target = rng.pick(all);
      let current: unknown = o;
      for (const p of target) current = (current as any)[p];
      const mutated = setPath(o, target, wrongValue(rng, current));
      if (rng.bool(0.25)) return { category, method: 'PATCH', path: itemPath, contentType: rng.pick(['application/merge-patch+json', 'application/strategic-merge-patch+json']), body: json(mutated) };
      return { category, method, path, contentType: rng.bool(0.85) ? JSON_CT : 'application/yaml', body: json(mutated) };
    }
    case 'deepNesting': {
      const depth = rng.pick([64, 500, 5_000, 50_000, 200_000]);
      const [open, close, leaf] = rng.pick([
        ['[', ']', '1'],
        ['{"a":', '}', '1'],
        ['{"a":[', ']}', '{}'],
      ] as const);
      const deep = nested(depth, open, close, leaf);
      const { method, path, name } = createOrUpdate();
      const where = rng.pick(['body', 'labels', 'spec', 'data', 'patch']);
      if (where === 'body') return { category, method, path, contentType: JSON_CT, body: Buffer.from(deep) };
      if (where === 'patch') return { category, method: 'PATCH', path: itemPath, contentType: rng.pick(PATCH_TYPES.slice(0, 3)), body: Buffer.from(`{"metadata":{"annotations":{"x":"y"}},"spec":${deep}}`) };
      const o = JSON.stringify(full(t, name)).replace(/}$/, `,"${where}":${deep}}`);
      return { category, method, path, contentType: JSON_CT, body: Buffer.from(o) };
    }
    case 'hugeString': {
      const size = rng.weighted([
        [64 * 1024, 70],
        [1024 * 1024, 20],
        [Math.floor(2.5 * 1024 * 1024), 7],
        [Math.floor(3.5 * 1024 * 1024), 3],
      ] as const);
      const huge = rng.pick(['x', 'é', '\\u0000', '"']).repeat(1).padEnd(size, 'y');
      const { method, path, name } = createOrUpdate();
      const o = full(t, name);
      const where = rng.int(5);
      if (where === 0) o['metadata'].name = huge.slice(0, Math.min(size, 300_000));
      else if (where === 1) o['metadata'].labels = { big: huge };
      else if (where === 2) o['metadata'].annotations = { big: huge };
      else if (where === 3) o['data'] = { big: huge };
      else o[huge.slice(0, 100_000)] = 1;
      return { category, method, path, contentType: JSON_CT, body: json(o) };
    }
    case 'invalidUtf8': {
      const { method, path, name } = createOrUpdate();
      const text = JSON.stringify(full(t, name));
      const bad = rng.pick([
        Buffer.from([0xff]),
        Buffer.from([0xc3, 0x28]),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
        Buffer.from([0xe2, 0x82]),
        Buffer.from([0xfe, 0xff, 0x00, 0x41]),
        rng.bytes(8),
      ]);
      // Inside a string value (after a quote), or anywhere.
      const quotes = [...text.matchAll(/"/g)].map((m) => m.index!);
      const at = rng.bool(0.8) ? quotes[1 + rng.int(quotes.length - 1)]! : rng.int(text.length);
      const buf = Buffer.concat([Buffer.from(text.slice(0, at + 1)), bad, Buffer.from(text.slice(at + 1))]);
      if (rng.bool(0.2)) return { category, method: 'PATCH', path: itemPath, contentType: rng.pick(PATCH_TYPES), body: buf };
      return { category, method, path, contentType: rng.bool(0.8) ? JSON_CT : 'application/yaml', body: buf };
    }
    case 'yamlBomb': {
      const { method, path } = createOrUpdate();
      if (rng.bool(0.2)) return { category, method: 'PATCH', path: itemPath, contentType: 'application/apply-patch+yaml', body: Buffer.from(yamlBomb(rng)) };
      return { category, method, path, contentType: rng.pick(['application/yaml', 'application/yaml', 'text/yaml', 'application/x-yaml']), body: Buffer.from(yamlBomb(rng)) };
    }
    case 'yamlJunk': {
      const { method, path } = createOrUpdate();
      return { category, method, path, contentType: 'application/yaml', body: Buffer.from(yamlJunk(rng)) };
    }
    case 'contentType': {
      const { method, path, name } = createOrUpdate();
      const body = rng.bool(0.7) ? json(full(t, name)) : rng.bytes(rng.int(512));
      const contentType = rng.pick([
        undefined,
        '',
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=xyz',
        'application/vnd.kubernetes.protobuf',
        'application/json;charset=latin1',
        'application/json; charset=utf-16',
        'application/merge-patch+json',
        'application/json-patch+json',
        'application/cbor',
        'application/octet-stream',
        'image/png',
        'application/json, text/plain',
        ';;;',
        'application/',
        'x'.repeat(2000),
      ]);
      return { category, method: rng.bool(0.85) ? method : 'PATCH', path: rng.bool(0.85) ? path : itemPath, contentType, body };
    }
    case 'randomBytes': {
      const { method, path } = createOrUpdate();
      const n = rng.weighted([
        [rng.int(64), 40],
        [rng.int(4096), 50],
        [rng.int(256 * 1024), 10],
      ] as const);
      const contentType = rng.pick([JSON_CT, 'application/yaml', ...PATCH_TYPES]);
      return { category, method: contentType === JSON_CT || contentType === 'application/yaml' ? method : 'PATCH', path: contentType === JSON_CT || contentType === 'application/yaml' ? path : itemPath, contentType, body: rng.bytes(n) };
    }
    case 'jsonOddity': {
      const { method, path } = createOrUpdate();
      return { category, method, path, contentType: JSON_CT, body: Buffer.from(jsonOddity(rng, t)) };
    }
    case 'metaOddity': {
      const { method, path } = createOrUpdate();
      return { category, method, path, contentType: JSON_CT, body: json(metaOddity(rng, t, method)) };
    }
    case 'jsonPatch':
      return { category, method: 'PATCH', path: itemPath, contentType: 'application/json-patch+json', body: json(jsonPatch(rng)) };
    case 'mergePatch': {
      const o = full(t, t.existing);
      const all = paths(o);
      const patch = rng.bool(0.5) ? setPath(o, rng.pick(all), wrongValue(rng, 0)) : rng.pick([null, [], 'x', 5, { metadata: null }, { metadata: { name: 'renamed' } }, { spec: null }, { kind: 'Other' }, { apiVersion: 'v9' }]);
      return { category, method: 'PATCH', path: itemPath, contentType: 'application/merge-patch+json', body: json(patch) };
    }
    case 'strategicPatch':
      return { category, method: 'PATCH', path: itemPath, contentType: 'application/strategic-merge-patch+json', body: json(strategicPatch(rng)) };
    case 'applyPatch': {
      const manager = rng.pick(['', '?fieldManager=fuzz', '?fieldManager=fuzz&force=true', '?fieldManager=' + 'm'.repeat(200), '?force=maybe&fieldManager=x']);
      const o = full(t, t.existing);
      const body = rng.pick([JSON.stringify(o), JSON.stringify(setPath(o, rng.pick(paths(o)), wrongValue(rng, 0))), yamlJunk(rng), `kind: ${t.kind}\n`, '{}']);
      return { category, method: 'PATCH', path: `${itemPath}${manager}`, contentType: 'application/apply-patch+yaml', body: Buffer.from(body) };
    }
  }
}

// ---------------------------------------------------------------------------------
// Transport: one HTTP/2 session (many streams) and a keep-alive HTTP/1.1 agent.

interface Response {
  status: number;
  contentType: string | undefined;
  text: string;
}

interface Credentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  server: string;
}

function credentials(kubeconfig: string): Credentials {
  const kc = parseYaml(readFileSync(kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  return {
    server: kc.clusters[0].cluster.server,
    ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: b64(kc.users[0].user['client-certificate-data']),
    key: b64(kc.users[0].user['client-key-data']),
  };
}

function h2request(session: ClientHttp2Session, method: string, path: string, contentType: string | undefined, body: Buffer | undefined): Promise<Response> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ':method': method, ':path': path, accept: 'application/json' };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = session.request(headers);
    const chunks: Buffer[] = [];
    let status = 0;
    let ct: string | undefined;
    const timer = setTimeout(() => {
      req.close();
      reject(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`));
    }, REQUEST_TIMEOUT_MS);
    req.on('response', (h) => {
      status = Number(h[':status']);
      ct = h['content-type'] as string | undefined;
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      clearTimeout(timer);
      resolve({ status, contentType: ct, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

function h1request(agent: Agent, creds: Credentials, method: string, path: string, contentType: string | undefined, body: Buffer): Promise<Response> {
  const url = new URL(path, creds.server);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { accept: 'application/json', 'content-length': body.length };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = httpsRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers, agent, ca: creds.ca, cert: creds.cert, key: creds.key, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Why a response is not acceptable, or undefined when it is. */
function judge(res: Response): string | undefined {
  if (!(res.status >= 200 && res.status < 300) && !(res.status >= 400 && res.status < 500)) return `HTTP ${res.status}`;
  if (!res.contentType?.startsWith('application/json')) return `content-type ${res.contentType}`;
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'body is not an object';
  if (res.status < 300) {
    if (typeof body.kind !== 'string' || typeof body.apiVersion !== 'string' || typeof body.metadata?.name !== 'string') return '2xx without kind/apiVersion/metadata.name';
    return undefined;
  }
  if (body.kind !== 'Status' || body.apiVersion !== 'v1') return `not a Status (kind ${body.kind}, apiVersion ${body.apiVersion})`;
  if (body.status !== 'Failure') return `Status.status ${body.status}`;
  if (body.code !== res.status) return `Status.code ${body.code} != HTTP ${res.status}`;
  if (typeof body.message !== 'string' || body.message === '') return 'Status without a message';
  if (typeof body.reason !== 'string' || body.reason === '') return 'Status without a reason';
  return undefined;
}

// ---------------------------------------------------------------------------------

let env: SkiffEnv;
let creds: Credentials;
let agent: Agent;

/**
 * The HTTP/2 connection the cases share. When the server ends it (GOAWAY, reset), that is
 * recorded as a finding and a new connection is opened, so the run goes on.
 */
class Connection {
  private session: ClientHttp2Session | undefined;
  readonly goaways: string[] = [];

  get(): ClientHttp2Session {
    if (!this.session || this.session.closed || this.session.destroyed) {
      // A large client-side session memory: with many big bodies queued, Node's default
      // (10 MB) would make this client reject its own streams.
      const s = connect(creds.server, { ca: creds.ca, cert: creds.cert, key: creds.key, maxSessionMemory: 512 });
      s.on('error', () => {});
      s.on('goaway', (code) => {
        this.goaways.push(`GOAWAY code ${code}`);
        if (this.session === s) this.session = undefined;
      });
      s.on('close', () => {
        if (this.session === s) this.session = undefined;
      });
      this.session = s;
    }
    return this.session;
  }

  close(): void {
    this.session?.close();
  }
}
let connection: Connection;

/**
 * The in-process server parses YAML in this process: warnings its parser emits for
 * user input would flood the test output. They are counted (a finding: user input
 * reaching the process's stderr) instead of printed.
 */
const processWarnings = new Map<string, number>();
let savedWarningListeners: NodeJS.WarningListener[] = [];
const countWarning = (w: Error) => processWarnings.set(w.name, (processWarnings.get(w.name) ?? 0) + 1);

before(async () => {
  savedWarningListeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', countWarning);
  env = await startSkiff('fuzz', { apiOnly: true });
  creds = credentials(env.kubeconfig);
  connection = new Connection();
  agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const ns = await h2request(connection.get(), 'POST', '/api/v1/namespaces', JSON_CT, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })));
  assert.equal(ns.status, 201, ns.text);
  for (const t of TARGETS) {
    const res = await h2request(connection.get(), 'POST', t.collection, JSON_CT, Buffer.from(JSON.stringify(full(t, t.existing))));
    assert.equal(res.status, 201, `${t.kind}: ${res.text}`);
  }
});
after(async () => {
  connection?.close();
  agent?.destroy();
  await env?.stop();
  process.off('warning', countWarning);
  for (const l of savedWarningListeners) process.on('warning', l);
});

describe('fuzzing request bodies', () => {
  it(
    `${CASES} malformed bodies to create/update/patch of ${TARGETS.length} kinds: every answer a proper Status`,
    async (t) => {
      const rng = new Rng(SEED);
      const cases = Array.from({ length: CASES }, () => buildCase(rng));
      const stats = new Map<string, Map<number, number>>();
      const failures = new Map<string, { count: number; categories: Map<string, number>; example: string }>();
      let failureCount = 0;
      let next = 0;
      let budgetExceeded = false;
      const started = performance.now();

      const worker = async () => {
        while (next < cases.length) {
          if (performance.now() - started > TIME_BUDGET_MS) {
            budgetExceeded = true;
            return;
          }
          const index = next++;
          const c = cases[index]!;
          // About one in twenty over HTTP/1.1, the rest over the shared HTTP/2 session.
          const viaH1 = index % 20 === 7;
          let verdict: string | undefined;
          let status = 0;
          try {
            const res = viaH1 ? await h1request(agent, creds, c.method, c.path, c.contentType, c.body) : await h2request(connection.get(), c.method, c.path, c.contentType, c.body);
            status = res.status;
            verdict = judge(res);
            if (verdict) verdict += ` — body: ${res.text.slice(0, 300)}`;
          } catch (err) {
            verdict = `request failed: ${(err as Error).message}`;
          }
          const perCategory = stats.get(c.category) ?? new Map<number, number>();
          perCategory.set(status, (perCategory.get(status) ?? 0) + 1);
          stats.set(c.category, perCategory);
          if (verdict) {
            failureCount++;
            // Grouped by what went wrong (numbers and quoted values folded), one example each.
            const message = /"message":"(?:Internal error occurred: )?([^"]{0,48})/.exec(verdict)?.[1];
            const kind = `${verdict.replace(/ — body: .*/s, '')}${message ? `: ${message}` : ''}`.replace(/'[^']*'?/g, "'…'").replace(/\d+/g, 'N');
            const key = kind;
            const group = failures.get(key);
            if (group) {
              group.count++;
              group.categories.set(c.category, (group.categories.get(c.category) ?? 0) + 1);
            } else
              failures.set(key, {
                count: 1,
                categories: new Map([[c.category, 1]]),
                example: `#${index} ${c.method} ${c.path} (${c.contentType ?? 'no content-type'}, ${c.body.length} bytes: ${JSON.stringify(c.body.subarray(0, 160).toString('latin1'))}${viaH1 ? ', HTTP/1.1' : ''}): ${verdict.slice(0, 400)}`,
              });
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const seconds = (performance.now() - started) / 1000;

      for (const [category, codes] of [...stats].sort()) {
        t.diagnostic(`${category.padEnd(15)} ${[...codes].sort(([a], [b]) => a - b).map(([code, n]) => `${code}×${n}`).join(' ')}`);
      }
      if (connection.goaways.length) t.diagnostic(`connections ended by the server: ${connection.goaways.length} (${[...new Set(connection.goaways)].join('; ')})`);
      if (processWarnings.size) t.diagnostic(`process warnings emitted while serving the cases: ${[...processWarnings].map(([n, c]) => `${n}×${c}`).join(', ')}`);
      t.diagnostic(`${CASES} cases in ${seconds.toFixed(1)} s (seed ${SEED.toString(16)}), ${failureCount} unacceptable answers, ${connection.goaways.length} connections ended by the server`);
      const report = [...failures]
        .sort(([, a], [, b]) => b.count - a.count)
        .map(([key, g]) => `${String(g.count).padStart(5)} × ${key} (${[...g.categories].map(([cat, n]) => `${cat} ${n}`).join(', ')})\n        e.g. ${g.example}`);
      assert.ok(!budgetExceeded, `time budget of ${TIME_BUDGET_MS} ms exceeded after ${next} of ${CASES} cases`);
      assert.equal(failureCount, 0, `${failureCount} of ${CASES} answers were not a proper 2xx object or 4xx Status:\n${report.join('\n')}`);
      assert.deepEqual(connection.goaways, [], 'the server never ends the shared connection');
    },
  );

  it('the server is unharmed: /readyz is ok, and normal requests work', async () => {
    const ready = await h2request(connection.get(), 'GET', '/readyz', undefined, undefined);
    assert.equal(ready.status, 200);
    assert.equal(ready.text, 'ok');
    // A fresh session too (the old one might be the only thing still working).
    const fresh = connect(creds.server, { ca: creds.ca, cert: creds.cert, key: creds.key });
    fresh.on('error', () => {});
    try {
      const created = await h2request(fresh, 'POST', `/api/v1/namespaces/${NS}/configmaps`, JSON_CT, Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-fuzz' }, data: { ok: 'yes' } })));
      assert.equal(created.status, 201, created.text);
      const got = await h2request(fresh, 'GET', `/api/v1/namespaces/${NS}/configmaps/after-fuzz`, undefined, undefined);
      assert.equal(JSON.parse(got.text).data.ok, 'yes');
      for (const target of TARGETS) {
        const res = await h2request(fresh, 'GET', `${target.collection}/${target.existing}`, undefined, undefined);
        assert.equal(res.status, 200, `${target.kind} ${target.existing}: ${res.text.slice(0, 300)}`);
      }
    } finally {
      fresh.close();
    }
    const res = await env.kubectl.run(['get', 'configmaps', '-n', NS, 'after-fuzz', '-o', 'jsonpath={.data.ok}']);
    assert.equal(res.stdout, 'yes', res.stderr);
  });
});
