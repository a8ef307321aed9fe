/**
 * `npm run bench -- scheduler`: scheduler_perf style. An in-process cluster (API server on
 * SQLite in a temp dir, no kubelets: nodes are API objects), N nodes and M pending pods
 * created first; then the scheduler starts and the clock runs from its caches syncing
 * until every pod is bound through pods/binding. Three workloads: plain pods, pods with
 * required anti-affinity (by hostname, 10 groups) and pods with a zone topology spread
 * constraint (maxSkew 1, DoNotSchedule). Targets: ≥ 1,000 pods/s plain and ≥ 300 pods/s
 * with anti-affinity on 5,000 nodes. BENCH_NODES / BENCH_PODS scale it (default 5000 /
 * 10000); BENCH_SCENARIOS=plain,anti-affinity,spread picks workloads. Each workload is
 * also run through the framework and cache alone (no API, no binding writes) to show
 * how much of the time is the scheduling algorithm itself, and, with the plain workload,
 * with the scheduler as its own process (`skiff scheduler --kubeconfig`, as it is deployed
 * beside the API server; Node runs one thread per process, Go's scheduler_perf uses every
 * core of one process).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeKubeconfig } from '../src/apiserver/pki/kubeconfig.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCE_TYPES } from '../src/client/index.js';
import { startScheduler } from '../src/scheduler/index.js';
import { SchedulerCache } from '../src/scheduler/cache.js';
import { Framework } from '../src/scheduler/framework.js';
import { podInfo } from '../src/scheduler/pod-info.js';
import { DEFAULT_PROFILE } from '../src/scheduler/registry.js';
import { silentLogger } from '../src/util/logger.js';
import { startInProcessCluster } from '../test/support/in-process-cluster.js';
import { log, nowMs, round } from './lib/measure.js';

const NODES = Number(process.env['BENCH_NODES'] ?? 5000);
const PODS = Number(process.env['BENCH_PODS'] ?? 10000);
const SCENARIOS = (process.env['BENCH_SCENARIOS'] ?? 'plain,anti-affinity,spread').split(',');
const TARGETS: Record<string, number> = { plain: 1000, 'anti-affinity': 300 };
const ZONES = 10;
const WRITERS = 32;

async function parallel(n: number, op: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < n) await op(next++);
    }),
  );
}

function benchNode(i: number): Node {
  const allocatable = { cpu: '4', memory: '32Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': `zone-${i % ZONES}` } },
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function benchPod(scenario: string, i: number): Pod {
  const labels: Record<string, string> = { app: scenario };
  const spec: Pod['spec'] = { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] };
  if (scenario === 'anti-affinity') {
    labels['group'] = `g${i % 10}`;
    spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { group: labels['group'] } } }] } };
  }
  if (scenario === 'spread') {
    spec.topologySpreadConstraints = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: scenario } } }];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'default', labels }, spec };
}

/** Decisions per second of the framework on a cache alone: filter, score, assume. */
function algorithmOnly(scenario: string): number {
  const cache = new SchedulerCache();
  for (let i = 0; i < NODES; i++) cache.addNode(benchNode(i));
  const framework = new Framework(DEFAULT_PROFILE);
  const t0 = nowMs();
  for (let i = 0; i < PODS; i++) {
    const pod = benchPod(scenario, i);
    const info = podInfo(pod);
    const result = framework.schedule(info, cache.snapshot(() => undefined));
    if (result.kind !== 'scheduled') throw new Error(`bench scheduler: ${scenario} pod ${i} did not fit`);
    cache.assumePod(info, result.node);
  }
  return PODS / ((nowMs() - t0) / 1000);
}

