/**
 * The scheduler in `skiff server` (in-process, its own identity) against a real API
 * server on SQLite: the test plays the nodes' part by creating Node objects, and checks
 * that pods land where they fit — never over capacity, respecting taints, node and pod
 * (anti-)affinity and topology spread — that a pod fitting nowhere gets upstream's
 * FailedScheduling wording and PodScheduled=False, and is scheduled once a fitting node
 * is added; pods for another schedulerName stay pending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, resourceType, type Client, type CoreEvent } from '../../src/client/index.js';
import { startInProcessServer, type InProcessServer } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessServer;
let client: Client;

before(async () => {
  cluster = await startInProcessServer({ label: 'test-scheduler' });
  client = cluster.client;
});

after(async () => {
  await cluster?.stop();
});


function node(name: string, opts: { cpu?: string; memory?: string; pods?: string; labels?: Record<string, string>; taints?: Node['spec'] extends infer S ? S extends { taints?: infer T } ? T : never : never } = {}): Node {
  const allocatable = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: opts.taints ? { taints: opts.taints } : {},
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

async function createNode(n: Node): Promise<void> {
  await client.create<Node>(RESOURCE_TYPES.nodes, n);
  await writeNodeStatus(n);
}

/** Status is a subresource: write allocatable/capacity/conditions through it, on the latest version (controllers, e.g. node IPAM, write the node too). */
async function writeNodeStatus(n: Node): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const latest = await client.get<Node>(RESOURCE_TYPES.nodes, n.metadata!.name!);
    try {
      await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...latest, status: { ...latest.status, ...n.status } });
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409) || attempt >= 5) throw err;
    }
  }
}

function pod(name: string, ns: string, spec: Partial<Pod['spec']> & { cpu?: string; memory?: string } = {}, labels: Record<string, string> = {}): Pod {
  const { cpu, memory, ...rest } = spec;
  const requests: Record<string, string> = {};
  if (cpu) requests['cpu'] = cpu;
  if (memory) requests['memory'] = memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }], ...rest },
  };
}

async function createNamespace(name: string): Promise<void> {
  await client.create(RESOURCE_TYPES.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

const getPod = (ns: string, name: string) => client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace: ns });
const nodeOf = async (ns: string, name: string) => (await getPod(ns, name)).spec?.nodeName;

async function events(ns: string, podName: string): Promise<CoreEvent[]> {
  const list = await client.list<CoreEvent>(RESOURCE_TYPES.events, { namespace: ns });
  return list.items.filter((e) => e.involvedObject.name === podName);
}

/** Whether a /metrics text has a line matching `re`; a failure names it with the metric's own lines, not 250 KB of text. */
function has(text: string, re: RegExp): void {
  if (re.test(text)) return;
  const family = /\^#? ?(?:TYPE )?([a-z_]+)/.exec(re.source)?.[1] ?? '';
  assert.fail(`no line matches ${re} in /metrics; lines of ${family}: ${text.split('\n').filter((l) => l.includes(family)).slice(0, 20).join(' | ')}`);
}

