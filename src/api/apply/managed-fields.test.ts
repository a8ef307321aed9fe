import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, fieldElement } from './field-set.js';
import { ANCIENT_CHANGES, ApplyConflictError, applyConfiguration, capUpdateManagers, decodeManagedFields, encodeManagedFields, trackUpdate, type ManagerEntry } from './managed-fields.js';
import { SCALAR, type ApplyType } from './schema-type.js';
import { DuplicateItemError, fieldsV1Of } from './walk.js';

const struct = (fields: Record<string, ApplyType>, atomic = false): ApplyType => ({ kind: 'struct', atomic, field: (n) => fields[n] });
const map = (element: ApplyType): ApplyType => ({ kind: 'map', atomic: false, element: () => element });
const keyed = (keys: string[], element: ApplyType): ApplyType => ({ kind: 'list', listType: 'map', keys, element: () => element });
const set: ApplyType = { kind: 'list', listType: 'set', keys: [], element: () => SCALAR };
const atomicList: ApplyType = { kind: 'list', listType: 'atomic', keys: [], element: () => SCALAR };

const container = struct({ name: SCALAR, image: SCALAR, args: atomicList, env: keyed(['name'], struct({ name: SCALAR, value: SCALAR })) });
const deployment = struct({
  apiVersion: SCALAR,
  kind: SCALAR,
  metadata: struct({ name: SCALAR, namespace: SCALAR, labels: map(SCALAR), finalizers: set }),
  spec: struct({ replicas: SCALAR, template: struct({ spec: struct({ containers: keyed(['name'], container) }) }) }),
});
const ignored = FieldSet.fromPaths([[fieldElement('apiVersion')], [fieldElement('kind')], ['f:metadata', 'f:name'], ['f:metadata', 'f:namespace']]);
const ctx = (manager: string, force = false) => ({ type: deployment, manager, apiVersion: 'apps/v1', ignored, now: '2026-11-28T00:00:00Z', force });

const base = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1', args: ['a'] }] } } },
};