async function runScenario(scenario: string): Promise<{ podsPerSecond: number; seconds: number; unschedulable: number }> {
  const cluster = await startInProcessCluster({ label: 'bench-scheduler', user: 'bench-admin', users: ['system:kube-scheduler'] });
  const { client } = cluster;
  let running: ReturnType<typeof startScheduler> | undefined;
  try {
    const tSetup = nowMs();
    await parallel(NODES, async (i) => {
      const n = benchNode(i);
      const created = await client.create<Node>(RESOURCE_TYPES.nodes, n);
      await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...created, status: n.status });
    });
    await parallel(PODS, (i) => client.create<Pod>(RESOURCE_TYPES.pods, benchPod(scenario, i)));
    log(`${scenario}: ${NODES} nodes and ${PODS} pending pods created in ${round((nowMs() - tSetup) / 1000, 1)} s`);

    running = startScheduler({ transport: cluster.transport('system:kube-scheduler'), logger: silentLogger });
    const scheduler = running.scheduler;
    while (!running.healthy()) await new Promise((r) => setTimeout(r, 5));
    const t0 = nowMs();
    const count = async (result: string) => (await scheduler.metrics.attempts.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
    const deadline = t0 + 20 * 60_000;
    while ((await count('scheduled')) < PODS) {
      if (nowMs() > deadline) throw new Error(`bench scheduler: ${scenario} did not finish`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (nowMs() - t0) / 1000;
    return { podsPerSecond: PODS / seconds, seconds, unschedulable: await count('unschedulable') };
  } finally {
    await running?.stop();
    await cluster.stop();
  }
}

/** The plain workload with `skiff scheduler` in a child process over HTTPS; progress read from its /metrics. */
async function runSeparateProcess(scenario: string): Promise<{ podsPerSecond: number; seconds: number }> {
  const cluster = await startInProcessCluster({ label: 'bench-scheduler-proc', user: 'bench-admin' });
  const { client } = cluster;
  const kubeconfig = join(cluster.dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: cluster.server.url, pki: cluster.pki });
  const port = 20000 + Math.floor(Math.random() * 20000);
  let child: ReturnType<typeof spawn> | undefined;
  try {
    await parallel(NODES, async (i) => {
      const n = benchNode(i);
      const created = await client.create<Node>(RESOURCE_TYPES.nodes, n);
      await client.updateStatus<Node>(RESOURCE_TYPES.nodes, { ...created, status: n.status });
    });
    await parallel(PODS, (i) => client.create<Pod>(RESOURCE_TYPES.pods, benchPod(scenario, i)));
    const root = new URL('..', import.meta.url).pathname;
    child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/skiff.ts'), 'scheduler', '--kubeconfig', kubeconfig, '--port', String(port), '--no-leader-elect'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, SKIFF_LOG_LEVEL: 'warn' },
    });
    const metric = async (name: string): Promise<number | undefined> => {
      try {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(name));
        return line ? Number(line.split(' ').pop()) : 0;
      } catch {
        return undefined;
      }
    };
    // The clock starts once the child answers (its caches synced: /healthz 200).
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status === 200).catch(() => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const t0 = nowMs();
    const deadline = t0 + 20 * 60_000;
    while (((await metric('scheduler_schedule_attempts_total{result="scheduled"')) ?? 0) < PODS) {
      if (nowMs() > deadline) throw new Error(`bench scheduler: ${scenario} (own process) did not finish`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (nowMs() - t0) / 1000;
    return { podsPerSecond: PODS / seconds, seconds };
  } finally {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    await cluster.stop();
  }
}

export async function run(): Promise<void> {
  log(`# scheduler: ${PODS.toLocaleString('en')} pods on ${NODES.toLocaleString('en')} nodes (in-process cluster, SQLite, nodes as API objects)`);
  const out: Record<string, number | string> = { bench: 'scheduler', nodes: NODES, pods: PODS };
  const results: Record<string, number> = {};
  for (const scenario of SCENARIOS) {
    const algorithm = algorithmOnly(scenario);
    log(`${scenario}: scheduling algorithm alone (framework + cache, no API): ${round(algorithm, 0)} pods/s`);
    out[`${scenario}_algorithm_pods_per_s`] = round(algorithm, 1);
    const r = await runScenario(scenario);
    results[scenario] = r.podsPerSecond;
    log(`${scenario}: all ${PODS} pods bound in ${round(r.seconds, 2)} s — ${round(r.podsPerSecond, 0)} pods/s (${r.unschedulable} unschedulable attempts)`);
    out[`${scenario}_pods_per_s`] = round(r.podsPerSecond, 1);
    if (scenario === 'plain' || scenario === 'anti-affinity') {
      const p = await runSeparateProcess(scenario);
      log(`${scenario}: scheduler as its own process: all ${PODS} pods bound in ${round(p.seconds, 2)} s — ${round(p.podsPerSecond, 0)} pods/s`);
      out[`${scenario}_own_process_pods_per_s`] = round(p.podsPerSecond, 1);
    }
  }
  log('\n## against targets');
  for (const [scenario, target] of Object.entries(TARGETS)) {
    if (results[scenario] === undefined) continue;
    const ratio = round(results[scenario]! / target, 2);
    log(`${scenario}: ${round(results[scenario]!, 0)} pods/s (≥ ${target} pods/s): ${ratio}x the target`);
    out[`ratio_${scenario}_vs_target`] = ratio;
  }
  log(JSON.stringify(out));
}
