/**
 * `npm run bench -- apiserver`: the API server as users meet it — a built `skiff
 * server` process on SQLite, spoken to over HTTPS/HTTP2 — next to raw etcd puts through
 * the etcd3 client in the same run (kube-apiserver on etcd can never beat raw etcd).
 * Prints cold start and idle RSS (the whole server, and the API server alone), then, on
 * the API server alone (as kube-apiserver is measured), pod creates/s with 64
 * concurrent streams (from the Node client, and from h2load where nghttp2-client is
 * installed), GET latency, LIST of 10,000 pods to the last byte, and watch
 * delivery latency with 1,000 watchers. The HTTP/2 client opens its flow-control windows
 * as kubectl's Go transport does (test/support/api-client.ts).
 */
import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { startEtcd } from '../test/support/etcd-server.js';
import { ApiClient } from '../test/support/api-client.js';
import { log, nowMs, percentile, round, throughput } from './lib/measure.js';

const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 5000);
const WARMUP_MS = 2000;
/** Stands for the pod's name in its pre-encoded body. */
const NAME_MARK = '@NAME@';
const ROOT = new URL('..', import.meta.url).pathname;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface ServerProcess {
  child: ChildProcess;
  port: number;
  kubeconfig: string;
  readyMs: number;
}

/** The API server alone, as kube-apiserver is measured: no controllers, no scheduler in the process. */
const API_ONLY = ['--disable-controllers', '--disable-scheduler'];

/** Starts `skiff server` and times process start → /readyz 200. */
/**
 * The server's environment: this one, without NODE_EXTRA_CA_CERTS. Node reads that file
 * before running any script (set to the system bundle on some machines, ~140
 * certificates: ~90 ms of every Node process's start on the 2-core machine), and the
 * server never verifies a peer with it at start. Cold start is also measured with it
 * when it is set, beside Node's own start both ways.
 */
const { NODE_EXTRA_CA_CERTS: EXTRA_CA_CERTS, ...baseEnv } = process.env;
const SERVER_ENV: NodeJS.ProcessEnv = { ...baseEnv, SKIFF_LOG_LEVEL: 'warn' };

async function launch(dataDir: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = SERVER_ENV): Promise<ServerProcess> {
  const port = await freePort();
  const t0 = nowMs();
  const child = spawn(process.execPath, [join(ROOT, 'dist/skiff.js'), 'server', '--data-dir', dataDir, '--port', String(port), ...extraArgs], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  for (;;) {
    if (child.exitCode !== null) throw new Error(`skiff server exited with ${child.exitCode}`);
    try {
      const res = await fetchReadyz(port);
      if (res) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { child, port, kubeconfig, readyMs: nowMs() - t0 };
}

/**
 * /readyz is anonymous: a plain TLS request that skips verification is enough. (A
 * dynamic import here, once per 2 ms poll, went through tsx's loader thread and took
 * CPU from the server being timed.)
 */
function fetchReadyz(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 500 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Median wall time of `node -e 0` (10 runs): what every Node program pays before its first line. */
function nodeStartMs(env: NodeJS.ProcessEnv): number {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = nowMs();
    execFileSync(process.execPath, ['-e', '0'], { env, stdio: 'ignore' });
    times.push(nowMs() - t);
  }
  return percentile(times.sort((a, b) => a - b), 50);
}

async function stop(p: ServerProcess): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

/** How long after ready idle RSS is read: past V8's memory reducer, which runs once allocation stops. */
const IDLE_SETTLE_MS = 15_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** A pod of about 2 KB, like a small real workload's. */
function pod(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      labels: { app: 'bench', tier: 'backend', release: 'stable', team: 'storage' },
      annotations: { 'example.com/description': 'x'.repeat(600) },
    },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/team/app:1.2.3',
          args: ['--port=8080', '--verbose'],
          env: Array.from({ length: 8 }, (_, i) => ({ name: `ENV_${i}`, value: `value-${i}` })),
          ports: [{ containerPort: 8080, name: 'http' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
        },
      ],
    },
  };
}

async function rawEtcdPuts(endpoint: string): Promise<number> {
  const client = new Etcd3({ hosts: endpoint });
  const value = Buffer.from(JSON.stringify(pod('raw')));
  try {
    // The same warm-up as the server's creates get (the client's code compiles too).
    await throughput(64, WARMUP_MS, async (i) => void (await client.put(`/bench/raw/warm-${i}`).value(value)));
    return await throughput(64, PHASE_MS, async (i) => void (await client.put(`/bench/raw/${i}`).value(value)));
  } finally {
    client.close();
  }
}

const BENCH_TOKEN = 'skiff-bench-apiserver-token';

