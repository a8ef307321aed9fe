/**
 * Server-side apply with the real kubectl: `apply --server-side` creates and records
 * ownership in managedFields, a change to a field another manager set is refused with
 * upstream's conflict message until `--force-conflicts`, fields dropped from the
 * applied configuration are removed, a client-side-applied object moves to
 * server-side apply, and `diff --server-side` shows a pending change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { fails, getJson, namespaceManifest, ok, applyFixture } from '../support/e2e-fixtures.js';

const NS = 'e2e-ssa';
let env: SkiffEnv;

before(async () => {
  env = await startSkiff('ssa');
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
});
after(async () => {
  await env?.stop();
});

const run = (args: string[], input?: string) => env.kubectl.run([...args, '-n', NS], input === undefined ? {} : { input });

function configMap(name: string, data: Record<string, string>, labels: Record<string, string> = {}): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
}

function deployment(name: string, replicas: number, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image }] } },
    },
  });
}

describe('kubectl apply --server-side', () => {
  it('creates the object and records the applier in managedFields', async () => {
    ok(await run(['apply', '--server-side', '-f', '-'], configMap('ssa-1', { a: '1', b: '2' }, { team: 'x' })));
    const cm = await getJson(env.kubectl, ['configmap', 'ssa-1', '-n', NS, '--show-managed-fields']);
    assert.deepEqual(cm.data, { a: '1', b: '2' });
    const entry = cm.metadata.managedFields.find((e: { manager: string }) => e.manager === 'kubectl');
    assert.equal(entry.operation, 'Apply');
    assert.deepEqual(entry.fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  });

  it('removes fields dropped from the applied configuration', async () => {
    ok(await run(['apply', '--server-side', '-f', '-'], configMap('ssa-1', { a: '1' })));
    const cm = await getJson(env.kubectl, ['configmap', 'ssa-1', '-n', NS]);
    assert.deepEqual(cm.data, { a: '1' });
    assert.equal(cm.metadata.labels?.team, undefined);
  });

  it('refuses to take a field another manager set, naming it, until --force-conflicts', async () => {
    ok(await run(['apply', '--server-side', '-f', '-'], deployment('ssa-web', 2, 'nginx:1.27')));
    ok(await run(['scale', 'deployment', 'ssa-web', '--replicas=5']));
    const err = fails(await run(['apply', '--server-side', '-f', '-'], deployment('ssa-web', 3, 'nginx:1.27')));
    assert.match(err, /Apply failed with 1 conflict: conflict with "kubectl[^"]*"( using apps\/v1)?: \.spec\.replicas/);
    assert.match(err, /--force-conflicts/);
    assert.equal((await getJson(env.kubectl, ['deployment', 'ssa-web', '-n', NS])).spec.replicas, 5, 'a refused apply changes nothing');
    ok(await run(['apply', '--server-side', '--force-conflicts', '-f', '-'], deployment('ssa-web', 3, 'nginx:1.27')));
    const dep = await getJson(env.kubectl, ['deployment', 'ssa-web', '-n', NS, '--show-managed-fields']);
    assert.equal(dep.spec.replicas, 3);
    const owners = dep.metadata.managedFields.filter((e: { fieldsV1: { 'f:spec'?: Record<string, unknown> } }) => e.fieldsV1['f:spec']?.['f:replicas']);
    assert.deepEqual(owners.map((e: { manager: string; operation: string }) => [e.manager, e.operation]), [['kubectl', 'Apply']]);
  });

  it('diff --server-side shows what an apply would change, and changes nothing', async () => {
    const res = await run(['diff', '--server-side', '-f', '-'], deployment('ssa-web', 3, 'nginx:1.28'));
    assert.equal(res.code, 1, `diff exits 1 when there are differences\n${res.stderr}`);
    assert.match(res.stdout, /-\s+- image: nginx:1\.27|-\s+image: nginx:1\.27/);
    assert.match(res.stdout, /\+\s+- image: nginx:1\.28|\+\s+image: nginx:1\.28/);
    assert.equal((await getJson(env.kubectl, ['deployment', 'ssa-web', '-n', NS])).spec.template.spec.containers[0].image, 'nginx:1.27');
  });

  it('takes over an object applied client-side', async () => {
    ok(await run(['apply', '-f', '-'], configMap('csa-1', { a: '1' })));
    ok(await run(['apply', '--server-side', '-f', '-'], configMap('csa-1', { a: '2' })));
    const cm = await getJson(env.kubectl, ['configmap', 'csa-1', '-n', NS, '--show-managed-fields']);
    assert.deepEqual(cm.data, { a: '2' });
    assert.ok(cm.metadata.managedFields.some((e: { manager: string; operation: string }) => e.manager === 'kubectl' && e.operation === 'Apply'));
  });

  it('records Update managers for ordinary writes', async () => {
    ok(await run(['create', 'configmap', 'upd-1', '--from-literal=k=v']));
    ok(await run(['label', 'configmap', 'upd-1', 'x=y']));
    const cm = await getJson(env.kubectl, ['configmap', 'upd-1', '-n', NS, '--show-managed-fields']);
    const managers = cm.metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`);
    assert.deepEqual(managers, ['kubectl-create/Update', 'kubectl-label/Update']);
  });
});
