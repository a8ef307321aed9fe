/**
 * `npm run bench -- controllers`: the Deployment and ReplicaSet controllers at scale on
 * an in-process cluster (API server on SQLite in a temp dir, controller manager over the
 * in-process transport, the node simulator binding pods and marking them Ready — no
 * kubelets, as scheduler_perf does). Times a 1,000-replica Deployment from create until
 * all pods exist and until it reports Available, then a rolling update of it to the end.
 * Target: all 1,000 pods created ≤ 3 s. BENCH_REPLICAS changes the size; BENCH_DEBUG=1
 * prints the controllers' warnings (conflicts, 429s).
 */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { InformerFactory, RESOURCE_TYPES } from '../src/client/index.js';
import { startControllerManager } from '../src/controllers/manager.js';
import { createLogger, silentLogger } from '../src/util/logger.js';
import { NodeSimulator } from '../test/support/node-simulator.js';
import { startInProcessCluster } from '../test/support/in-process-cluster.js';
import { log, nowMs, round } from './lib/measure.js';

const REPLICAS = Number(process.env['BENCH_REPLICAS'] ?? 1000);
const TARGET_CREATED_S = 3;
const NS = 'default';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (!(await check())) {
    if (nowMs() > deadline) throw new Error(`bench controllers: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function run(): Promise<void> {
  log(`# controllers: a ${REPLICAS.toLocaleString('en')}-replica Deployment (in-process cluster, SQLite, simulated nodes)`);
  const figures: Record<string, number> = {};
  const cluster = await startInProcessCluster({ label: 'bench-controllers', user: 'bench-admin', users: ['system:kube-controller-manager'] });
  const { client } = cluster;
  const manager = await startControllerManager({ transport: cluster.transport('system:kube-controller-manager'), logger: process.env['BENCH_DEBUG'] ? createLogger('controller-manager') : silentLogger });
  const sim = await NodeSimulator.start({ client, nodes: Math.ceil(REPLICAS / 100), bind: true, workers: 32, capacity: { pods: '250' } });
  const informers = new InformerFactory(client, { namespace: NS, logger: silentLogger });
  const pods = informers.informerFor<Pod>(RESOURCE_TYPES.pods, { labelSelector: 'app=bench' });
  informers.start();
  await informers.waitForCacheSync();
  const image = (tag: string) => ({ spec: { template: { spec: { containers: [{ name: 'c', image: `busybox:${tag}` }] } } } });
  const livePods = (tag?: string) => pods.indexer.list().filter((p) => !p.metadata?.deletionTimestamp && (!tag || p.spec?.containers[0]?.image === `busybox:${tag}`)).length;
  const getD = () => client.get<Deployment>(RESOURCE_TYPES.deployments, 'bench', { namespace: NS });
  const complete = async () => {
    const d = await getD();
    const s = d.status ?? {};
    return (
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      s.updatedReplicas === REPLICAS &&
      s.replicas === REPLICAS &&
      s.availableReplicas === REPLICAS &&
      (d.status?.conditions ?? []).some((c) => c.type === 'Available' && c.status === 'True') &&
      (d.status?.conditions ?? []).some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable')
    );
  };
  try {
    const t0 = nowMs();
    await client.create<Deployment>(RESOURCE_TYPES.deployments, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bench', namespace: NS },
      spec: {
        replicas: REPLICAS,
        selector: { matchLabels: { app: 'bench' } },
        template: { metadata: { labels: { app: 'bench' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
      },
    });
    await until('all pods created', () => livePods() >= REPLICAS);
    figures['created_s'] = (nowMs() - t0) / 1000;
    log(`all ${REPLICAS} pods created: ${round(figures['created_s']!, 2)} s`);
    await until('the Deployment Available and complete', complete);
    figures['available_s'] = (nowMs() - t0) / 1000;
    log(`Deployment Available (all ${REPLICAS} ready, rollout complete): ${round(figures['available_s']!, 2)} s`);

    const t1 = nowMs();
    await client.patch(RESOURCE_TYPES.deployments, 'bench', 'merge', image('2'), { namespace: NS });
    await until('the rolling update', async () => livePods('1') === 0 && (await complete()));
    figures['rolling_update_s'] = (nowMs() - t1) / 1000;
    log(`rolling update (maxSurge 25%, maxUnavailable 25%) to completion: ${round(figures['rolling_update_s']!, 2)} s`);
  } finally {
    await informers.stop();
    await sim.stop();
    await manager.stop();
    await cluster.stop();
  }
  const ratio = round(TARGET_CREATED_S / figures['created_s']!, 2);
  log('\n## against targets');
  log(`${REPLICAS} pods created in ${round(figures['created_s']!, 2)} s (≤ ${TARGET_CREATED_S} s): ${ratio}x the target`);
  const out: Record<string, number | string> = { bench: 'controllers', replicas: REPLICAS };
  for (const [k, v] of Object.entries(figures)) out[k] = round(v, 3);
  out['ratio_created_vs_target'] = ratio;
  log(JSON.stringify(out));
}
