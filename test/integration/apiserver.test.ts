/**
 * The API server in-process on SQLite, spoken to over HTTPS/HTTP2: object lifecycle,
 * preconditions, selectors and paging, watch, status split, allocation, limits and
 * error shapes — the contract kubectl and the other clients rely on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect as connectTls } from 'node:tls';
import { startServer, type RunningServer } from '../../src/cmd/server.js';
import { ApiClient } from '../support/api-client.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-api-'));
let server: RunningServer;
let api: ApiClient;

const start = () =>
  startServer({ dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCidr: '10.43.0.0/16', tlsSan: [], disableAgent: true, print: () => {} });

before(async () => {
  server = await start();
  api = new ApiClient(server.kubeconfig);
});
after(async () => {
  api.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

type Obj = Record<string, any>;
const cm = (name: string, data: Record<string, string> = { k: 'v' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('discovery, health and authentication', () => {
  it('serves aggregated discovery with the exact content type, and the legacy documents', async () => {
    const agg = await api.request('GET', '/apis', undefined, {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    assert.equal(agg.headers['content-type'], 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const groups = (agg.body['items'] as Obj[]).map((g) => g['metadata'].name);
    for (const g of ['apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io']) assert.ok(groups.includes(g), g);
    const legacy = await api.request<Obj>('GET', '/api/v1');
    const pods = legacy.body['resources'].find((r: Obj) => r['name'] === 'pods');
    assert.deepEqual(pods.shortNames, ['po']);
    assert.ok(legacy.body['resources'].some((r: Obj) => r['name'] === 'pods/status'));
  });

  it('prefers TLS 1.3 AES-128-GCM, as Go servers do, over a client that lists AES-256 first', async () => {
    const socket = connectTls({ host: '127.0.0.1', port: Number(new URL(server.url).port), rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    try {
      await once(socket, 'secureConnect');
      assert.equal(socket.getProtocol(), 'TLSv1.3');
      assert.equal(socket.getCipher().standardName, 'TLS_AES_128_GCM_SHA256');
    } finally {
      socket.destroy();
    }
  });

  it('lets anonymous requests reach only health and version', async () => {
    const anon = new ApiClient(server.kubeconfig, { anonymous: true });
    try {
      assert.equal((await anon.request('GET', '/readyz')).text, 'ok');
      assert.equal((await anon.request<Obj>('GET', '/version')).body['minor'], '32');
      const denied = await anon.request<Obj>('GET', '/api/v1/namespaces/default/pods');
      assert.equal(denied.status, 401);
      assert.equal(denied.body['kind'], 'Status');
      assert.equal(denied.body['reason'], 'Unauthorized');
    } finally {
      anon.close();
    }
  });

  it('bootstraps the system namespaces and the kubernetes Service', async () => {
    const ns = await api.request<Obj>('GET', '/api/v1/namespaces');
    assert.deepEqual(ns.body['items'].map((n: Obj) => n.metadata.name).sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = await api.request<Obj>('GET', '/api/v1/namespaces/default/services/kubernetes');
    assert.equal(svc.body['spec'].clusterIP, '10.43.0.1');
    const ep = await api.request<Obj>('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
    assert.equal(ep.body['subsets'][0].ports[0].port, Number(new URL(server.url).port));
  });
});

describe('object lifecycle', () => {
  it('answers a create and an update with the object as stored (what a GET then returns)', async () => {
    const path = '/api/v1/namespaces/default/configmaps';
    const created = await api.request<Obj>('POST', path, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'as-stored', labels: { a: '1' } }, data: { k: 'v' } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, (await api.request<Obj>('GET', `${path}/as-stored`)).body);
    // A body whose fields come in another order is answered in the same form too.
    const put = await api.request<Obj>('PUT', `${path}/as-stored`, { data: { k: 'w' }, metadata: { ...created.body['metadata'], labels: { a: '2' } }, kind: 'ConfigMap', apiVersion: 'v1' });
    assert.equal(put.status, 200);
    const got = (await api.request<Obj>('GET', `${path}/as-stored`)).body;
    assert.deepEqual(put.body, got);
    assert.deepEqual(got['data'], { k: 'w' });
    assert.notEqual(got['metadata'].resourceVersion, created.body['metadata'].resourceVersion);
    const patched = await api.request<Obj>('PATCH', `${path}/as-stored`, { data: { k: 'x' } }, { 'content-type': 'application/merge-patch+json' });
    assert.deepEqual(patched.body, (await api.request<Obj>('GET', `${path}/as-stored`)).body);
  });

  it('create fills uid, creationTimestamp and resourceVersion; a second create is AlreadyExists', async () => {
    const res = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', cm('life-1'));
    assert.equal(res.status, 201);
    assert.match(res.body['metadata'].uid, /^[0-9a-f-]{36}$/);
    assert.match(res.body['metadata'].creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(res.body['metadata'].resourceVersion, /^\d+$/);
    const again = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', cm('life-1'));
    assert.equal(again.status, 409);
    assert.equal(again.body['reason'], 'AlreadyExists');
    assert.equal(again.body['message'], 'configmaps "life-1" already exists');
  });

  it('duplicate JSON keys: Strict refuses naming each path, Warn warns and keeps the last value, Ignore is silent', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup-a","labels":{"x":"1","x":"2"}},"data":{"k":"a"},"data":{"k":"b"}}';
    const strict = await api.request<Record<string, any>>('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
    assert.equal(strict.status, 400, strict.text);
    assert.equal(strict.body['message'], 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.labels.x", duplicate field "data"');
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/configmaps/dup-a')).status, 404, 'nothing stored');
    const warn = await api.request<Record<string, any>>('POST', '/api/v1/namespaces/default/configmaps', body);
    assert.equal(warn.status, 201, warn.text);
    assert.deepEqual(warn.body['metadata'].labels, { x: '2' });
    assert.deepEqual(warn.body['data'], { k: 'b' });
    assert.match(String(warn.headers['warning']), /299 - "duplicate field \\"metadata\.labels\.x\\""/);
    const ignore = await api.request('PUT', '/api/v1/namespaces/default/configmaps/dup-a?fieldValidation=Ignore', body.replace('"name":"dup-a"', `"name":"dup-a","resourceVersion":"${warn.body['metadata'].resourceVersion}"`));
    assert.equal(ignore.status, 200, ignore.text);
    assert.equal(ignore.headers['warning'], undefined);
  });

  it('generateName gets a random suffix', async () => {
    const res = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', { metadata: { generateName: 'gen-' }, data: {} });
    assert.match(res.body['metadata'].name, /^gen-[a-z0-9]{5}$/);
  });

  it('a generated name that is taken is generated again, for kinds with allocations too (upstream RetryGenerateName)', async () => {
    // With Math.random at 0 a generated suffix is the alphabet's first letter five times.
    const taken = { configmaps: 'retry-bbbbb', services: 'svc-retry-bbbbb' };
    assert.equal((await api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: taken.configmaps }, data: {} })).status, 201);
    const service = (metadata: Record<string, string>) => ({ metadata, spec: { ports: [{ port: 80 }] } });
    assert.equal((await api.request('POST', '/api/v1/namespaces/default/services', service({ name: taken.services }))).status, 201);
    const random = Math.random;
    try {
      for (const [resource, name] of Object.entries(taken)) {
        // The first two names generated collide; the third is random again.
        let draws = 0;
        Math.random = () => (draws++ < 10 ? 0 : random());
        const body = resource === 'services' ? service({ generateName: name.slice(0, -5) }) : { metadata: { generateName: name.slice(0, -5) }, data: {} };
        const res = await api.request<Obj>('POST', `/api/v1/namespaces/default/${resource}`, body);
        assert.equal(res.status, 201, res.text);
        assert.ok(draws > 10, `${resource}: ${draws} random draws`);
        assert.match(res.body['metadata'].name, new RegExp(`^${name.slice(0, -5)}[a-z0-9]{5}$`));
        assert.notEqual(res.body['metadata'].name, name);
      }
    } finally {
      Math.random = random;
    }
  });

  it('invalid names are 422 with field causes and change nothing', async () => {
    const res = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'));
    assert.equal(res.status, 422);
    assert.equal(res.body['reason'], 'Invalid');
    assert.match(res.body['message'], /^ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    assert.equal(res.body['details'].causes[0].field, 'metadata.name');
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/configmaps/Bad_Name')).status, 404);
  });

  it('a stale resourceVersion is a 409 Conflict with upstream wording', async () => {
    const created = (await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', cm('conflict-1'))).body;
    const first = await api.request<Obj>('PUT', '/api/v1/namespaces/default/configmaps/conflict-1', { ...created, data: { k: 'a' } });
    assert.equal(first.status, 200);
    const stale = await api.request<Obj>('PUT', '/api/v1/namespaces/default/configmaps/conflict-1', { ...created, data: { k: 'b' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body['message'], 'Operation cannot be fulfilled on configmaps "conflict-1": the object has been modified; please apply your changes to the latest version and try again');
  });

  it('generation moves with spec only; status is written only through /status', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gen-dep' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'g' } }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
      status: { replicas: 99 },
    };
    const created = (await api.request<Obj>('POST', '/apis/apps/v1/namespaces/default/deployments', dep)).body;
    assert.equal(created['metadata'].generation, 1);
    assert.equal(created['status']?.replicas, undefined, 'status on create is ignored');
    const labelled = await api.request<Obj>('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen-dep', { metadata: { labels: { x: 'y' } } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(labelled.body['metadata'].generation, 1, 'metadata changes do not bump generation');
    const scaled = await api.request<Obj>('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen-dep', { spec: { replicas: 3 }, status: { replicas: 7 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(scaled.body['metadata'].generation, 2);
    // (the deployment controller may have written status meanwhile; never the patch's 7)
    assert.notEqual(scaled.body['status']?.replicas, 7);
    const status = await api.request<Obj>('PATCH', '/apis/apps/v1/namespaces/default/deployments/gen-dep/status', { spec: { replicas: 9 }, status: { replicas: 3 } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(status.body['status'].replicas, 3);
    assert.equal(status.body['spec'].replicas, 3, 'spec changes through /status are ignored');
    assert.equal(status.body['metadata'].generation, 2);
    const scale = await api.request<Obj>('GET', '/apis/apps/v1/namespaces/default/deployments/gen-dep/scale');
    assert.deepEqual([scale.body['kind'], scale.body['spec'].replicas, scale.body['status'].selector], ['Scale', 3, 'app=g']);
  });

  it('finalizers keep a deleted object until they are removed', async () => {
    await api.request('POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'fin-1', finalizers: ['example.com/hold'] }, data: {} });
    const del = await api.request<Obj>('DELETE', '/api/v1/namespaces/default/configmaps/fin-1');
    assert.equal(del.status, 202);
    const held = (await api.request<Obj>('GET', '/api/v1/namespaces/default/configmaps/fin-1')).body;
    assert.ok(held['metadata'].deletionTimestamp);
    const released = await api.request<Obj>('PATCH', '/api/v1/namespaces/default/configmaps/fin-1', { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    assert.equal(released.status, 200);
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/configmaps/fin-1')).status, 404);
  });

  it('dry-run returns the object and stores nothing', async () => {
    const res = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry-1'));
    assert.equal(res.status, 201);
    assert.equal(res.body['metadata'].name, 'dry-1');
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/configmaps/dry-1')).status, 404);
  });

  it('an unscheduled pod is deleted at once; preconditions are enforced', async () => {
    const pod = { metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
    const created = (await api.request<Obj>('POST', '/api/v1/namespaces/default/pods', pod)).body;
    assert.equal(created['spec'].restartPolicy, 'Always');
    assert.equal(created['spec'].containers[0].imagePullPolicy, 'Always');
    assert.equal(created['status'].phase, 'Pending');
    const wrongUid = await api.request<Obj>('DELETE', '/api/v1/namespaces/default/pods/p1', { preconditions: { uid: 'nope' } });
    assert.equal(wrongUid.status, 409);
    const del = await api.request<Obj>('DELETE', '/api/v1/namespaces/default/pods/p1', { propagationPolicy: 'Background' });
    assert.equal(del.status, 200);
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/p1')).status, 404);
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const res = await api.request<Obj>('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
    assert.equal(res.status, 404);
    assert.equal(res.body['message'], 'namespaces "nowhere" not found');
  });
});

describe('GET of one object', () => {
  it('answers with the stored object as written, resourceVersion, apiVersion and kind included, in each served version', async () => {
    const created = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', cm('got', { a: '1', 'é': '→' }, { app: 'g' }));
    assert.equal(created.status, 201);
    const got = await api.request<Obj>('GET', '/api/v1/namespaces/default/configmaps/got');
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.deepEqual(got.body, created.body);
    assert.equal(got.body['metadata'].resourceVersion, created.body['metadata'].resourceVersion);
    // Stored as autoscaling/v2, asked for as v1: converted, not served from the stored bytes.
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'got' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, maxReplicas: 3 } };
    assert.equal((await api.request('POST', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', hpa)).status, 201);
    const v1 = await api.request<Obj>('GET', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/got');
    assert.equal(v1.body['apiVersion'], 'autoscaling/v1');
    assert.equal(v1.body['spec'].maxReplicas, 3);
    const v2 = await api.request<Obj>('GET', '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/got');
    assert.equal(v2.body['apiVersion'], 'autoscaling/v2');
    assert.equal(v2.body['kind'], 'HorizontalPodAutoscaler');
    const table = await api.request<Obj>('GET', '/api/v1/namespaces/default/configmaps/got', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    assert.equal(table.body['kind'], 'Table');
    assert.equal(table.body['rows'][0].cells[0], 'got');
  });
});

describe('events in both groups', () => {
  it('one storage, two shapes: core involvedObject/message are events.k8s.io regarding/note, and back', async () => {
    const core = await api.request<Record<string, any>>('POST', '/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'ev-core' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'Started',
      message: 'Started container web',
      type: 'Normal',
      count: 3,
      source: { component: 'kubelet' },
      firstTimestamp: '2026-11-28T00:00:00Z',
      lastTimestamp: '2026-11-28T00:01:00Z',
    });
    assert.equal(core.status, 201, core.text);
    const asNew = await api.request<Record<string, any>>('GET', '/apis/events.k8s.io/v1/namespaces/default/events/ev-core');
    assert.equal(asNew.status, 200, asNew.text);
    assert.equal(asNew.body['apiVersion'], 'events.k8s.io/v1');
    assert.deepEqual(asNew.body['regarding'], { kind: 'Pod', name: 'web', namespace: 'default' });
    assert.equal(asNew.body['note'], 'Started container web');
    assert.equal(asNew.body['deprecatedCount'], 3);
    assert.deepEqual(asNew.body['deprecatedSource'], { component: 'kubelet' });
    assert.equal(asNew.body['involvedObject'], undefined);

    const created = await api.request<Record<string, any>>('POST', '/apis/events.k8s.io/v1/namespaces/default/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'ev-new' },
      eventTime: '2026-11-28T00:02:00.000000Z',
      reportingController: 'skiff.io/test',
      reportingInstance: 'test-1',
      action: 'Testing',
      reason: 'Checked',
      regarding: { kind: 'Node', name: 'node-1' },
      note: 'all good',
      type: 'Normal',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body['note'], 'all good');
    const asCore = await api.request<Record<string, any>>('GET', '/api/v1/namespaces/default/events/ev-new');
    assert.equal(asCore.body['apiVersion'], 'v1');
    assert.deepEqual(asCore.body['involvedObject'], { kind: 'Node', name: 'node-1' });
    assert.equal(asCore.body['message'], 'all good');
    assert.equal(asCore.body['reportingComponent'], 'skiff.io/test');

    // Lists in each group are in that group's shape, and field selectors use its names.
    const listed = await api.request<Record<string, any>>('GET', '/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=regarding.name%3Dweb');
    assert.deepEqual(listed.body['items'].map((e: any) => [e.metadata.name, e.apiVersion ?? listed.body['apiVersion'], e.note]), [['ev-core', 'events.k8s.io/v1', 'Started container web']]);
    const coreListed = await api.request<Record<string, any>>('GET', '/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dnode-1');
    assert.deepEqual(coreListed.body['items'].map((e: any) => [e.metadata.name, e.message]), [['ev-new', 'all good']]);
  });
});

describe('server-side apply to /scale', () => {
  it('an applied Scale owns the parent\'s spec.replicas with subresource "scale"; a conflicting apply names it', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scaled' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'scaled' } }, template: { metadata: { labels: { app: 'scaled' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    };
    const yaml = { 'content-type': 'application/apply-patch+yaml' };
    const created = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled?fieldManager=deployer', JSON.stringify(dep), yaml);
    assert.equal(created.status, 201, created.text);
    // The deployer gives up replicas (as one does before handing them to an autoscaler).
    const { replicas: _r, ...specWithout } = dep.spec;
    void _r;
    assert.equal((await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled?fieldManager=deployer', JSON.stringify({ ...dep, spec: specWithout }), yaml)).status, 200);
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'scaled', namespace: 'default' }, spec: { replicas: 4 } };
    const applied = await api.request<Record<string, any>>('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled/scale?fieldManager=autoscaler', JSON.stringify(scale), yaml);
    assert.equal(applied.status, 200, applied.text);
    assert.equal(applied.body['kind'], 'Scale');
    assert.equal(applied.body['spec'].replicas, 4);
    const parent = await api.request<Record<string, any>>('GET', '/apis/apps/v1/namespaces/default/deployments/scaled');
    assert.equal(parent.body['spec'].replicas, 4);
    const entry = parent.body['metadata'].managedFields.find((m: any) => m.manager === 'autoscaler');
    assert.deepEqual([entry.operation, entry.subresource, entry.fieldsV1], ['Apply', 'scale', { 'f:spec': { 'f:replicas': {} } }]);
    // Someone else applying replicas now conflicts with the autoscaler's scale entry.
    const conflict = await api.request<Record<string, any>>('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled?fieldManager=other', JSON.stringify({ ...dep, spec: { ...dep.spec, replicas: 2 } }), yaml);
    assert.equal(conflict.status, 409, conflict.text);
    assert.match(conflict.body['message'], /conflict with "autoscaler" with subresource "scale": \.spec\.replicas/);
    const wrongKind = await api.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled/scale?fieldManager=autoscaler', JSON.stringify(dep), yaml);
    assert.equal(wrongKind.status, 400, wrongKind.text);
  });
});

describe('lists and selectors', () => {
  it('pages with limit and continue at one consistent revision', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'paging' } });
    for (let i = 0; i < 25; i++) await api.request('POST', '/api/v1/namespaces/paging/configmaps', cm(`cm-${String(i).padStart(2, '0')}`, { i: String(i) }, { parity: i % 2 ? 'odd' : 'even' }));
    const first = (await api.request<Obj>('GET', '/api/v1/namespaces/paging/configmaps?limit=10')).body;
    assert.equal(first['items'].length, 10);
    assert.ok(first['metadata'].continue);
    // changes after the first page must not show in later pages
    await api.request('DELETE', '/api/v1/namespaces/paging/configmaps/cm-20');
    await api.request('POST', '/api/v1/namespaces/paging/configmaps', cm('cm-99'));
    const names: string[] = first['items'].map((i: Obj) => i['metadata'].name);
    let token = first['metadata'].continue as string | undefined;
    while (token) {
      const page = (await api.request<Obj>('GET', `/api/v1/namespaces/paging/configmaps?limit=10&continue=${encodeURIComponent(token)}`)).body;
      names.push(...page['items'].map((i: Obj) => i['metadata'].name));
      token = page['metadata'].continue;
    }
    assert.equal(names.length, 25);
    assert.ok(names.includes('cm-20') && !names.includes('cm-99'));
    const odd = (await api.request<Obj>('GET', '/api/v1/namespaces/paging/configmaps?labelSelector=parity%3Dodd')).body;
    assert.ok(odd['items'].every((i: Obj) => i['metadata'].labels.parity === 'odd'));
    const byName = (await api.request<Obj>('GET', '/api/v1/namespaces/paging/configmaps?fieldSelector=metadata.name%3Dcm-03')).body;
    assert.deepEqual(byName['items'].map((i: Obj) => i['metadata'].name), ['cm-03']);
    const bad = await api.request<Obj>('GET', '/api/v1/pods?fieldSelector=spec.foo%3Dx');
    assert.equal(bad.status, 400);
    assert.match(bad.body['message'], /field label not supported: spec\.foo/);
  });

  it('serves whole lists from the watch cache byte for byte as storage serves them, with every acknowledged write', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'cached' } });
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'cached-too' } });
    for (let round = 0; round < 12; round++) {
      const ns = round % 2 ? 'cached' : 'cached-too';
      const created = await api.request<Obj>('POST', `/api/v1/namespaces/${ns}/configmaps`, cm(`c-${round}`, { round: String(round) }));
      assert.equal(created.status, 201, created.text);
      if (round % 3 === 2) assert.equal((await api.request('DELETE', `/api/v1/namespaces/${ns}/configmaps/c-${round - 2}`)).status, 200);
      for (const path of [`/api/v1/namespaces/${ns}/configmaps`, '/api/v1/configmaps']) {
        // Without resourceVersion: from the cache, holding the create acknowledged just before.
        const fromCache = await api.request<Obj>('GET', path);
        assert.equal(fromCache.status, 200, fromCache.text);
        assert.ok(fromCache.body['items'].some((i: Obj) => i['metadata'].uid === created.body['metadata'].uid), `c-${round} missing from ${path}`);
        assert.ok(Number(fromCache.body['metadata'].resourceVersion) >= Number(created.body['metadata'].resourceVersion));
        // The same list read from storage (an exact resourceVersion is never the cache's).
        const rv = fromCache.body['metadata'].resourceVersion as string;
        const fromStorage = await api.request('GET', `${path}?resourceVersion=${rv}&resourceVersionMatch=Exact`);
        assert.equal(fromStorage.text, fromCache.text);
        const any = await api.request('GET', `${path}?resourceVersion=0`);
        assert.equal(any.status, 200, any.text);
      }
    }
  });

  it('answers Tables with upstream columns and PartialObjectMetadata rows', async () => {
    const res = await api.request<Obj>('GET', '/api/v1/namespaces/paging/configmaps?limit=2', undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    assert.equal(res.body['kind'], 'Table');
    assert.deepEqual(res.body['columnDefinitions'].map((c: Obj) => c['name']), ['Name', 'Data', 'Age']);
    assert.equal(res.body['rows'][0].object.kind, 'PartialObjectMetadata');
    assert.equal(res.body['rows'][0].object.apiVersion, 'meta.k8s.io/v1');
  });
});

describe('watch', () => {
  it('sends synthetic ADDED for a watch from now, then changes; resumes from a resourceVersion', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'watching' } });
    await api.request('POST', '/api/v1/namespaces/watching/configmaps', cm('w-1'));
    const events: { type: string; name: string; rv: string }[] = [];
    const w = api.watch('/api/v1/namespaces/watching/configmaps?watch=true', (e) => events.push({ type: e.type, name: (e.object['metadata'] as Obj)['name'], rv: (e.object['metadata'] as Obj)['resourceVersion'] }));
    assert.equal(await w.status, 200);
    const created = (await api.request<Obj>('POST', '/api/v1/namespaces/watching/configmaps', cm('w-2'))).body;
    await api.request('DELETE', '/api/v1/namespaces/watching/configmaps/w-1');
    for (let i = 0; i < 100 && events.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    w.close();
    assert.deepEqual(events.map((e) => `${e.type} ${e.name}`), ['ADDED w-1', 'ADDED w-2', 'DELETED w-1']);
    // resume from the creation of w-2: only the delete follows
    const resumed: string[] = [];
    const w2 = api.watch(`/api/v1/namespaces/watching/configmaps?watch=true&resourceVersion=${created['metadata'].resourceVersion}`, (e) => resumed.push(`${e.type} ${(e.object['metadata'] as Obj)['name']}`));
    for (let i = 0; i < 100 && resumed.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    w2.close();
    assert.deepEqual(resumed, ['DELETED w-1']);
  });

  it('sends column definitions only on the first Table event', async () => {
    const tables: Obj[] = [];
    const w = api.watch('/api/v1/namespaces/watching/configmaps?watch=true', (e) => tables.push(e.object), { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' });
    await w.status;
    await api.request('POST', '/api/v1/namespaces/watching/configmaps', cm('w-3'));
    for (let i = 0; i < 100 && tables.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    w.close();
    assert.ok(tables[0]!['columnDefinitions'].length > 0);
    assert.equal(tables[1]!['columnDefinitions'].length, 0);
  });
});

describe('services', () => {
  const svc = (name: string, extra: Obj = {}) => ({ metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 9376 }], ...extra } });

  it('concurrent creates get distinct cluster IPs; explicit IPs are honoured or refused', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc(`s-${i}`))));
    const ips = created.map((r) => r.body['spec'].clusterIP);
    assert.equal(new Set(ips).size, 20);
    for (const ip of ips) assert.match(ip, /^10\.43\.\d+\.\d+$/);
    assert.equal(created[0]!.body['spec'].ports[0].targetPort, 9376);
    const fixed = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('fixed', { clusterIP: '10.43.200.200' }));
    assert.equal(fixed.body['spec'].clusterIP, '10.43.200.200');
    const clash = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('clash', { clusterIP: '10.43.200.200' }));
    assert.equal(clash.status, 422);
    assert.match(clash.body['message'], /provided IP is already allocated/);
    const headless = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('headless', { clusterIP: 'None' }));
    assert.deepEqual(headless.body['spec'].clusterIPs, ['None']);
    const np = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('np', { type: 'NodePort' }));
    const port = np.body['spec'].ports[0].nodePort;
    assert.ok(port >= 30000 && port <= 32767);
    // deleting frees the address for reuse
    await api.request('DELETE', '/api/v1/namespaces/default/services/fixed');
    const reuse = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('reuse', { clusterIP: '10.43.200.200' }));
    assert.equal(reuse.status, 201);
  });

  it('allocations survive a restart', async () => {
    api.close();
    await server.stop();
    server = await start();
    api = new ApiClient(server.kubeconfig);
    const clash = await api.request<Obj>('POST', '/api/v1/namespaces/default/services', svc('after-restart', { clusterIP: '10.43.200.200' }));
    assert.equal(clash.status, 422);
    assert.equal((await api.request<Obj>('GET', '/api/v1/namespaces/default/services/reuse')).body['spec'].clusterIP, '10.43.200.200');
  });
});

describe('bad input', () => {
  it('refuses malformed bodies, wrong content types and oversized requests with Status objects', async () => {
    const cases: [string, string | Buffer, Record<string, string>, number][] = [
      ['malformed JSON', '{"metadata": {', {}, 400],
      ['not an object', '[1,2,3]', {}, 400],
      ['wrong content type', 'x', { 'content-type': 'text/plain' }, 415],
      ['over 3 MiB', JSON.stringify(cm('big', { k: 'x'.repeat(4 * 1024 * 1024) })), {}, 413],
    ];
    for (const [label, body, headers, code] of cases) {
      const res = await api.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', body, headers);
      assert.equal(res.status, code, label);
      assert.equal(res.body['kind'], 'Status', label);
    }
    const badEscape = await api.request<Obj>('GET', '/api/v1/namespaces/default/configmaps/x%zz');
    assert.equal(badEscape.status, 400);
    assert.equal(badEscape.body['kind'], 'Status');
    assert.equal((await api.request('GET', '/readyz')).text, 'ok');
  });
});

describe('namespaces', () => {
  const waitFor = async (check: () => Promise<boolean>, what: string) => {
    // Generous: the controller works through every resource of the namespace.
    for (let i = 0; i < 600; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`timed out waiting for ${what}`);
  };

  it('a deleted namespace is Terminating while content remains, refuses new content, then goes', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'doomed' } });
    // A finalizer holds one object, so the namespace must wait for it.
    await api.request('POST', '/api/v1/namespaces/doomed/configmaps', { metadata: { name: 'held', finalizers: ['example.com/hold'] }, data: {} });
    const del = await api.request<Obj>('DELETE', '/api/v1/namespaces/doomed');
    assert.equal(del.status, 202);
    const ns = (await api.request<Obj>('GET', '/api/v1/namespaces/doomed')).body;
    assert.equal(ns['status'].phase, 'Terminating');
    const refused = await api.request<Obj>('POST', '/api/v1/namespaces/doomed/configmaps', cm('late'));
    assert.equal(refused.status, 403);
    assert.match(refused.body['message'], /because it is being terminated/);
    await waitFor(async () => {
      const conditions = ((await api.request<Obj>('GET', '/api/v1/namespaces/doomed')).body['status'].conditions ?? []) as Obj[];
      return conditions.some((c) => c['type'] === 'NamespaceFinalizersRemaining' && c['status'] === 'True');
    }, 'the controller to report the remaining finalizer');
    await api.request('PATCH', '/api/v1/namespaces/doomed/configmaps/held', { metadata: { finalizers: null } }, { 'content-type': 'application/merge-patch+json' });
    await waitFor(async () => (await api.request('GET', '/api/v1/namespaces/doomed')).status === 404, 'the namespace to go');
  });

  it('deleting a namespace with 100 objects leaves nothing', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'full' } });
    const kinds: [string, (i: number) => Obj][] = [
      ['/api/v1/namespaces/full/configmaps', (i) => cm(`c-${i}`)],
      ['/api/v1/namespaces/full/secrets', (i) => ({ metadata: { name: `s-${i}` }, stringData: { a: 'b' } })],
      ['/api/v1/namespaces/full/services', (i) => ({ metadata: { name: `svc-${i}` }, spec: { ports: [{ port: 80 }] } })],
      ['/apis/apps/v1/namespaces/full/deployments', (i) => ({ metadata: { name: `d-${i}` }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } })],
    ];
    for (let i = 0; i < 25; i++) {
      for (const [path, make] of kinds) assert.equal((await api.request('POST', path, make(i))).status, 201);
    }
    await api.request('DELETE', '/api/v1/namespaces/full');
    await waitFor(async () => (await api.request('GET', '/api/v1/namespaces/full')).status === 404, 'the namespace to go');
    for (const [path] of kinds) {
      assert.equal(((await api.request<Obj>('GET', path)).body['items'] as Obj[]).length, 0, path);
    }
    const cs = await api.request<Obj>('GET', '/api/v1/componentstatuses/controller-manager');
    assert.equal(cs.body['conditions'][0].status, 'True');
  });
});