describe('server-side apply', () => {
  it('creates and records exactly the applied fields in FieldsV1 form', () => {
    const { object, entries } = applyConfiguration(undefined, base, [], ctx('kubectl'));
    assert.deepEqual(object, base);
    const [entry] = encodeManagedFields(entries);
    assert.equal(entry!.manager, 'kubectl');
    assert.equal(entry!.operation, 'Apply');
    assert.deepEqual(entry!.fieldsV1, {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:args': {}, 'f:image': {}, 'f:name': {} } } } },
      },
    });
  });

  it('decodes what it encodes', () => {
    const { entries } = applyConfiguration(undefined, base, [], ctx('kubectl'));
    const round = decodeManagedFields(encodeManagedFields(entries));
    assert.ok(round[0]!.fields.equals(entries[0]!.fields));
  });

  it('refuses to overwrite another manager’s field, naming it, and takes it when forced', () => {
    const first = applyConfiguration(undefined, base, [], ctx('kubectl'));
    const other = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 5 } };
    assert.throws(
      () => applyConfiguration(first.object, other, first.entries, ctx('hpa')),
      (err: unknown) => {
        assert.ok(err instanceof ApplyConflictError);
        assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
        assert.deepEqual(err.causes(), [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
        return true;
      },
    );
    const forced = applyConfiguration(first.object, other, first.entries, ctx('hpa', true));
    assert.equal((forced.object['spec'] as { replicas: number }).replicas, 5);
    const kubectl = forced.entries.find((e) => e.manager === 'kubectl')!;
    assert.equal(kubectl.fields.has(['f:spec', 'f:replicas']), false);
    assert.equal(forced.entries.find((e) => e.manager === 'hpa')!.fields.has(['f:spec', 'f:replicas']), true);
  });

  it('shares a field applied with the same value instead of conflicting', () => {
    const first = applyConfiguration(undefined, base, [], ctx('a'));
    const same = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } };
    const second = applyConfiguration(first.object, same, first.entries, ctx('b'));
    assert.equal(second.entries.length, 2);
    assert.ok(second.entries.every((e) => e.fields.has(['f:spec', 'f:replicas'])));
  });

  it('removes fields the applier dropped unless someone else owns them', () => {
    const withEnv = structuredClone(base) as typeof base & Record<string, unknown>;
    (withEnv.spec.template.spec.containers[0] as Record<string, unknown>)['env'] = [{ name: 'A', value: '1' }, { name: 'B', value: '2' }];
    withEnv.metadata.labels = { app: 'web', tier: 'front' } as typeof base.metadata.labels;
    const first = applyConfiguration(undefined, withEnv, [], ctx('kubectl'));
    // Another manager shares the tier label.
    const shared = applyConfiguration(first.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { tier: 'front' } } }, first.entries, ctx('labeler'));
    const again = applyConfiguration(shared.object, base, shared.entries, ctx('kubectl'));
    const obj = again.object as typeof withEnv;
    assert.deepEqual(obj.metadata.labels, { app: 'web', tier: 'front' });
    // A list emptied by the removal goes with its items.
    assert.equal((obj.spec.template.spec.containers[0] as Record<string, unknown>)['env'], undefined);
  });

  it('merges keyed lists by key and replaces atomic lists whole', () => {
    const first = applyConfiguration(undefined, base, [], ctx('a'));
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { spec: { containers: [{ name: 'log', image: 'busybox' }] } } },
    };
    const second = applyConfiguration(first.object, sidecar, first.entries, ctx('b'));
    const containers = (second.object as typeof base).spec.template.spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['web', 'log'],
    );
    const conflicting = structuredClone(base);
    conflicting.spec.template.spec.containers[0]!.args = ['b'];
    assert.throws(() => applyConfiguration(second.object, conflicting, second.entries, ctx('b')), /\.spec\.template\.spec\.containers\[name="web"\]\.args/);
  });

  it('tracks updates: the writer takes changed fields from others; removed fields leave every owner', () => {
    const first = applyConfiguration(undefined, base, [], ctx('kubectl'));
    const scaled = structuredClone(first.object) as typeof base;
    scaled.spec.replicas = 7;
    delete (scaled.metadata as { labels?: unknown }).labels;
    const entries: ManagerEntry[] = trackUpdate(first.object, scaled, first.entries, { ...ctx('kubectl-scale') });
    const kubectl = entries.find((e) => e.manager === 'kubectl')!;
    const scaler = entries.find((e) => e.manager === 'kubectl-scale')!;
    assert.equal(scaler.operation, 'Update');
    assert.deepEqual(scaler.fields.toFieldsV1(), { 'f:spec': { 'f:replicas': {} } });
    assert.equal(kubectl.fields.has(['f:spec', 'f:replicas']), false);
    assert.equal(kubectl.fields.has(['f:metadata', 'f:labels', 'f:app']), false);
    // And now the applier conflicts with the Update manager, printed with its version.
    assert.throws(() => applyConfiguration(scaled, base, entries, ctx('kubectl')), /conflict with "kubectl-scale" using apps\/v1: \.spec\.replicas/);
  });

  it('folds the oldest Update entries into ancient-changes once there are more than ten', () => {
    let object: unknown = undefined;
    let entries: ManagerEntry[] = [];
    // Twelve writers, each setting its own label, a minute apart.
    for (let i = 0; i < 12; i++) {
      const previous = (object as { metadata: { labels: Record<string, string> } } | undefined)?.metadata.labels ?? {};
      const next = { ...structuredClone(base), metadata: { name: 'web', labels: { ...previous, [`w${i}`]: 'x' } } };
      entries = trackUpdate(object, next, entries, { ...ctx(`writer-${String(i).padStart(2, '0')}`), now: `2026-11-28T00:${String(i).padStart(2, '0')}:00Z` });
      object = next;
    }
    const updates = entries.filter((e) => e.operation === 'Update');
    assert.equal(updates.length, 10);
    const ancient = entries.find((e) => e.manager === ANCIENT_CHANGES)!;
    assert.ok(ancient, 'an ancient-changes entry');
    assert.equal(ancient.apiVersion, 'apps/v1');
    // It holds what the folded writers owned and the newest folded time.
    for (const label of ['w0', 'w1', 'w2']) assert.ok(ancient.fields.has(['f:metadata', 'f:labels', `f:${label}`]), label);
    assert.equal(ancient.time, '2026-11-28T00:02:00Z');
    assert.deepEqual(
      entries.map((e) => e.manager).filter((m) => m.startsWith('writer')),
      Array.from({ length: 9 }, (_, i) => `writer-${String(i + 3).padStart(2, '0')}`),
    );
    // Apply entries are never folded, and ten or fewer Update entries are left alone.
    const applied = { ...entries[0]!, manager: 'kubectl', operation: 'Apply' as const };
    assert.equal(capUpdateManagers([applied, ...entries]).length, entries.length + 1);
  });

  it('reports several conflicts grouped by manager', () => {
    const first = applyConfiguration(undefined, base, [], ctx('a'));
    const changed = structuredClone(base);
    changed.spec.replicas = 3;
    changed.metadata.labels = { app: 'other' };
    try {
      applyConfiguration(first.object, changed, first.entries, ctx('b'));
      assert.fail('expected a conflict');
    } catch (err) {
      assert.ok(err instanceof ApplyConflictError);
      assert.equal(err.message, 'Apply failed with 2 conflicts: conflicts with "a":\n- .metadata.labels.app\n- .spec.replicas');
    }
  });

  it('rejects duplicate keys in a keyed list', () => {
    const dup = structuredClone(base);
    dup.spec.template.spec.containers.push({ name: 'web', image: 'x', args: [] });
    assert.throws(() => applyConfiguration(undefined, dup, [], ctx('a')), /duplicate entries for key/);
  });
});