/**
 * Pod creates driven by h2load (nghttp2's HTTP/2 load generator, in C): the Node client
 * spends ~340 us of CPU per request on the same two cores as the server, h2load ~30.
 * Each request is the bench pod with generateName (h2load sends one body). Undefined,
 * with a loud line, where h2load is not installed (Debian: nghttp2-client).
 */
async function nativeCreates(port: number, dir: string): Promise<number | undefined> {
  const body = join(dir, 'pod-generate-name.json');
  const template = pod('');
  (template['metadata'] as Record<string, unknown>) = { ...(template['metadata'] as Record<string, unknown>), name: undefined, generateName: 'h2-' };
  writeFileSync(body, JSON.stringify(template));
  const args = (seconds: number) => [
    '-c', '1', '-m', '64', '-D', String(seconds), '-d', body,
    '-H', 'content-type: application/json', '-H', 'accept: application/json', '-H', `authorization: Bearer ${BENCH_TOKEN}`,
    `https://127.0.0.1:${port}/api/v1/namespaces/default/pods`,
  ];
  const runH2load = (seconds: number) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn('h2load', args(seconds), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`h2load exited with ${code}: ${out.slice(-500)}`))));
    });
  try {
    await runH2load(WARMUP_MS / 1000);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log('WARNING: h2load is not installed (apt-get install nghttp2-client): no creates/s figure from a native load generator');
      return undefined;
    }
    throw err;
  }
  const out = await runH2load(PHASE_MS / 1000);
  const rate = /finished in [\d.]+s, ([\d.]+) req\/s/.exec(out);
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  const failed = /requests: .* (\d+) failed, (\d+) errored/.exec(out);
  if (!rate || !codes || !failed) throw new Error(`h2load output not understood: ${out.slice(-500)}`);
  // Requests cut off at the end of the phase count as failed; an answer other than 2xx is an error.
  if (Number(codes[2]) + Number(codes[3]) + Number(codes[4]) > 0 || Number(failed[2]) > 0) throw new Error(`h2load creates were refused: ${codes[0]}, ${failed[0]}`);
  return Number(codes[1]) / (PHASE_MS / 1000);
}

export async function run(): Promise<void> {
  await runServerBench();
  // Per-request costs of the body formats and patch kinds the server decodes.
  await (await import('./protobuf.js')).run();
  await (await import('./apply.js')).run();
}

