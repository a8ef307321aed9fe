/**
 * `kubectl rollout` against Skiff with the real kubectl: a Deployment applied from YAML
 * rolls out (the node simulator plays the nodes, making pods Ready), `rollout status`
 * waits for it and succeeds, `set image` rolls a new revision, `rollout history` lists
 * the revisions, `rollout undo` returns to the previous template under a new revision,
 * `rollout restart` rolls the pods, and `rollout pause`/`resume` hold and release a
 * rollout. And `get componentstatuses` reports every part of the full server Healthy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, HttpTransport } from '../../src/client/index.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { getJson, namespaceManifest, ok } from '../support/e2e-fixtures.js';

const NS = 'e2e-rollout';
let env: SkiffEnv;
let transport: HttpTransport;
let sim: NodeSimulator;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: c
        image: busybox:1
`;

before(async () => {
  env = await startSkiff('rollout');
  transport = HttpTransport.fromKubeconfig(env.kubeconfig);
  sim = await NodeSimulator.start({ client: new Client(transport), nodes: 2, bind: true, namespace: NS });
  ok(await env.kubectl.run(['apply', '-f', '-'], { input: namespaceManifest([NS]) }));
});

after(async () => {
  await sim?.stop();
  transport?.close();
  await env?.stop();
});

const kubectl = (...args: string[]) => env.kubectl.run([...args, '-n', NS]);

async function rolloutStatus(): Promise<string> {
  const r = ok(await kubectl('rollout', 'status', 'deployment/web', '--timeout=90s'), 'kubectl rollout status');
  assert.match(r.stdout, /deployment "web" successfully rolled out/);
  return r.stdout;
}

async function image(): Promise<string> {
  const d = await getJson(env.kubectl, ['deployment', 'web', '-n', NS]);
  return d.spec.template.spec.containers[0].image as string;
}

async function replicaSets(): Promise<{ name: string; revision: string; replicas: number; image: string }[]> {
  const list = await getJson(env.kubectl, ['replicasets', '-n', NS, '-l', 'app=web']);
  return (list.items as any[]).map((rs) => ({
    name: rs.metadata.name,
    revision: rs.metadata.annotations['deployment.kubernetes.io/revision'],
    replicas: rs.spec.replicas,
    image: rs.spec.template.spec.containers[0].image,
  }));
}

describe('kubectl get componentstatuses', () => {
  it('the full server reports the scheduler, the controller manager and its store Healthy', async () => {
    const deadline = Date.now() + 30_000;
    let res = ok(await env.kubectl.run(['get', 'componentstatuses']));
    // The in-process components report healthy once their caches have synced.
    while (!/^scheduler\s+Healthy/m.test(res.stdout) || !/^controller-manager\s+Healthy/m.test(res.stdout)) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
      res = ok(await env.kubectl.run(['get', 'componentstatuses']));
    }
    const rows = res.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 2));
    assert.deepEqual(rows.sort(), [['controller-manager', 'Healthy'], ['etcd-0', 'Healthy'], ['scheduler', 'Healthy']], res.stdout);
  });
});

describe('kubectl rollout', () => {
  it('apply -f, then rollout status waits for the rollout and succeeds', async () => {
    ok(await env.kubectl.run(['apply', '-f', '-'], { input: DEPLOYMENT }), 'kubectl apply');
    await rolloutStatus();
    const d = await getJson(env.kubectl, ['deployment', 'web', '-n', NS]);
    assert.equal(d.status.availableReplicas, 3);
    const get = ok(await kubectl('get', 'deployment', 'web'));
    assert.match(get.stdout, /web\s+3\/3\s+3\s+3/);
  });

  it('set image rolls a new revision; rollout history lists both', async () => {
    ok(await kubectl('set', 'image', 'deployment/web', 'c=busybox:2'), 'kubectl set image');
    await rolloutStatus();
    const sets = await replicaSets();
    assert.deepEqual(sets.map((s) => [s.revision, s.replicas, s.image]).sort(), [
      ['1', 0, 'busybox:1'],
      ['2', 3, 'busybox:2'],
    ]);
    const history = ok(await kubectl('rollout', 'history', 'deployment/web'), 'kubectl rollout history');
    assert.match(history.stdout, /REVISION\s+CHANGE-CAUSE/);
    assert.match(history.stdout, /^1\s+<none>$/m);
    assert.match(history.stdout, /^2\s+<none>$/m);
    const rev1 = ok(await kubectl('rollout', 'history', 'deployment/web', '--revision=1'));
    assert.match(rev1.stdout, /Image:\s+busybox:1/);
  });

  it('rollout undo goes back to the previous template, reusing its ReplicaSet as revision 3', async () => {
    const before = await replicaSets();
    const undo = ok(await kubectl('rollout', 'undo', 'deployment/web'), 'kubectl rollout undo');
    assert.match(undo.stdout, /deployment.apps\/web rolled back/);
    await rolloutStatus();
    assert.equal(await image(), 'busybox:1');
    const after = await replicaSets();
    assert.equal(after.length, 2, 'no new ReplicaSet');
    const reused = after.find((s) => s.image === 'busybox:1')!;
    assert.equal(reused.name, before.find((s) => s.image === 'busybox:1')!.name);
    assert.equal(reused.revision, '3');
    const history = ok(await kubectl('rollout', 'history', 'deployment/web'));
    assert.match(history.stdout, /^2\s+<none>$/m);
    assert.match(history.stdout, /^3\s+<none>$/m);
    assert.doesNotMatch(history.stdout, /^1\s/m);
  });

  it('rollout restart rolls every pod under a new revision', async () => {
    const podsBefore = (await getJson(env.kubectl, ['pods', '-n', NS, '-l', 'app=web'])).items.map((p: any) => p.metadata.name as string);
    const restart = ok(await kubectl('rollout', 'restart', 'deployment/web'), 'kubectl rollout restart');
    assert.match(restart.stdout, /deployment.apps\/web restarted/);
    await rolloutStatus();
    const d = await getJson(env.kubectl, ['deployment', 'web', '-n', NS]);
    assert.ok(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '4');
    const podsAfter = (await getJson(env.kubectl, ['pods', '-n', NS, '-l', 'app=web'])).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.metadata.name as string);
    assert.equal(podsAfter.length, 3);
    assert.ok(podsAfter.every((n: string) => !podsBefore.includes(n)), 'every pod replaced');
  });

  it('rollout pause holds a template change until rollout resume', async () => {
    ok(await kubectl('rollout', 'pause', 'deployment/web'), 'kubectl rollout pause');
    const setsBefore = await replicaSets();
    ok(await kubectl('set', 'image', 'deployment/web', 'c=busybox:3'));
    // The controller has seen the change once observedGeneration catches up.
    for (let i = 0; ; i++) {
      const d = await getJson(env.kubectl, ['deployment', 'web', '-n', NS]);
      if (d.status.observedGeneration === d.metadata.generation) {
        assert.equal(d.status.conditions.find((c: any) => c.type === 'Progressing').reason, 'DeploymentPaused');
        break;
      }
      assert.ok(i < 300, 'the controller observed the paused Deployment');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal((await replicaSets()).length, setsBefore.length, 'no new ReplicaSet while paused');
    const undo = await kubectl('rollout', 'undo', 'deployment/web');
    assert.notEqual(undo.code, 0);
    assert.match(undo.stderr, /cannot rollback a paused deployment/);
    ok(await kubectl('rollout', 'resume', 'deployment/web'), 'kubectl rollout resume');
    await rolloutStatus();
    assert.equal(await image(), 'busybox:3');
    assert.ok((await replicaSets()).some((s) => s.image === 'busybox:3' && s.replicas === 3));
  });
});
