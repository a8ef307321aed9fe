/**
 * Watching with the real kubectl: `get -w` (collection, single object, with event
 * types, JSON) sees changes made meanwhile; `wait --for=delete`, `--for=jsonpath=…`
 * and `--for=condition=…` return when the change happens, and time out cleanly.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSkiff, show, type SkiffEnv } from '../support/skiff-server.js';
import { applyFixture, getJson, manifest, namespaceManifest, ok, sleep } from '../support/e2e-fixtures.js';

let env: SkiffEnv;
const NS = 'e2e-watch';

before(async () => {
  env = await startSkiff('watch', { apiOnly: true });
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
  await applyFixture(env.kubectl, ['-f', manifest('deployment.yaml'), '-f', manifest('configmap.yaml'), '-n', NS]);
});
after(async () => {
  await env?.stop();
});

const run = (args: string[], input?: string) => env.kubectl.run([...args, '-n', NS], input === undefined ? {} : { input });
const cm = (name: string, data: Record<string, string> = { a: '1' }, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data });

describe('kubectl get -w', () => {
  it('on a collection: lists, then prints a row for each create, update and delete made meanwhile', async () => {
    const watch = env.kubectl.background(['get', 'configmaps', '-n', NS, '-w']);
    try {
      await watch.waitFor(/^app-config\s+3\s+\S+$/m);
      assert.match(watch.stdout(), /^NAME\s+DATA\s+AGE$/m);
      ok(await run(['create', '-f', '-'], cm('w1')));
      await watch.waitFor(/^w1\s+1\s+\S+$/m);
      ok(await run(['patch', 'configmap', 'w1', '--type=merge', '-p', '{"data":{"b":"2"}}']));
      await watch.waitFor(/^w1\s+2\s+\S+$/m);
      ok(await run(['delete', 'configmap', 'w1']));
      // A deleted object prints its last row once more.
      await watch.waitFor(/^w1\s+2\s+\S+\n(?:.*\n)*w1\s+2\s+\S+$/m);
      assert.equal((watch.stdout().match(/^NAME\s/gm) ?? []).length, 1, `one header only (columns on the first event only)\n${watch.stdout()}`);
    } finally {
      await watch.stop();
    }
  });

  it('--output-watch-events names each event', async () => {
    const watch = env.kubectl.background(['get', 'configmaps', '-n', NS, '-w', '--output-watch-events']);
    try {
      await watch.waitFor(/^ADDED\s+app-config\s+3/m);
      ok(await run(['create', '-f', '-'], cm('w2')));
      await watch.waitFor(/^ADDED\s+w2\s+1/m);
      ok(await run(['label', 'configmap', 'w2', 'seen=yes']));
      await watch.waitFor(/^MODIFIED\s+w2\s+1/m);
      ok(await run(['delete', 'configmap', 'w2']));
      await watch.waitFor(/^DELETED\s+w2\s+1/m);
      assert.match(watch.stdout(), /^EVENT\s+NAME\s+DATA\s+AGE$/m);
    } finally {
      await watch.stop();
    }
  });

  it('on one object: the current state once, then its changes; other objects are not shown', async () => {
    const watch = env.kubectl.background(['get', 'deployment', 'web', '-n', NS, '-w']);
    try {
      await watch.waitFor(/^web\s+0\/3\s+0\s+0\s+\S+$/m);
      await applyFixture(env.kubectl, ['-n', NS, '-f', '-'], cm('unrelated'));
      ok(await run(['scale', 'deployment', 'web', '--replicas=4']));
      await watch.waitFor(/^web\s+0\/4\s+0\s+0\s+\S+$/m);
      const rows = watch.stdout().split('\n').filter((l) => l.startsWith('web '));
      assert.equal(rows.length, 2, `the synthetic ADDED is not printed twice\n${watch.stdout()}`);
      assert.ok(!watch.stdout().includes('unrelated'));
    } finally {
      await watch.stop();
    }
  });

  it('-o json prints each changed object', async () => {
    const watch = env.kubectl.background(['get', 'configmap', 'app-config', '-n', NS, '-w', '-o', 'json']);
    try {
      await watch.waitFor(/"name": "app-config"/);
      ok(await run(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"mode":"watched"}}']));
      await watch.waitFor(/"mode": "watched"/);
    } finally {
      await watch.stop();
    }
  });
});

describe('kubectl wait', () => {
  it('--for=delete returns once a finalizer-held object is finally removed', async () => {
    ok(await run(['create', '-f', '-'], cm('held', { a: '1' }, { finalizers: ['e2e.skiff.dev/hold'] })));
    ok(await run(['delete', 'configmap', 'held', '--wait=false']));
    const wait = env.kubectl.background(['wait', '--for=delete', 'configmap/held', '-n', NS, '--timeout=60s']);
    try {
      await sleep(1500);
      const early = await Promise.race([wait.exited.then(() => true), sleep(10).then(() => false)]);
      assert.equal(early, false, `wait returned while the object still exists\n${wait.stdout()}${wait.stderr()}`);
      ok(await run(['patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']));
      const res = await wait.exited;
      assert.equal(res.code, 0, show(res));
      assert.equal(res.stdout.trim(), 'configmap/held condition met');
    } finally {
      await wait.stop();
    }
    const gone = await run(['get', 'configmap', 'held']);
    assert.equal(gone.code, 1);
  });

  it('--for=delete on an object that does not exist returns at once', async () => {
    const res = await run(['wait', '--for=delete', 'configmap/never-was', '--timeout=10s']);
    assert.equal(res.code, 0, show(res));
  });

  it('--for=jsonpath returns when a scale makes the value match', async () => {
    const wait = env.kubectl.background(['wait', '--for=jsonpath={.spec.replicas}=6', 'deployment/web', '-n', NS, '--timeout=60s']);
    try {
      await sleep(1000);
      ok(await run(['scale', 'deployment', 'web', '--replicas=6']));
      const res = await wait.exited;
      assert.equal(res.code, 0, show(res));
      assert.equal(res.stdout.trim(), 'deployment.apps/web condition met');
    } finally {
      await wait.stop();
    }
  });

  it('--for=jsonpath on a string field of a ConfigMap, already satisfied', async () => {
    const res = await run(['wait', '--for=jsonpath={.data.retries}=3', 'configmap/app-config', '--timeout=20s']);
    assert.equal(res.code, 0, show(res));
    assert.equal(res.stdout.trim(), 'configmap/app-config condition met');
  });

  it('--for=condition=Available returns when the status gets the condition', async () => {
    const wait = env.kubectl.background(['wait', '--for=condition=Available', 'deployment/web', '-n', NS, '--timeout=60s']);
    try {
      await sleep(1000);
      const d = await getJson(env.kubectl, ['deployment', 'web', '-n', NS]);
      const status = {
        status: {
          observedGeneration: d.metadata.generation,
          conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'e2e', lastUpdateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
        },
      };
      ok(await run(['patch', 'deployment', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]));
      const res = await wait.exited;
      assert.equal(res.code, 0, show(res));
      assert.equal(res.stdout.trim(), 'deployment.apps/web condition met');
    } finally {
      await wait.stop();
    }
  });

  it('times out with kubectl\'s message when the value never matches', async () => {
    const res = await run(['wait', '--for=jsonpath={.spec.replicas}=42', 'deployment/web', '--timeout=2s']);
    assert.equal(res.code, 1, show(res));
    assert.match(res.stderr, /error: timed out waiting for the condition on deployments\/web/);
  });
});
