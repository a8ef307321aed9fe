/**
 * `skiff scheduler` as its own component over HTTPS (runStandalone, as the CLI runs it):
 * it takes the kube-system/kube-scheduler Lease, schedules pods of a server started with
 * the scheduler disabled, and serves /healthz and /metrics; a second replica stands by
 * without scheduling while the first holds the Lease.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { runStandalone, type RunningStandalone } from '../../src/cmd/standalone.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, type Client, type Lease } from '../../src/client/index.js';
import { startScheduler } from '../../src/scheduler/index.js';
import { startInProcessServer, type InProcessServer } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessServer;
let client: Client;
const replicas: RunningStandalone[] = [];

before(async () => {
  cluster = await startInProcessServer({ label: 'test-scheduler-standalone', disableScheduler: true });
  client = cluster.client;
});

after(async () => {
  for (const r of replicas) await r.stop();
  await cluster?.stop();
});


const replica = () =>
  runStandalone({ name: 'kube-scheduler', kubeconfig: cluster.server.kubeconfig, port: 0, start: (t, logger) => startScheduler({ transport: t, logger }) });

it('a leader-elected scheduler over HTTPS binds pods and serves health and metrics', async () => {
  const first = await replica();
  replicas.push(first);
  await waitFor('first replica leads', async () => first.isLeader());
  const second = await replica();
  replicas.push(second);

  const allocatable = { cpu: '2', memory: '4Gi', pods: '110' };
  await client.create<Node>(RESOURCE_TYPES.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'solo' } });
  // Controllers (node IPAM) write the new node too: retry the status write on the latest version.
  for (let attempt = 0; ; attempt++) {
    const latest = await client.get<Node>(RESOURCE_TYPES.nodes, 'solo');
    try {
      await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...latest, status: { allocatable, capacity: allocatable } });
      break;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 5) throw err;
    }
  }
  await client.create<Pod>(RESOURCE_TYPES.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const bound = await waitFor('pod bound', async () => (await client.get<Pod>(RESOURCE_TYPES.pods, 'p', { namespace: 'default' })).spec?.nodeName);
  assert.equal(bound, 'solo');

  const lease = await client.get<Lease>(RESOURCE_TYPES.leases, 'kube-scheduler', { namespace: 'kube-system' });
  assert.equal(lease.spec?.holderIdentity, first.identity);
  assert.equal(second.isLeader(), false);

  const health = await fetch(`${first.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  const metrics = await (await fetch(`${first.url}/metrics`)).text();
  assert.match(metrics, /scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 1/);
  assert.match(metrics, /scheduler_pending_pods\{queue="active"\} 0/);
  assert.match(metrics, /leader_election_master_status\{name="kube-scheduler"\} 1/);
  assert.match(await (await fetch(`${second.url}/metrics`)).text(), /leader_election_master_status\{name="kube-scheduler"\} 0/);
});
