import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { RESOURCES, groupVersions } from '../../api/resources.js';
import { TYPES } from '../../api/patch/patch-meta.js';
import { buildOpenApiV3, schemaPackage } from './openapi-v3.js';
import { loadSchemas, referencedSchemas, type Schema } from './schemas.js';

type Doc = { paths: Record<string, Record<string, Schema>>; components: { schemas: Record<string, Schema> } };

const api = buildOpenApiV3();
const docs = new Map([...api.documents].map(([key, d]) => [key, JSON.parse(d.body) as Doc]));
const docKey = (group: string, version: string) => (group ? `apis/${group}/${version}` : `api/${version}`);
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function props(doc: Doc, name: string): Record<string, Schema> {
  const schema = doc.components.schemas[name];
  assert.ok(schema, `${name} is in the document`);
  return schema['properties'] as Record<string, Schema>;
}

test('the root names one document per served group/version by its content hash', () => {
  const root = JSON.parse(api.root) as { paths: Record<string, { serverRelativeURL: string }> };
  const expected = groupVersions().flatMap((g) => g.versions.map((v) => docKey(g.group, v)));
  assert.deepEqual(Object.keys(root.paths).sort(), [...expected].sort());
  for (const [key, { serverRelativeURL }] of Object.entries(root.paths)) {
    const doc = api.documents.get(key);
    assert.ok(doc, key);
    assert.equal(serverRelativeURL, `/openapi/v3/${key}?hash=${doc.etag}`);
    assert.equal(doc.etag, createHash('sha512').update(doc.body).digest('hex').toUpperCase());
  }
});

test('every document is OpenAPI 3.0 JSON whose references all resolve inside it', () => {
  for (const [key, doc] of docs) {
    const raw = doc as unknown as Schema;
    assert.equal(raw['openapi'], '3.0.0', key);
    assert.ok(Object.keys(doc.paths).length > 0, key);
    for (const name of referencedSchemas(doc)) assert.ok(doc.components.schemas[name], `${key}: ${name} resolves`);
  }
});