describe('Update tracking of a create', () => {
  it('records the same fields as comparing the new object with nothing', () => {
    const created = {
      ...base,
      metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a', 'b'] },
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'web', image: 'nginx:1', args: ['a'], env: [{ name: 'A', value: '1' }, { name: 'B' }] }, { name: 'side' }] } } },
    };
    const [fast] = trackUpdate(undefined, created, [], ctx('kubectl'));
    // The general path, through a prior empty object (nothing owned, everything added).
    const [general] = trackUpdate({}, created, [], ctx('kubectl'));
    assert.ok(fast && general);
    assert.deepEqual(encodeManagedFields([fast]), encodeManagedFields([general]));
    assert.equal(fast.operation, 'Update');
    assert.deepEqual(trackUpdate(undefined, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'only-ignored' } }, [], ctx('kubectl')), []);
  });
});

describe('FieldsV1 of a whole object in one walk', () => {
  const pod = struct({
    apiVersion: SCALAR,
    kind: SCALAR,
    metadata: struct({ name: SCALAR, namespace: SCALAR, labels: map(SCALAR), annotations: map(SCALAR), finalizers: set }),
    spec: struct({
      volumes: map(struct({ path: SCALAR, items: keyed(['key'], struct({ key: SCALAR, mode: SCALAR })) })),
      containers: keyed(['name'], struct({ name: SCALAR, args: atomicList, env: keyed(['name'], struct({ name: SCALAR, value: SCALAR })), ports: keyed(['containerPort', 'protocol'], struct({ containerPort: SCALAR, protocol: SCALAR, name: SCALAR })) })),
      nodeSelector: map(SCALAR),
      tolerations: atomicList,
    }),
    status: struct({ phase: SCALAR }),
  });
  const ignoredHere = FieldSet.fromPaths([[fieldElement('apiVersion')], [fieldElement('kind')], ['f:metadata', 'f:name'], ['f:metadata', 'f:namespace'], ['f:status']]);
  const context = { type: pod, manager: 'm', apiVersion: 'v1', ignored: ignoredHere, now: '2026-11-29T00:00:00Z', force: false };
  const objects: Record<string, unknown>[] = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'd', labels: { b: '1', a: '2', 'x/y': '' }, annotations: {}, finalizers: ['z', 'a'] },
      spec: {
        containers: [
          { name: 'web', args: ['b', 'a'], env: [{ name: 'Z', value: '1' }, { name: 'A' }], ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 80, protocol: 'UDP' }] },
          { name: 'aside', env: [] },
        ],
        volumes: { cfg: { path: '/x', items: [{ key: 'k', mode: 420 }] }, empty: {} },
        nodeSelector: {},
        tolerations: [{ key: 'a' }],
        extra: { deduced: { deep: 1 }, list: [1, 2] },
      },
      status: { phase: 'Running' },
    },
    {
      // Past 16 elements a node sorts another way; names that JSON must escape.
      metadata: { name: 'p', labels: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${39 - i}`, String(i)])) },
      spec: { containers: [{ name: 'c"q', env: [{ name: 'A\\B' }, { name: 'é😀' }, { name: 'a\nb' }, { name: '\ud800' }], ports: [{ containerPort: 8080.5 }, { containerPort: -0 }] }] },
    },
  ];
  it('matches the FieldSet path exactly, key order included', () => {
    for (const obj of objects) {
      const viaSet = encodeManagedFields(trackUpdate({}, obj, [], context))[0]?.fieldsV1;
      assert.equal(JSON.stringify(fieldsV1Of(obj, pod, ignoredHere)), JSON.stringify(viaSet));
    }
  });
  it('throws on duplicate list keys, as the FieldSet path does', () => {
    const dup = { spec: { containers: [{ name: 'a' }, { name: 'a' }] } };
    assert.throws(() => fieldsV1Of(dup, pod, ignoredHere), DuplicateItemError);
    const apart = { spec: { containers: [{ name: 'b' }, { name: 'a' }, { name: 'c' }, { name: 'b', image: 'x' }] } };
    assert.throws(() => fieldsV1Of(apart, pod, ignoredHere), DuplicateItemError);
  });
});