async function runServerBench(): Promise<void> {
  log('# apiserver benchmark');
  log('building dist/ …');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const dir = mkdtempSync(join(tmpdir(), 'skiff-bench-apiserver-'));
  const figures: Record<string, number> = {};
  try {
    // Cold start: the first start creates certificates; later starts reuse them.
    const first = await launch(join(dir, 'coldstart'));
    figures['first_start_ms'] = first.readyMs;
    await stop(first);
    const coldStart = async (args: string[], env?: NodeJS.ProcessEnv) => {
      const starts: number[] = [];
      for (let i = 0; i < 10; i++) {
        const p = await launch(join(dir, 'coldstart'), args, env);
        starts.push(p.readyMs);
        await stop(p);
      }
      return percentile(starts.sort((a, b) => a - b), 50);
    };
    figures['cold_start_ms'] = await coldStart([]);
    figures['cold_start_api_only_ms'] = await coldStart(API_ONLY);
    figures['node_start_ms'] = nodeStartMs(SERVER_ENV);
    log(`cold start (process start → /readyz 200): median of 10 ${round(figures['cold_start_ms']!)} ms (whole server: API server, controllers, scheduler), ${round(figures['cold_start_api_only_ms']!)} ms (API server only); first start with certificate generation ${round(first.readyMs)} ms; Node's own start (node -e 0) ${round(figures['node_start_ms']!)} ms`);
    if (EXTRA_CA_CERTS) {
      const withCa = { ...SERVER_ENV, NODE_EXTRA_CA_CERTS: EXTRA_CA_CERTS };
      figures['cold_start_extra_ca_ms'] = await coldStart([], withCa);
      figures['node_start_extra_ca_ms'] = nodeStartMs(withCa);
      log(`  with this environment's NODE_EXTRA_CA_CERTS=${EXTRA_CA_CERTS}: whole server ${round(figures['cold_start_extra_ca_ms']!)} ms; Node's own start ${round(figures['node_start_extra_ca_ms']!)} ms`);
    }

    // RSS one second after ready still holds start-up's garbage; V8's memory reducer
    // collects it once allocation stops (about ten seconds in). Idle RSS is read after
    // that; the one-second figure is printed beside it.
    const rssAfterStart = async (p: ServerProcess) => {
      await new Promise((r) => setTimeout(r, 1000));
      const early = rssMb(p.child.pid!);
      await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS - 1000));
      return { early, idle: rssMb(p.child.pid!) };
    };
    const whole = await launch(join(dir, 'whole'));
    const wholeRss = await rssAfterStart(whole);
    figures['rss_1s_mb'] = wholeRss.early;
    figures['idle_rss_mb'] = wholeRss.idle;
    await stop(whole);
    // The request figures are the API server's own, as kube-apiserver's are measured.
    // A bearer token for the native load generator (h2load has no client certificates).
    const tokenFile = join(dir, 'tokens.csv');
    mkdirSync(join(dir, 'main'), { recursive: true });
    writeFileSync(tokenFile, `${BENCH_TOKEN},bench-admin,bench-admin,"system:masters"\n`);
    const server = await launch(join(dir, 'main'), [...API_ONLY, '--token-file', tokenFile]);
    const apiRss = await rssAfterStart(server);
    figures['rss_1s_api_only_mb'] = apiRss.early;
    figures['idle_rss_api_only_mb'] = apiRss.idle;
    log(
      `idle RSS (${IDLE_SETTLE_MS / 1000} s after ready): ${round(figures['idle_rss_mb']!, 1)} MB (whole server), ${round(figures['idle_rss_api_only_mb']!, 1)} MB (API server only); 1 s after ready: ${round(wholeRss.early, 1)} MB / ${round(apiRss.early, 1)} MB`,
    );

    const api = new ApiClient(server.kubeconfig);
    try {
      // The load generator shares the machine's two cores with the server, so it does as
      // little as it can: each body is the same JSON with the name spliced in, and each
      // answer is checked by its status only (the LIST below reads all of them back).
      const [bodyHead, bodyTail] = JSON.stringify(pod(NAME_MARK)).split(NAME_MARK) as [string, string];
      const createPod = async (name: string) => {
        const res = await api.send('POST', '/api/v1/namespaces/default/pods', bodyHead + name + bodyTail);
        if (res.status !== 201) throw new Error(`create failed: ${res.status} ${res.error ?? ''}`);
      };
      // A warm-up first: the server's JIT compiles the create path in its first seconds
      // (a Go kube-apiserver has no such phase), and the figure is the steady state.
      await throughput(64, WARMUP_MS, (i) => createPod(`warm-${i}`));
      const creates = await throughput(64, PHASE_MS, (i) => createPod(`p-${i}`));
      figures['pod_creates_per_s_node_client'] = creates;
      log(`pod creates/s, Node client (~2 KB, 64 concurrent streams, HTTP/2, SQLite, after a ${WARMUP_MS / 1000} s warm-up): ${round(creates, 0)}`);
      const native = await nativeCreates(server.port, dir);
      if (native !== undefined) {
        figures['pod_creates_per_s'] = native;
        log(`pod creates/s, h2load (same pod with generateName, 64 concurrent streams, after a ${WARMUP_MS / 1000} s warm-up): ${round(native, 0)}`);
      }

      const getTimes: number[] = [];
      await throughput(16, 2000, async (i) => {
        const t = nowMs();
        await api.request('GET', `/api/v1/namespaces/default/pods/p-${i % 1000}`);
        getTimes.push(nowMs() - t);
      });
      getTimes.sort((a, b) => a - b);
      figures['get_p50_ms'] = percentile(getTimes, 50);
      figures['get_p99_ms'] = percentile(getTimes, 99);
      log(`GET (16 concurrent): p50 ${round(figures['get_p50_ms']!)} ms, p99 ${round(figures['get_p99_ms']!)} ms`);

      await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'list' } });
      for (let i = 0; i < 10_000; i += 200) {
        const answers = await Promise.all(Array.from({ length: 200 }, (_, j) => api.request('POST', '/api/v1/namespaces/list/pods', pod(`l-${i + j}`))));
        const refused = answers.filter((a) => a.status !== 201);
        if (refused.length > 0) throw new Error(`${refused.length} of 200 creates for the LIST were refused, e.g. ${refused[0]!.status} ${JSON.stringify(refused[0]!.body).slice(0, 300)}`);
      }
      const listTimes: number[] = [];
      // Two warm-up LISTs first (code compiled, SQLite pages cached, response buffers
      // allocated), then the steady state the median describes.
      for (let i = 0; i < 2; i++) await api.getBytes('/api/v1/namespaces/list/pods');
      for (let i = 0; i < 5; i++) {
        const t = nowMs();
        // To the last byte: the server's time, not the client's JSON decoding.
        const res = await api.getBytes('/api/v1/namespaces/list/pods');
        listTimes.push(nowMs() - t);
        if (res.status !== 200) throw new Error(`list answered ${res.status}`);
        figures['list_10k_mb'] = res.bytes / 1e6;
      }
      const check = await api.request<{ items: unknown[] }>('GET', '/api/v1/namespaces/list/pods');
      if (check.body.items.length !== 10_000) throw new Error(`listed ${check.body.items.length}`);
      figures['list_10k_ms'] = percentile(listTimes.sort((a, b) => a - b), 50);
      log(`LIST of 10,000 pods (${round(figures['list_10k_mb']!, 1)} MB, to the last byte): ${round(figures['list_10k_ms']!)} ms (median of 5 after 2 warm-up LISTs)`);

      // Watch: 1,000 watchers over 4 connections, 200 spaced-out writes. Each watches as
      // an informer does, from the resourceVersion of a LIST (a watch from "1" would first
      // make the server replay the whole history of this run for each of them).
      await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'watch' } });
      const listed = await api.request<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/namespaces/watch/configmaps');
      const listedAt = listed.body.metadata.resourceVersion;
      const clients = Array.from({ length: 4 }, () => new ApiClient(server.kubeconfig));
      const sent = new Map<string, number>();
      const latencies: number[] = [];
      const watches = [];
      for (let w = 0; w < 1000; w++) {
        const watch = clients[w % 4]!.watch(`/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=${listedAt}`, (e) => {
          const name = (e.object['metadata'] as { name: string }).name;
          const t0 = sent.get(name);
          if (t0 !== undefined && e.type === 'ADDED') latencies.push(nowMs() - t0);
        });
        watches.push(watch);
      }
      await Promise.all(watches.map((w) => w.status));
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 200; i++) {
        const name = `w-${i}`;
        sent.set(name, nowMs());
        await api.request('POST', '/api/v1/namespaces/watch/configmaps', { metadata: { name }, data: { i: String(i) } });
        await new Promise((r) => setTimeout(r, 5));
      }
      const deadline = nowMs() + 30_000;
      while (latencies.length < 200_000 && nowMs() < deadline) await new Promise((r) => setTimeout(r, 20));
      watches.forEach((w) => w.close());
      clients.forEach((c) => c.close());
      latencies.sort((a, b) => a - b);
      figures['watch_events_received'] = latencies.length;
      figures['watch_p50_ms'] = percentile(latencies, 50);
      figures['watch_p99_ms'] = percentile(latencies, 99);
      log(`watch (1,000 watchers, 200 writes): p50 ${round(figures['watch_p50_ms']!)} ms, p99 ${round(figures['watch_p99_ms']!)} ms (${latencies.length} of 200,000 events)`);
    } finally {
      api.close();
      await stop(server);
    }

    const etcd = await startEtcd({ name: 'bench-apiserver' });
    try {
      figures['raw_etcd_puts_per_s'] = await rawEtcdPuts(etcd.endpoint);
    } finally {
      await etcd.stop();
    }
    log(`raw etcd puts/s (same 2 KB value, 64 concurrent, etcd3 client): ${round(figures['raw_etcd_puts_per_s']!, 0)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Raw etcd is driven by its Node client, as the storage benchmark defines it: the
  // like-for-like ratio is the Node client's creates against it; h2load's creates show
  // what the server itself sustains when its load costs little.
  const raw = figures['raw_etcd_puts_per_s']!;
  const nodeCreates = figures['pod_creates_per_s_node_client']!;
  const nativeCreatesPerS = figures['pod_creates_per_s'];
  const ratio = nativeCreatesPerS === undefined ? undefined : round(nativeCreatesPerS / raw, 2);
  const nodeRatio = round(nodeCreates / raw, 2);
  log('\n## against targets');
  log(
    `cold start ${round(figures['cold_start_ms']!)} ms whole / ${round(figures['cold_start_api_only_ms']!)} ms API only (≤ 300); idle RSS ${round(figures['idle_rss_mb']!, 1)} MB whole / ${round(figures['idle_rss_api_only_mb']!, 1)} MB API only (≤ 80); ` +
      `creates ${nativeCreatesPerS === undefined ? 'n/a (no h2load)' : `${round(nativeCreatesPerS, 0)}/s with h2load = ${ratio}x`} and ${round(nodeCreates, 0)}/s with the Node client = ${nodeRatio}x raw etcd puts (≥ 2,000/s, ≥ 1x); ` +
      `LIST 10k ${round(figures['list_10k_ms']!)} ms (≤ 200); watch p99 ${round(figures['watch_p99_ms']!)} ms (≤ 50)`,
  );
  const out: Record<string, number | string> = { bench: 'apiserver' };
  for (const [k, v] of Object.entries(figures)) out[k] = round(v);
  if (ratio !== undefined) out['ratio_creates_vs_raw_etcd_puts'] = ratio;
  out['ratio_node_client_creates_vs_raw_etcd_puts'] = nodeRatio;
  log(JSON.stringify(out));
}