test('every resource that can be patched has a PATCH operation with its kind and fieldValidation', () => {
  for (const r of RESOURCES) {
    if (!r.verbs.includes('patch')) continue;
    const doc = docs.get(docKey(r.group, r.version))!;
    const ops = Object.values(doc.paths)
      .map((p) => p['patch'])
      .filter((op): op is Schema => !!op);
    const mine = ops.filter((op) => {
      const gvk = op['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string };
      return gvk.group === r.group && gvk.version === r.version && gvk.kind === r.kind;
    });
    assert.ok(mine.length > 0, `${r.group}/${r.version} ${r.kind} has a PATCH operation`);
    // kubectl takes whichever matching operation it meets first: every one must qualify.
    for (const op of mine) {
      const params = op['parameters'] as { name: string; in: string }[];
      for (const name of ['fieldValidation', 'dryRun', 'fieldManager', 'force']) {
        assert.ok(params.some((p) => p.name === name && p.in === 'query'), `${r.kind} PATCH has ${name}`);
      }
      const content = (op['requestBody'] as { content: Record<string, unknown> }).content;
      assert.deepEqual(Object.keys(content).sort(), PATCH_TYPES);
    }
  }
});

test('every PATCH operation, subresources included, carries a kind and fieldValidation', () => {
  for (const [key, doc] of docs) {
    for (const [path, item] of Object.entries(doc.paths)) {
      const op = item['patch'];
      if (!op) continue;
      assert.ok(op['x-kubernetes-group-version-kind'], `${key} ${path}`);
      assert.ok((op['parameters'] as { name: string }[]).some((p) => p.name === 'fieldValidation'), `${key} ${path}`);
    }
  }
});

test('namespaced resources have collection, item, all-namespaces and subresource paths', () => {
  const core = docs.get('api/v1')!;
  for (const p of ['/api/v1/namespaces/{namespace}/pods', '/api/v1/namespaces/{namespace}/pods/{name}', '/api/v1/pods', '/api/v1/namespaces/{namespace}/pods/{name}/status', '/api/v1/namespaces/{namespace}/pods/{name}/log']) {
    assert.ok(core.paths[p], p);
  }
  assert.deepEqual(Object.keys(core.paths['/api/v1/namespaces/{namespace}/pods/{name}']!).sort(), ['delete', 'get', 'parameters', 'patch', 'put']);
  assert.ok(core.paths['/api/v1/nodes/{name}'], 'cluster-scoped item path');
  const apps = docs.get('apis/apps/v1')!;
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']!;
  assert.deepEqual(scale['patch']!['x-kubernetes-group-version-kind'], { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
});

test('top-level kinds carry their group/version/kind for kubectl explain', () => {
  for (const r of RESOURCES) {
    const doc = docs.get(docKey(r.group, r.version))!;
    const schema = doc.components.schemas[`${schemaPackage(r.group, r.version)}.${r.kind}`];
    assert.ok(schema, `${r.kind} schema`);
    const gvks = schema['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[];
    assert.ok(gvks.some((g) => g.group === r.group && g.version === r.version && g.kind === r.kind), `${r.kind} gvk`);
  }
});

test('Pod schema: containers merge by name, ports by containerPort, as patch-meta.ts says', () => {
  const core = docs.get('api/v1')!;
  const containers = props(core, 'io.k8s.api.core.v1.PodSpec')['containers']!;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  assert.deepEqual(containers['items'], { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' });
  assert.deepEqual(props(core, 'io.k8s.api.core.v1.PodSpec')['volumes']!['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  const container = props(core, 'io.k8s.api.core.v1.Container');
  assert.equal(container['ports']!['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.equal(container['env']!['x-kubernetes-patch-merge-key'], 'name');
  assert.deepEqual(core.components.schemas['io.k8s.api.core.v1.PodSpec']!['required'], ['containers']);
  const finalizers = props(core, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')['finalizers']!;
  assert.equal(finalizers['x-kubernetes-list-type'], 'set');
});

test('every merge key of patch-meta.ts reachable from PodSpec appears in the schema', () => {
  const core = docs.get('api/v1')!;
  for (const [typeName, schemaName] of [
    ['PodSpec', 'io.k8s.api.core.v1.PodSpec'],
    ['Container', 'io.k8s.api.core.v1.Container'],
    ['PodStatus', 'io.k8s.api.core.v1.PodStatus'],
    ['ServiceSpec', 'io.k8s.api.core.v1.ServiceSpec'],
    ['NodeStatus', 'io.k8s.api.core.v1.NodeStatus'],
  ] as const) {
    const properties = props(core, schemaName);
    for (const [field, meta] of Object.entries(TYPES[typeName]!)) {
      assert.equal(properties[field]?.['x-kubernetes-patch-merge-key'], meta.mergeKey, `${typeName}.${field}`);
      assert.equal(properties[field]?.['x-kubernetes-patch-strategy'], meta.strategy, `${typeName}.${field}`);
    }
  }
});

test('integer formats, IntOrString, Quantity and Time follow upstream', () => {
  const schemas = loadSchemas();
  const p = (name: string) => schemas[name]!['properties'] as Record<string, Schema>;
  assert.deepEqual([p('io.k8s.api.apps.v1.DeploymentSpec')['replicas']!['type'], p('io.k8s.api.apps.v1.DeploymentSpec')['replicas']!['format']], ['integer', 'int32']);
  assert.equal(p('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')['generation']!['format'], 'int64');
  assert.equal(p('io.k8s.api.core.v1.PodSpec')['terminationGracePeriodSeconds']!['format'], 'int64');
  assert.equal(p('io.k8s.api.core.v1.ContainerPort')['containerPort']!['format'], 'int32');
  assert.deepEqual(p('io.k8s.api.core.v1.ServicePort')['targetPort']!['allOf'], [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  assert.equal(schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!['x-kubernetes-int-or-string'], true);
  assert.equal(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.Time']!['format'], 'date-time');
  const limits = p('io.k8s.api.core.v1.ResourceRequirements')['limits']!;
  assert.deepEqual(limits['additionalProperties'], { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
});

test('descriptions are our own words, not the upstream text carried in kubernetes-types', () => {
  const text = JSON.stringify(loadSchemas());
  for (const upstream of ['More info: https://git.k8s.io', 'APIVersion defines the versioned schema', 'Standard object\'s metadata']) {
    assert.ok(!text.includes(upstream), `no "${upstream}"`);
  }
});

test('hashes are stable across builds and change only for the documents whose schemas change', () => {
  const again = buildOpenApiV3();
  for (const [key, d] of api.documents) assert.equal(again.documents.get(key)!.etag, d.etag, key);
  assert.equal(again.root, api.root);

  const schemas = structuredClone(loadSchemas());
  (schemas['io.k8s.api.batch.v1.JobSpec']!['properties'] as Record<string, Schema>)['completions']!['description'] = 'changed';
  const changed = buildOpenApiV3(schemas);
  for (const [key, d] of api.documents) {
    const moved = changed.documents.get(key)!.etag !== d.etag;
    assert.equal(moved, key === 'apis/batch/v1', key);
  }
  assert.notEqual(changed.root, api.root);
});

test('schemas.generated.json is what the generator produces from the current sources', () => {
  const script = fileURLToPath(new URL('../../../scripts/gen-openapi-schemas.ts', import.meta.url));
  const run = spawnSync(process.execPath, ['--import', 'tsx', script, '--check'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
});
