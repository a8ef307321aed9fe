/**
 * The official JavaScript client (@kubernetes/client-node) against `skiff server` run
 * as its own process: CRUD through the typed APIs (their patch methods send JSON Patch
 * by default), the generic KubernetesObjectApi (strategic merge patch by default, and
 * server-side apply), Watch, and an informer (ListWatch) that keeps its cache right
 * across a server restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SkiffProcess } from '../support/skiff-server.js';
import { nodeForEndpoint, startKubeletLogEndpoint } from '../support/kubelet-log-endpoint.js';
import { waitFor as eventually } from '../support/wait.js';

const NS = 'e2e-client-node';
let server: SkiffProcess;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;


before(async () => {
  server = new SkiffProcess('client-node');
  await server.start();
  kc = new k8s.KubeConfig();
  kc.loadFromFile(server.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
});
after(async () => {
  await server?.dispose();
});

describe('@kubernetes/client-node', () => {
  it('typed APIs: create, read, list with selectors, replace, JSON Patch, delete', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cn-1', labels: { app: 'cn' } }, data: { a: '1' } } });
    assert.ok(created.metadata?.uid);
    const read = await core.readNamespacedConfigMap({ name: 'cn-1', namespace: NS });
    assert.deepEqual(read.data, { a: '1' });
    const listed = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'app=cn' });
    assert.deepEqual(listed.items.map((i) => i.metadata?.name), ['cn-1']);
    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ name: 'cn-1', namespace: NS, body: read });
    assert.equal(replaced.data?.['a'], '2');
    // The generated patch methods send application/json-patch+json.
    const patched = await core.patchNamespacedConfigMap({ name: 'cn-1', namespace: NS, body: [{ op: 'add', path: '/data/b', value: '3' }] });
    assert.deepEqual(patched.data, { a: '2', b: '3' });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'missing', namespace: NS }), (err: unknown) => (err as { code?: number }).code === 404);
    await core.deleteNamespacedConfigMap({ name: 'cn-1', namespace: NS });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'cn-1', namespace: NS }), (err: unknown) => (err as { code?: number }).code === 404);
  });

  it('apps: a Deployment created, defaulted and scaled', async () => {
    const dep = await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'cn-web' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'cn-web' } }, template: { metadata: { labels: { app: 'cn-web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
      },
    });
    assert.equal(dep.spec?.strategy?.type, 'RollingUpdate');
    await apps.replaceNamespacedDeploymentScale({ name: 'cn-web', namespace: NS, body: { metadata: { name: 'cn-web', namespace: NS }, spec: { replicas: 4 } } });
    assert.equal((await apps.readNamespacedDeployment({ name: 'cn-web', namespace: NS })).spec?.replicas, 4);
  });

  it('KubernetesObjectApi: generic create, strategic merge patch and server-side apply', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    const spec = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn-generic', namespace: NS }, data: { x: '1' } };
    await objects.create(spec);
    const patched = await objects.patch({ ...spec, data: { y: '2' } });
    assert.deepEqual((patched as k8s.V1ConfigMap).data, { x: '1', y: '2' });
    const applied = await objects.patch({ ...spec, data: { z: '3' } }, undefined, undefined, 'cn-apply', true, k8s.PatchStrategy.ServerSideApply);
    assert.equal((applied as k8s.V1ConfigMap).data?.['z'], '3');
    const read = (await objects.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cn-generic', namespace: NS } })) as k8s.V1ConfigMap;
    assert.ok(read.metadata?.managedFields?.some((e) => e.manager === 'cn-apply' && e.operation === 'Apply'));
  });

  it('Watch delivers ADDED, MODIFIED and DELETED in order', async () => {
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(`/api/v1/namespaces/${NS}/configmaps`, { labelSelector: 'w=1' }, (type, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata?.name}`), () => {});
    try {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'cn-w', labels: { w: '1' } } } });
      await core.patchNamespacedConfigMap({ name: 'cn-w', namespace: NS, body: [{ op: 'add', path: '/data', value: { a: 'b' } }] });
      await core.deleteNamespacedConfigMap({ name: 'cn-w', namespace: NS });
      await eventually('three events', () => seen.length >= 3);
      assert.deepEqual(seen, ['ADDED cn-w', 'MODIFIED cn-w', 'DELETED cn-w']);
    } finally {
      req.abort();
    }
  });

  it('an informer re-watches from its resourceVersion when the server ends the watch (no re-list)', async () => {
    // A second server whose watches end after 2–4 s, as upstream's end after 30–60 minutes.
    const short = new SkiffProcess('client-node-rewatch', ['--min-request-timeout', '2']);
    await short.start();
    const skc = new k8s.KubeConfig();
    skc.loadFromFile(short.kubeconfig);
    const score = skc.makeApiClient(k8s.CoreV1Api);
    let lists = 0;
    let connects = 0;
    const informer = k8s.makeInformer(skc, '/api/v1/namespaces/default/configmaps', () => (lists++, score.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'rw=1' })), 'rw=1');
    informer.on('connect', () => connects++);
    // client-node reports its own abort on stop() as an error: only errors before that count.
    let stopping = false;
    const errors: unknown[] = [];
    informer.on('error', (err) => stopping || errors.push(err));
    await informer.start();
    try {
      await score.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rw-a', labels: { rw: '1' } } } });
      await eventually('rw-a in the cache', () => informer.get('rw-a', 'default'));
      // The watch has ended and been re-opened at least once.
      await eventually('a second watch', () => connects >= 2, 15_000);
      await score.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'rw-b', labels: { rw: '1' } } } });
      await score.deleteNamespacedConfigMap({ name: 'rw-a', namespace: 'default' });
      await eventually('rw-b present and rw-a gone on the new watch', () => informer.get('rw-b', 'default') !== undefined && informer.get('rw-a', 'default') === undefined);
      assert.equal(lists, 1, 'the informer resumed from its resourceVersion instead of listing again');
      assert.deepEqual(errors, []);
    } finally {
      stopping = true;
      await informer.stop();
      await short.dispose();
    }
  });

  it('an informer keeps its cache right across a server restart', async () => {
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'inf=1' }), 'inf=1');
    const errors: unknown[] = [];
    informer.on('error', (err) => {
      errors.push(err);
      // client-node leaves restarting to the caller after an error.
      setTimeout(() => void informer.start().catch(() => {}), 1000);
    });
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'inf-a', labels: { inf: '1' } } } });
      await eventually('inf-a in the cache', () => informer.get('inf-a', NS));
      await server.stop();
      await server.start();
      await core.createNamespacedConfigMap({ namespace: NS, body: { metadata: { name: 'inf-b', labels: { inf: '1' } } } });
      await core.deleteNamespacedConfigMap({ name: 'inf-a', namespace: NS });
      await eventually('inf-b present and inf-a gone after the restart', () => informer.get('inf-b', NS) !== undefined && informer.get('inf-a', NS) === undefined, 60_000);
      assert.deepEqual(informer.list(NS).map((c) => c.metadata?.name), ['inf-b']);
    } finally {
      await informer.stop();
    }
  });

  it('Log streams a pod log (follow, tailLines) from the kubelet endpoint', async () => {
    const tls = join(server.dataDir, 'tls');
    const kubelet = await startKubeletLogEndpoint({ ca: { certPem: readFileSync(join(tls, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(tls, 'ca.key'), 'utf8') } });
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    try {
      await core.createNode({ body: nodeForEndpoint('cn-log-node', kubelet.port) });
      await core.createNamespacedPod({ namespace: NS, body: { metadata: { name: 'cn-log' }, spec: { nodeName: 'cn-log-node', containers: [{ name: 'app', image: 'busybox' }] } } });
      kubelet.set(NS, 'cn-log', 'app', { body: 'a\nb\nc\n', hold, rest: 'd\n' });
      const out = new PassThrough();
      let text = '';
      out.on('data', (c: Buffer) => (text += c.toString('utf8')));
      const ended = new Promise<void>((resolve) => out.once('end', resolve));
      await new k8s.Log(kc).log(NS, 'cn-log', 'app', out, { follow: true, tailLines: 2 });
      await eventually('the first lines', () => text === 'b\nc\n');
      assert.match(kubelet.requests.at(-1)!.query, /^follow=true&tailLines=2$/);
      release();
      await ended;
      assert.equal(text, 'b\nc\nd\n');
    } finally {
      release();
      await kubelet.stop();
    }
  });
});
