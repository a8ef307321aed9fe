/**
 * Priority admission: the system PriorityClasses exist from the first start; a pod's
 * priorityClassName becomes spec.priority and preemptionPolicy; a global default class
 * applies to pods naming none; an unknown class or a hand-set priority that disagrees
 * is refused with 403.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServer, type RunningServer } from '../../src/cmd/server.js';
import { ApiClient } from '../support/api-client.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-priority-'));
let server: RunningServer;
let api: ApiClient;
type Obj = Record<string, any>;

before(async () => {
  server = await startServer({ dataDir: dir, port: 0, bindAddress: '127.0.0.1', serviceCidr: '10.43.0.0/16', tlsSan: [], disableAgent: true, disableControllers: true, disableScheduler: true, print: () => {} });
  api = new ApiClient(server.kubeconfig);
});
after(async () => {
  api.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pod = (name: string, spec: Obj = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
const createPod = (p: Obj) => api.request<Obj>('POST', '/api/v1/namespaces/default/pods', p);

describe('priority admission', () => {
  it('serves the system classes and resolves a named class into the pod', async () => {
    const list = (await api.request<Obj>('GET', '/apis/scheduling.k8s.io/v1/priorityclasses')).body;
    assert.deepEqual(list['items'].map((i: Obj) => [i.metadata.name, i.value]).sort(), [['system-cluster-critical', 2000000000], ['system-node-critical', 2000001000]]);
    const res = await createPod(pod('critical', { priorityClassName: 'system-node-critical' }));
    assert.equal(res.status, 201);
    assert.equal(res.body['spec'].priority, 2000001000);
    assert.equal(res.body['spec'].preemptionPolicy, 'PreemptLowerPriority');
  });

  it('gives a pod without a class priority 0, then the global default once one exists', async () => {
    assert.equal((await createPod(pod('plain'))).body['spec'].priority, 0);
    const pc = { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'default-high' }, value: 1000, globalDefault: true, preemptionPolicy: 'Never' };
    assert.equal((await api.request('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', pc)).status, 201);
    const res = (await createPod(pod('defaulted'))).body;
    assert.deepEqual([res['spec'].priorityClassName, res['spec'].priority, res['spec'].preemptionPolicy], ['default-high', 1000, 'Never']);
  });

  it('refuses an unknown class and a priority that disagrees with the class, storing nothing', async () => {
    const unknown = await createPod(pod('ghost', { priorityClassName: 'nope' }));
    assert.equal(unknown.status, 403);
    assert.equal(unknown.body['message'], 'pods "ghost" is forbidden: no PriorityClass with name nope was found');
    const mismatch = await createPod(pod('liar', { priorityClassName: 'system-node-critical', priority: 5 }));
    assert.equal(mismatch.status, 403);
    assert.equal((await api.request('GET', '/api/v1/namespaces/default/pods/ghost')).status, 404);
  });
});