describe('scheduler', () => {
  it('places pods on nodes that fit, never over capacity, and reports pods that fit nowhere', async () => {
    await createNamespace('fit');
    await createNode(node('fit-a', { cpu: '2', labels: { pool: 'fit' } }));
    await createNode(node('fit-b', { cpu: '2', labels: { pool: 'fit' } }));
    const names = ['p0', 'p1', 'p2', 'p3', 'p4'];
    for (const n of names) await client.create(RESOURCE_TYPES.pods, pod(n, 'fit', { cpu: '900m', nodeSelector: { pool: 'fit' } }));
    // 4 × 900m fit on two 2-cpu nodes; the fifth does not.
    const placed = await waitFor('4 pods bound', async () => {
      const list = await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: 'fit' });
      const bound = list.items.filter((p) => p.spec?.nodeName);
      return bound.length >= 4 ? bound : undefined;
    });
    const perNode = new Map<string, number>();
    for (const p of placed) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    assert.deepEqual([...perNode.values()].sort(), [2, 2]);
    const pending = (await client.list<Pod>(RESOURCE_TYPES.pods, { namespace: 'fit' })).items.find((p) => !p.spec?.nodeName)!;
    const name = pending.metadata!.name!;
    const failed = await waitFor('FailedScheduling event', async () => (await events('fit', name)).find((e) => e.reason === 'FailedScheduling'));
    assert.equal(failed.type, 'Warning');
    assert.match(failed.message!, /^0\/\d+ nodes are available: .*2 Insufficient cpu.*\. preemption: 0\/\d+ nodes are available: .*No preemption victims found for incoming pod.*\.$/);
    const cond = await waitFor('PodScheduled=False', async () => (await getPod('fit', name)).status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False'));
    assert.equal(cond.reason, 'Unschedulable');
    const ok = await waitFor('Scheduled event', async () => (await events('fit', names[0]!)).find((e) => e.reason === 'Scheduled'));
    assert.match(ok.message!, /^Successfully assigned fit\/p0 to fit-[ab]$/);

    // A fitting node arrives: the waiting pod is scheduled by that event.
    await createNode(node('fit-c', { cpu: '2', labels: { pool: 'fit' } }));
    assert.equal(await waitFor('pending pod bound to the new node', () => nodeOf('fit', name)), 'fit-c');
  });

  it('respects taints and tolerations with the upstream wording', async () => {
    await createNamespace('taints');
    await createNode(node('taint-a', { labels: { pool: 'taint' }, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
    await client.create(RESOURCE_TYPES.pods, pod('plain', 'taints', { nodeSelector: { pool: 'taint' } }));
    await client.create(RESOURCE_TYPES.pods, pod('tolerant', 'taints', { nodeSelector: { pool: 'taint' }, tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }] }));
    assert.equal(await waitFor('tolerant pod bound', () => nodeOf('taints', 'tolerant')), 'taint-a');
    const failed = await waitFor('FailedScheduling', async () => (await events('taints', 'plain')).find((e) => e.reason === 'FailedScheduling'));
    assert.match(failed.message!, /1 node\(s\) had untolerated taint \{node-role\.kubernetes\.io\/control-plane: \}/);
    assert.match(failed.message!, /Preemption is not helpful for scheduling\.$/);
  });

  it('respects pod anti-affinity, affinity and topology spread', async () => {
    await createNamespace('aff');
    for (const z of ['z1', 'z2']) for (const i of [1, 2]) await createNode(node(`aff-${z}-${i}`, { labels: { pool: 'aff', zone: z } }));
    const anti = (n: string) =>
      pod(n, 'aff', {
        nodeSelector: { pool: 'aff' },
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'anti' } } }] } },
      }, { app: 'anti' });
    for (const n of ['a1', 'a2', 'a3']) await client.create(RESOURCE_TYPES.pods, anti(n));
    const zones = await waitFor('two anti pods bound', async () => {
      const nodes = await Promise.all(['a1', 'a2', 'a3'].map((n) => nodeOf('aff', n)));
      return nodes.filter(Boolean).length >= 2 ? nodes : undefined;
    });
    const bound = zones.filter((n): n is string => !!n).map((n) => n.split('-')[1]);
    assert.equal(new Set(bound).size, bound.length, 'at most one anti pod per zone');
    const waiting = ['a1', 'a2', 'a3'][zones.findIndex((n) => !n)]!;
    const failed = await waitFor('anti-affinity FailedScheduling', async () => (await events('aff', waiting)).find((e) => e.reason === 'FailedScheduling'));
    assert.match(failed.message!, /node\(s\) didn't match pod anti-affinity rules/);

    // Affinity: follows the pod labelled app=anchor to its zone.
    await client.create(RESOURCE_TYPES.pods, pod('anchor', 'aff', { nodeSelector: { pool: 'aff' } }, { app: 'anchor' }));
    const anchorNode = await waitFor('anchor bound', () => nodeOf('aff', 'anchor'));
    await client.create(
      RESOURCE_TYPES.pods,
      pod('follower', 'aff', { nodeSelector: { pool: 'aff' }, affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', labelSelector: { matchLabels: { app: 'anchor' } } }] } } }),
    );
    const followerNode = await waitFor('follower bound', () => nodeOf('aff', 'follower'));
    assert.equal(followerNode.split('-')[1], anchorNode.split('-')[1]);

    // Spread: 4 pods, maxSkew 1 over zones → 2 per zone.
    for (let i = 0; i < 4; i++) {
      await client.create(
        RESOURCE_TYPES.pods,
        pod(`s${i}`, 'aff', { nodeSelector: { pool: 'aff' }, topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'spread' } } }] }, { app: 'spread' }),
      );
    }
    const spread = await waitFor('spread pods bound', async () => {
      const nodes = await Promise.all([0, 1, 2, 3].map((i) => nodeOf('aff', `s${i}`)));
      return nodes.every(Boolean) ? (nodes as string[]) : undefined;
    });
    const perZone = new Map<string, number>();
    for (const n of spread) perZone.set(n.split('-')[1]!, (perZone.get(n.split('-')[1]!) ?? 0) + 1);
    assert.deepEqual([...perZone.values()], [2, 2]);
  });

  it('preempts a lower-priority pod, nominating the node, and binds once the victim is gone', async () => {
    await createNamespace('pre');
    await createNode(node('pre-a', { cpu: '1', labels: { pool: 'pre' } }));
    // Priority comes from PriorityClasses through admission, as upstream.
    const priorityClasses = resourceType('scheduling.k8s.io', 'v1', 'priorityclasses');
    for (const [name, value] of [['pre-low', 1], ['pre-high', 1000]] as const) {
      await client.create(priorityClasses, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
    }
    await client.create(RESOURCE_TYPES.pods, pod('low', 'pre', { cpu: '800m', nodeSelector: { pool: 'pre' }, priorityClassName: 'pre-low' }));
    assert.equal(await waitFor('low bound', () => nodeOf('pre', 'low')), 'pre-a');
    await client.create(RESOURCE_TYPES.pods, pod('high', 'pre', { cpu: '800m', nodeSelector: { pool: 'pre' }, priorityClassName: 'pre-high' }));
    const nominated = await waitFor('nominatedNodeName', async () => (await getPod('pre', 'high')).status?.nominatedNodeName);
    assert.equal(nominated, 'pre-a');
    const preempted = await waitFor('Preempted event', async () => (await events('pre', 'low')).find((e) => e.reason === 'Preempted'));
    const high = await getPod('pre', 'high');
    assert.equal(preempted.message, `Preempted by pod ${high.metadata!.uid} on node pre-a`);
    // Playing the kubelet: the victim's containers stop and its deletion completes.
    await client.delete(RESOURCE_TYPES.pods, 'low', { namespace: 'pre', gracePeriodSeconds: 0 }).catch(() => undefined);
    assert.equal(await waitFor('high bound', () => nodeOf('pre', 'high')), 'pre-a');
  });

  it('leaves pods for another schedulerName pending', async () => {
    await createNamespace('other');
    await client.create(RESOURCE_TYPES.pods, pod('mine', 'other', { nodeSelector: { pool: 'fit' } }));
    await client.create(RESOURCE_TYPES.pods, pod('theirs', 'other', { nodeSelector: { pool: 'fit' }, schedulerName: 'my-scheduler' }));
    await waitFor('default-scheduler pod bound', () => nodeOf('other', 'mine'));
    // Once a later pod is bound, the other scheduler's pod has certainly been seen and skipped.
    await client.create(RESOURCE_TYPES.pods, pod('later', 'other', { nodeSelector: { pool: 'fit' } }));
    await waitFor('later pod bound', () => nodeOf('other', 'later'));
    assert.equal(await nodeOf('other', 'theirs'), undefined);
    assert.equal((await events('other', 'theirs')).length, 0);
  });

  it('shows the scheduler in componentstatuses', async () => {
    const cs = await waitFor('scheduler Healthy', async () => {
      const got = await client.call<{ conditions?: { type: string; status: string }[] }>('GET', '/api/v1/componentstatuses/scheduler');
      return got.conditions?.some((c) => c.type === 'Healthy' && c.status === 'True') ? got : undefined;
    });
    assert.ok(cs);
  });

  it("serves the scheduler's and the controllers' metrics on the API server's /metrics (one process, one scrape target)", async () => {
    const res = await client.raw('GET', '/metrics');
    assert.equal(res.status, 200);
    const text = Buffer.from(res.body).toString('utf8');
    has(text, /^apiserver_request_total\{/m);
    // Earlier tests here scheduled pods and ran the controllers' queues.
    has(text, /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} [1-9]/m);
    has(text, /^workqueue_adds_total\{name="deployment"\} \d+$/m);
    has(text, /^workqueue_adds_total\{name="endpoints"\} [1-9]\d*$/m);
    has(text, /^# TYPE workqueue_work_duration_seconds histogram$/m);
    // Each family once: several registries joined must not repeat one.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length);
  });
});
