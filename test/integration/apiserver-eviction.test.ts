/**
 * pods/<name>/eviction against an API server built here on SQLite, over HTTPS with JSON
 * bodies: pods without a budget, or already terminal or pending, are deleted; a budget
 * with no disruptions left (or a status the disruption controller has not caught up
 * with) refuses with 429 and upstream's message; a budget that allows one is
 * decremented and records the pod; two budgets are a 500. Also pods/binding and
 * /bindings, the other pod write that is not a plain update.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeKubeconfig } from '../../src/apiserver/pki/index.js';
import { ApiClient } from '../support/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';

type Obj = Record<string, any>;

let cluster: InProcessCluster;
let api: ApiClient;
const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const PDBS = `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-eviction' });
  const kubeconfig = join(cluster.dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: cluster.server.url, pki: cluster.pki });
  api = new ApiClient(kubeconfig);
});

after(async () => {
  api?.close();
  await cluster?.stop();
});

/** A pod in the given phase (Running and Ready by default), labelled for a budget. */
async function pod(name: string, labels: Record<string, string>, phase = 'Running', ready = true): Promise<Obj> {
  const created = await api.request<Obj>('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  assert.equal(created.status, 201, created.text);
  const status = { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
  const updated = await api.request<Obj>('PUT', `${PODS}/${name}/status`, { ...created.body, status });
  assert.equal(updated.status, 200, updated.text);
  return updated.body;
}

/** A budget over `app=<app>`, with the status the disruption controller would write. */
async function budget(name: string, app: string, status: Obj, observedLag = 0): Promise<Obj> {
  const created = await api.request<Obj>('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } });
  assert.equal(created.status, 201, created.text);
  const generation = created.body['metadata'].generation ?? 1;
  const full = { observedGeneration: generation - observedLag, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, ...status };
  const updated = await api.request<Obj>('PUT', `${PDBS}/${name}/status`, { ...created.body, status: full });
  assert.equal(updated.status, 200, updated.text);
  return updated.body;
}

const evict = (name: string, extra: Obj = {}, apiVersion = 'policy/v1') =>
  api.request<Obj>('POST', `${PODS}/${name}/eviction`, { apiVersion, kind: 'Eviction', metadata: { name, namespace: NS }, ...extra });
const exists = async (name: string) => (await api.request('GET', `${PODS}/${name}`)).status === 200;

describe('pods/eviction', () => {
  it('deletes a pod no budget selects, answering 201 Success', async () => {
    await pod('lonely', { app: 'lonely' });
    const res = await evict('lonely');
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    assert.equal(await exists('lonely'), false);
  });

  it('refuses with 429 when the budget allows no disruption, and keeps the pod', async () => {
    await pod('guarded', { app: 'guarded' });
    await budget('guarded-pdb', 'guarded', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 });
    const res = await evict('guarded');
    assert.equal(res.status, 429, res.text);
    assert.equal(res.body['reason'], 'TooManyRequests');
    assert.equal(res.body['message'], "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.deepEqual(res.body['details'].causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget guarded-pdb needs 1 healthy pods and has 1 currently' }]);
    assert.equal(await exists('guarded'), true);
  });

  it('refuses while the budget status is stale (observedGeneration behind)', async () => {
    await pod('stale', { app: 'stale' });
    await budget('stale-pdb', 'stale', { disruptionsAllowed: 3 }, 1);
    const res = await evict('stale');
    assert.equal(res.status, 429);
    assert.equal(res.headers['retry-after'], '10');
    assert.equal(res.body['details'].causes[0].message, 'The disruption budget stale-pdb is still being processed by the server.');
    assert.equal(await exists('stale'), true);
  });

  it('takes a disruption from the budget, records the pod, then deletes it', async () => {
    await pod('web-1', { app: 'web' });
    await pod('web-2', { app: 'web' });
    await budget('web-pdb', 'web', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 });
    const first = await evict('web-1');
    assert.equal(first.status, 201, first.text);
    assert.equal(await exists('web-1'), false);
    const pdb = (await api.request<Obj>('GET', `${PDBS}/web-pdb`)).body;
    assert.equal(pdb['status'].disruptionsAllowed, 0);
    assert.ok(pdb['status'].disruptedPods['web-1'], 'web-1 recorded in disruptedPods');
    const condition = pdb['status'].conditions.find((c: Obj) => c['type'] === 'DisruptionAllowed');
    assert.equal(condition.status, 'False');
    assert.equal(condition.reason, 'InsufficientPods');
    // The budget is spent until the controller recomputes it.
    assert.equal((await evict('web-2')).status, 429);
    assert.equal(await exists('web-2'), true);
  });

  it('deletes terminal and pending pods without asking the budget', async () => {
    await pod('done', { app: 'batch' }, 'Succeeded', false);
    await pod('waiting', { app: 'batch' }, 'Pending', false);
    await budget('batch-pdb', 'batch', { disruptionsAllowed: 0 });
    assert.equal((await evict('done')).status, 201);
    assert.equal((await evict('waiting')).status, 201);
    assert.equal(await exists('done'), false);
    assert.equal(await exists('waiting'), false);
  });

  it('lets an unready pod go when the budget is met without it (no decrement)', async () => {
    await pod('sick', { app: 'herd' }, 'Running', false);
    await budget('herd-pdb', 'herd', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2, expectedPods: 3 });
    assert.equal((await evict('sick')).status, 201);
    assert.equal(await exists('sick'), false);
    assert.equal((await api.request<Obj>('GET', `${PDBS}/herd-pdb`)).body['status'].disruptionsAllowed, 0);
  });

  it('answers 500 when more than one budget selects the pod', async () => {
    await pod('double', { app: 'double', tier: 'x' });
    await budget('double-a', 'double', { disruptionsAllowed: 1 });
    const second = await api.request<Obj>('POST', PDBS, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'double-b' }, spec: { maxUnavailable: 1, selector: { matchLabels: { tier: 'x' } } } });
    assert.equal(second.status, 201);
    const res = await evict('double');
    assert.equal(res.status, 500);
    assert.equal(res.body['message'], 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    assert.equal(await exists('double'), true);
  });

  it('accepts policy/v1beta1 bodies, honours dry-run and deleteOptions, and checks the name', async () => {
    await pod('beta', { app: 'beta' });
    await budget('beta-pdb', 'beta', { disruptionsAllowed: 1 });
    const dry = await evict('beta', { deleteOptions: { dryRun: ['All'] } }, 'policy/v1beta1');
    assert.equal(dry.status, 201, dry.text);
    assert.equal(await exists('beta'), true);
    assert.equal((await api.request<Obj>('GET', `${PDBS}/beta-pdb`)).body['status'].disruptionsAllowed, 1);
    // Preconditions reach the delete (on a pod no budget guards: a budget's disruption
    // is taken before the delete, as upstream does).
    await pod('pinned', { app: 'pinned' });
    const wrongUid = await evict('pinned', { deleteOptions: { preconditions: { uid: 'not-this-pod' } } });
    assert.equal(wrongUid.status, 409);
    assert.equal(await exists('pinned'), true);
    const mismatch = await api.request<Obj>('POST', `${PODS}/beta/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'other' } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body['message'], 'name in URL does not match name in Eviction object');
    const missing = await evict('no-such-pod');
    assert.equal(missing.status, 404);
    assert.equal((await evict('beta', {}, 'policy/v1beta1')).status, 201);
    assert.equal(await exists('beta'), false);
  });
});

describe('pods/binding and bindings', () => {
  const binding = (name: string, node: string) => ({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } });

  it('assigns an unassigned pod to a node once and marks it scheduled', async () => {
    await api.request('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'to-bind' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const res = await api.request<Obj>('POST', `${PODS}/to-bind/binding`, binding('to-bind', 'node-a'));
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body['status'], 'Success');
    const bound = (await api.request<Obj>('GET', `${PODS}/to-bind`)).body;
    assert.equal(bound['spec'].nodeName, 'node-a');
    assert.equal(bound['status'].conditions.find((c: Obj) => c['type'] === 'PodScheduled').status, 'True');
    const again = await api.request<Obj>('POST', `${PODS}/to-bind/binding`, binding('to-bind', 'node-b'));
    assert.equal(again.status, 409);
    assert.equal(again.body['message'], 'Operation cannot be fulfilled on pods/binding "to-bind": pod to-bind is already assigned to node "node-a"');
  });

  it('serves the namespace-level bindings resource too', async () => {
    await api.request('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'old-style' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const res = await api.request<Obj>('POST', `/api/v1/namespaces/${NS}/bindings`, binding('old-style', 'node-c'));
    assert.equal(res.status, 201, res.text);
    assert.equal((await api.request<Obj>('GET', `${PODS}/old-style`)).body['spec'].nodeName, 'node-c');
    const mismatch = await api.request<Obj>('POST', `${PODS}/old-style/binding`, binding('someone-else', 'node-c'));
    assert.equal(mismatch.status, 400);
  });

  it('writes at the storage layer as upstream: no managedFields entry for the binding, the rest kept', async () => {
    const created = await api.request<Obj>('POST', `${PODS}?fieldManager=creator`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'untracked', annotations: { keep: 'me' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(created.status, 201, created.text);
    const before = created.body['metadata'].managedFields;
    const res = await api.request<Obj>('POST', `${PODS}/untracked/binding?fieldManager=kube-scheduler`, { ...binding('untracked', 'node-d'), metadata: { name: 'untracked', annotations: { added: 'by-binding' } } });
    assert.equal(res.status, 201, res.text);
    const bound = (await api.request<Obj>('GET', `${PODS}/untracked`)).body;
    assert.deepEqual(bound['metadata'].managedFields, before);
    assert.deepEqual(bound['metadata'].annotations, { keep: 'me', added: 'by-binding' });
    assert.equal(bound['metadata'].uid, created.body['metadata'].uid);
    assert.ok(Number(bound['metadata'].resourceVersion) > Number(created.body['metadata'].resourceVersion));
  });

  it('honours uid and resourceVersion preconditions, dryRun, and refuses a missing pod', async () => {
    const res = await api.request<Obj>('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bind-guarded' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal(res.status, 201, res.text);
    const created = res.body;
    const meta = created['metadata'];
    const wrongUid = await api.request<Obj>('POST', `${PODS}/bind-guarded/binding`, { ...binding('bind-guarded', 'n'), metadata: { name: 'bind-guarded', uid: 'not-the-uid' } });
    assert.equal(wrongUid.status, 409, wrongUid.text);
    assert.match(wrongUid.body['message'], /Precondition failed: UID in precondition: not-the-uid/);
    const stale = await api.request<Obj>('POST', `${PODS}/bind-guarded/binding`, { ...binding('bind-guarded', 'n'), metadata: { name: 'bind-guarded', resourceVersion: String(Number(meta.resourceVersion) - 1) } });
    assert.equal(stale.status, 409, stale.text);
    const dry = await api.request<Obj>('POST', `${PODS}/bind-guarded/binding?dryRun=All`, binding('bind-guarded', 'n'));
    assert.equal(dry.status, 201, dry.text);
    const still = (await api.request<Obj>('GET', `${PODS}/bind-guarded`)).body;
    assert.equal(still['spec'].nodeName, undefined);
    assert.equal(still['metadata'].resourceVersion, meta.resourceVersion);
    const ok = await api.request<Obj>('POST', `${PODS}/bind-guarded/binding`, { ...binding('bind-guarded', 'n'), metadata: { name: 'bind-guarded', uid: meta.uid, resourceVersion: meta.resourceVersion } });
    assert.equal(ok.status, 201, ok.text);
    const missing = await api.request<Obj>('POST', `${PODS}/no-such-pod/binding`, binding('no-such-pod', 'n'));
    assert.equal(missing.status, 404, missing.text);
  });
});
