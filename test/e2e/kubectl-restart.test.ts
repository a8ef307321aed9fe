/**
 * Restart mid-test, with `skiff server` as a separate process (stopped by its PID with
 * SIGTERM, restarted on the same data dir and port): everything created before is still
 * there unchanged, allocations continue without reuse, a running `kubectl get -w` ends
 * cleanly when the server stops, and a watch from the resourceVersion seen before the
 * restart resumes with every change made since.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient } from '../support/api-client.js';
import { Kubectl, SkiffProcess, show, type BackgroundKubectl } from '../support/skiff-server.js';
import { KINDS, applyFixture, getJson, manifest, namespaceManifest, ok, tableRows } from '../support/e2e-fixtures.js';

const NS = 'e2e-restart';
let server: SkiffProcess;
let kubectl: Kubectl;

before(async () => {
  // The API server alone: controllers (the PV binder, status writers) would change the
  // objects this test expects to find exactly as they were before the restart.
  server = new SkiffProcess('restart', ['--disable-controllers', '--disable-scheduler']);
  await server.start();
  kubectl = new Kubectl(server.kubeconfig, server.dir);
});
after(async () => {
  kubectl?.killAll();
  await server?.dispose();
});

type Obj = Record<string, any>;
const namespaced = KINDS.filter((k) => k.namespaced);
const snapshot = new Map<string, Obj>();
let rvBeforeStop = '';
let runningWatch: BackgroundKubectl | undefined;

async function listResourceVersion(path: string): Promise<string> {
  const api = new ApiClient(server.kubeconfig);
  try {
    const res = await api.request<Obj>('GET', path);
    assert.equal(res.status, 200, res.text);
    return res.body['metadata'].resourceVersion as string;
  } finally {
    api.close();
  }
}

describe('restart of the server process', () => {
  it('before: creates every manifest, and a watch is running', async () => {
    await applyFixture(kubectl, ['-f', '-'], namespaceManifest([NS]));
    await applyFixture(kubectl, [...namespaced.flatMap((k) => ['-f', manifest(`${k.file}.yaml`)]), '-n', NS]);
    await applyFixture(kubectl, ['-f', manifest('persistentvolume.yaml')]);
    for (const k of KINDS) {
      snapshot.set(k.file, await getJson(kubectl, [k.resource, k.name, ...(k.namespaced ? ['-n', NS] : [])]));
    }
    runningWatch = kubectl.background(['get', 'configmaps', '-n', NS, '-w', '--output-watch-events']);
    await runningWatch.waitFor(/^ADDED\s+app-config\s/m);
    rvBeforeStop = await listResourceVersion(`/api/v1/namespaces/${NS}/configmaps`);
    // A change after the recorded resourceVersion, before the restart.
    await applyFixture(kubectl, ['-n', NS, '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before-restart\ndata:\n  a: "1"\n');
    await runningWatch.waitFor(/^ADDED\s+before-restart\s/m);
  });

  it('SIGTERM (by PID) stops the server cleanly and ends the running watch', async (t) => {
    const code = await server.stop();
    assert.equal(code, 0, server.output);
    assert.match(server.output, /SIGTERM: shutting down/);
    // Upstream kubectl does not re-establish a plain `get -w`: it ends once the server
    // closes the stream. It must end, not hang.
    const res = await Promise.race([runningWatch!.exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    assert.ok(res, `kubectl get -w still running after the server stopped\n${runningWatch!.stdout()}`);
    t.diagnostic(`kubectl get -w ended with exit ${res.code}; stderr: ${JSON.stringify(res.stderr.trim())}`);
    assert.equal(res.code, 0, `the watch ends cleanly, not with an error\n${show(res)}`);
  });

  it('after the restart every object is still there, unchanged', async () => {
    await server.start();
    const ns = await getJson(kubectl, ['namespace', NS]);
    assert.equal(ns.status.phase, 'Active');
    for (const k of KINDS) {
      const now = await getJson(kubectl, [k.resource, k.name, ...(k.namespaced ? ['-n', NS] : [])]);
      const then = snapshot.get(k.file)!;
      assert.equal(now.metadata.uid, then.metadata.uid, `${k.file}: same uid`);
      assert.equal(now.metadata.resourceVersion, then.metadata.resourceVersion, `${k.file}: same resourceVersion`);
      assert.deepEqual(now.spec ?? now.data, then.spec ?? then.data, `${k.file}: same content`);
    }
    const kubernetes = await getJson(kubectl, ['service', 'kubernetes', '-n', 'default']);
    assert.equal(kubernetes.spec.clusterIP, '10.43.0.1');
    const table = ok(await kubectl.run(['get', 'deployments', '-n', NS]));
    assert.equal(tableRows(table.stdout)[1]?.[0], 'web');
  });

  it('allocations continue after the restart: no cluster IP handed out twice, resourceVersions keep growing', async () => {
    const before = snapshot.get('service')!;
    const svc = (name: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }] } });
    const ips = new Set<string>(['10.43.0.1', before.spec.clusterIP]);
    let lastRv = Number(rvBeforeStop);
    for (const name of ['after-1', 'after-2', 'after-3']) {
      ok(await kubectl.run(['create', '-n', NS, '-f', '-'], { input: svc(name) }));
      const created = await getJson(kubectl, ['service', name, '-n', NS]);
      assert.ok(!ips.has(created.spec.clusterIP), `cluster IP ${created.spec.clusterIP} handed out twice`);
      ips.add(created.spec.clusterIP);
      assert.ok(Number(created.metadata.resourceVersion) > lastRv, 'resourceVersion keeps growing across the restart');
      lastRv = Number(created.metadata.resourceVersion);
    }
  });

  it('a watch from the resourceVersion seen before the restart resumes with every change since', async () => {
    await applyFixture(kubectl, ['-n', NS, '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after-restart\ndata:\n  a: "1"\n');
    ok(await kubectl.run(['patch', 'configmap', 'app-config', '-n', NS, '--type=merge', '-p', '{"data":{"mode":"restarted"}}']));
    const res = ok(
      await kubectl.run(['get', '--raw', `/api/v1/namespaces/${NS}/configmaps?watch=true&resourceVersion=${rvBeforeStop}&timeoutSeconds=3`]),
      'watch from the old resourceVersion',
    );
    const events = res.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { type: string; object: Obj });
    const seen = events.map((e) => `${e.type} ${e.object['metadata'].name}`);
    assert.deepEqual(seen, ['ADDED before-restart', 'ADDED after-restart', 'MODIFIED app-config'], show(res));
    assert.equal(events.at(-1)!.object['data'].mode, 'restarted');
  });

  it('a new kubectl get -w after the restart sees changes as they happen', async () => {
    const watch = kubectl.background(['get', 'configmaps', '-n', NS, '-w', '--output-watch-events']);
    try {
      await watch.waitFor(/^ADDED\s+after-restart\s/m);
      ok(await kubectl.run(['delete', 'configmap', 'before-restart', '-n', NS]));
      await watch.waitFor(/^DELETED\s+before-restart\s/m);
    } finally {
      await watch.stop();
    }
  });
});
