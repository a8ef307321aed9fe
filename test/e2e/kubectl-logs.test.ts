/**
 * `kubectl logs` with the real kubectl against Skiff: the whole log, `--tail`, `-c`,
 * the container kubectl picks itself, `-f` streaming until the kubelet ends, and the
 * errors kubectl prints. The node's kubelet is the stand-in log endpoint
 * (test/support/kubelet-log-endpoint.ts) on 127.0.0.1 with a cert from the cluster CA.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { fails, ok } from '../support/e2e-fixtures.js';
import { nodeForEndpoint, startKubeletLogEndpoint, type KubeletLogEndpoint } from '../support/kubelet-log-endpoint.js';

const NS = 'e2e-logs';
let env: SkiffEnv;
let kubelet: KubeletLogEndpoint;

const pods = `apiVersion: v1
kind: Pod
metadata:
  name: solo
spec:
  nodeName: logs-node
  containers:
    - name: app
      image: busybox
---
apiVersion: v1
kind: Pod
metadata:
  name: multi
spec:
  nodeName: logs-node
  initContainers:
    - name: setup
      image: busybox
  containers:
    - name: a
      image: busybox
    - name: b
      image: busybox
`;

before(async () => {
  env = await startSkiff('logs', { apiOnly: true });
  const tls = join(env.dataDir, 'tls');
  kubelet = await startKubeletLogEndpoint({ ca: { certPem: readFileSync(join(tls, 'ca.crt'), 'utf8'), keyPem: readFileSync(join(tls, 'ca.key'), 'utf8') } });
  ok(await env.kubectl.run(['create', '-f', '-'], { input: JSON.stringify(nodeForEndpoint('logs-node', kubelet.port)) }));
  ok(await env.kubectl.run(['create', 'namespace', NS]));
  ok(await env.kubectl.run(['create', '-n', NS, '-f', '-'], { input: pods }));
  kubelet.set(NS, 'solo', 'app', { body: 'one\ntwo\nthree\n' });
  kubelet.set(NS, 'multi', 'a', { body: 'from a\n' });
  kubelet.set(NS, 'multi', 'b', { body: 'from b\n' });
});
after(async () => {
  await env?.stop();
  await kubelet?.stop();
});

const run = (args: string[]) => env.kubectl.run(['-n', NS, ...args]);

describe('kubectl logs', () => {
  it('prints the whole log', async () => {
    assert.equal(ok(await run(['logs', 'solo'])).stdout, 'one\ntwo\nthree\n');
    assert.equal(kubelet.requests.at(-1)!.path, `/containerLogs/${NS}/solo/app`);
  });

  it('--tail reaches the kubelet as tailLines', async () => {
    assert.equal(ok(await run(['logs', 'solo', '--tail=2'])).stdout, 'two\nthree\n');
    assert.equal(kubelet.requests.at(-1)!.query, 'tailLines=2');
    ok(await run(['logs', 'solo', '--timestamps', '--since=1h', '--limit-bytes=100']));
    assert.equal(kubelet.requests.at(-1)!.query, 'limitBytes=100&sinceSeconds=3600&timestamps=true');
  });

  it('-c names the container; without it kubectl picks the first one itself', async () => {
    assert.equal(ok(await run(['logs', 'multi', '-c', 'b'])).stdout, 'from b\n');
    const picked = ok(await run(['logs', 'multi']));
    assert.equal(picked.stdout, 'from a\n');
    assert.match(picked.stderr, /Defaulted container "a" out of: a, b, setup \(init\)/);
  });

  it('-f streams lines as they come and exits when the kubelet ends the stream', async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    kubelet.set(NS, 'solo', 'app', { body: 'started\n', hold, rest: 'finished\n' });
    const follow = env.kubectl.background(['-n', NS, 'logs', '-f', 'solo']);
    try {
      await follow.waitFor(/started\n/, 30_000);
      assert.doesNotMatch(follow.stdout(), /finished/);
      assert.equal(kubelet.requests.at(-1)!.query, 'follow=true');
      release();
      const done = await follow.exited;
      assert.equal(done.code, 0, done.stderr);
      assert.equal(done.stdout, 'started\nfinished\n');
    } finally {
      release();
      await follow.stop();
      kubelet.set(NS, 'solo', 'app', { body: 'one\ntwo\nthree\n' });
    }
  });

  it('prints upstream errors', async () => {
    // kubectl reads the pod itself first, and words that 404 its own way.
    assert.match(fails(await run(['logs', 'missing'])), /error from server \(NotFound\): pods "missing" not found/i);
    // kubectl checks the container name itself, with the server's wording.
    assert.match(fails(await run(['logs', 'multi', '-c', 'nope'])), /container nope is not valid for pod multi/);
    kubelet.set(NS, 'multi', 'b', { status: 400, body: 'container "b" in pod "multi" is waiting to start: ContainerCreating' });
    try {
      assert.match(fails(await run(['logs', 'multi', '-c', 'b'])), /Error from server \(BadRequest\): container "b" in pod "multi" is waiting to start: ContainerCreating/);
    } finally {
      kubelet.set(NS, 'multi', 'b', { body: 'from b\n' });
    }
  });
});
