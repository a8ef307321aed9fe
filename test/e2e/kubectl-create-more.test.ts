/**
 * The rest of kubectl's imperative commands, each checked by the object it stored:
 * `create configmap --from-file/--from-env-file`, `create secret tls` and
 * `docker-registry`, `create service nodeport`, `run`, `expose`, `set image`,
 * `set env` and `taint` (kubectl 1.32 sends the `create` ones as protobuf).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { applyFixture, getJson, namespaceManifest, ok } from '../support/e2e-fixtures.js';

const NS = 'e2e-create-more';
let env: SkiffEnv;

before(async () => {
  env = await startSkiff('create-more', { apiOnly: true });
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
});
after(async () => {
  await env?.stop();
});

const run = (args: string[]) => env.kubectl.run([...args, '-n', NS]);
const get = (kind: string, name: string) => getJson(env.kubectl, [kind, name, '-n', NS]);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubectl create from files', () => {
  it('configmap --from-file (a file, a renamed key) and --from-env-file', async () => {
    const file = join(env.dir, 'app.properties');
    writeFileSync(file, 'color=blue\nsize=3\n');
    const env1 = join(env.dir, 'vars.env');
    writeFileSync(env1, '# a comment\nA=1\nB=two words\n');
    ok(await run(['create', 'configmap', 'from-file', `--from-file=${file}`, `--from-file=renamed=${file}`]));
    assert.deepEqual((await get('configmap', 'from-file')).data, { 'app.properties': 'color=blue\nsize=3\n', renamed: 'color=blue\nsize=3\n' });
    ok(await run(['create', 'configmap', 'from-env', `--from-env-file=${env1}`]));
    assert.deepEqual((await get('configmap', 'from-env')).data, { A: '1', B: 'two words' });
  });

  it('secret tls and secret docker-registry', async () => {
    const key = join(env.dir, 'tls.key');
    const crt = join(env.dir, 'tls.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=e2e.local'], { stdio: 'ignore' });
    ok(await run(['create', 'secret', 'tls', 'tls-1', `--cert=${crt}`, `--key=${key}`]));
    const tls = await get('secret', 'tls-1');
    assert.equal(tls.type, 'kubernetes.io/tls');
    assert.match(Buffer.from(tls.data['tls.crt'], 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.match(Buffer.from(tls.data['tls.key'], 'base64').toString(), /PRIVATE KEY/);
    ok(await run(['create', 'secret', 'docker-registry', 'reg-1', '--docker-server=registry.local:5000', '--docker-username=u', '--docker-password=p']));
    const reg = await get('secret', 'reg-1');
    assert.equal(reg.type, 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString());
    assert.equal(config.auths['registry.local:5000'].auth, b64('u:p'));
  });

  it('service nodeport allocates a node port in range', async () => {
    ok(await run(['create', 'service', 'nodeport', 'np-1', '--tcp=80:8080']));
    const svc = await get('service', 'np-1');
    assert.equal(svc.spec.type, 'NodePort');
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767, String(svc.spec.ports[0].nodePort));
  });
});

describe('kubectl run, expose, set and taint', () => {
  it('run creates a pod with the image, labels and defaults', async () => {
    // The namespace goes before `--`: everything after it is the container's arguments.
    ok(await env.kubectl.run(['run', 'runner', '-n', NS, '--image=busybox:1.36', '--labels=app=runner', '--port=8080', '--', 'sleep', '3600']));
    const pod = await get('pod', 'runner');
    assert.equal(pod.spec.containers[0].image, 'busybox:1.36');
    assert.deepEqual(pod.spec.containers[0].args, ['sleep', '3600']);
    assert.equal(pod.metadata.labels.app, 'runner');
    assert.equal(pod.spec.restartPolicy, 'Always');
  });

  it('expose makes a service selecting the pod, on its port', async () => {
    ok(await run(['expose', 'pod', 'runner', '--port=80', '--target-port=8080', '--name=runner-svc']));
    const svc = await get('service', 'runner-svc');
    assert.deepEqual(svc.spec.selector, { app: 'runner' });
    assert.equal(svc.spec.ports[0].port, 80);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.match(svc.spec.clusterIP, /^10\.43\./);
  });

  it('set image and set env change the deployment template', async () => {
    ok(await run(['create', 'deployment', 'setter', '--image=nginx:1.27']));
    ok(await run(['set', 'image', 'deployment/setter', 'nginx=nginx:1.28']));
    ok(await run(['set', 'env', 'deployment/setter', 'MODE=prod', 'LEVEL=3']));
    const dep = await get('deployment', 'setter');
    const c = dep.spec.template.spec.containers[0];
    assert.equal(c.image, 'nginx:1.28');
    assert.deepEqual(c.env, [{ name: 'MODE', value: 'prod' }, { name: 'LEVEL', value: '3' }]);
    ok(await run(['set', 'env', 'deployment/setter', 'MODE-']));
    assert.deepEqual((await get('deployment', 'setter')).spec.template.spec.containers[0].env, [{ name: 'LEVEL', value: '3' }]);
  });

  it('taint adds and removes node taints', async () => {
    ok(await env.kubectl.run(['apply', '--validate=false', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'taint-node' } }) }));
    ok(await env.kubectl.run(['taint', 'nodes', 'taint-node', 'dedicated=gpu:NoSchedule']));
    const node = await getJson(env.kubectl, ['node', 'taint-node']);
    assert.deepEqual(node.spec.taints, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    ok(await env.kubectl.run(['taint', 'nodes', 'taint-node', 'dedicated:NoSchedule-']));
    assert.equal((await getJson(env.kubectl, ['node', 'taint-node'])).spec.taints, undefined);
  });
});
