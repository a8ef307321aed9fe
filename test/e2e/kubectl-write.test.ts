/**
 * Write-side kubectl commands against Skiff with the real kubectl: `label`, `annotate`,
 * `patch` (merge, json, strategic, and status), `scale`, `edit` (EDITOR = a sed
 * script), `replace` (also `--force`), two writers on one resourceVersion (409), and
 * `delete` with `--cascade` variants, `--grace-period`, finalizers, `-l` and `--all`, and the
 * `create <subcommand>` family, which kubectl 1.32 posts as protobuf bodies.
 * Each step checks the stored object with `kubectl get -o json`.
 */
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, startSkiff, show, type KubectlResult, type SkiffEnv } from '../support/skiff-server.js';
import { applyFixture, fails, getJson, manifest, namespaceManifest, ok, tableRows } from '../support/e2e-fixtures.js';

let env: SkiffEnv;
const NS = 'e2e-write';

before(async () => {
  env = await startSkiff('write', { apiOnly: true });
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
  await applyFixture(env.kubectl, [
    ...['pod', 'service', 'deployment', 'statefulset', 'configmap', 'cronjob'].flatMap((f) => ['-f', manifest(`${f}.yaml`)]),
    '-n',
    NS,
  ]);
});
after(async () => {
  await env?.stop();
});

const run = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) => env.kubectl.run([...args], options);
const inNs = (args: string[]) => [...args, '-n', NS];
const getObj = (resource: string, name: string, ns = NS) => getJson(env.kubectl, [resource, name, '-n', ns]);
const notFound = async (resource: string, name: string, ns = NS) => {
  const res = await run(['get', resource, name, '-n', ns, '-o', 'json']);
  assert.equal(res.code, 1, `${resource}/${name} should be gone\n${show(res)}`);
  assert.match(res.stderr, /Error from server \(NotFound\): .* not found/);
};
const file = (name: string, content: string) => {
  const path = join(env.dir, name);
  writeFileSync(path, content);
  return path;
};
const configMap = (name: string, data: Record<string, string>, labels: Record<string, string> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });

describe('kubectl label and annotate', () => {
  it('label adds, refuses to overwrite without --overwrite, overwrites, removes', async () => {
    assert.equal(ok(await run(inNs(['label', 'pod', 'web-pod', 'env=prod']))).stdout.trim(), 'pod/web-pod labeled');
    assert.deepEqual((await getObj('pod', 'web-pod')).metadata.labels, { app: 'web', tier: 'frontend', env: 'prod' });

    const clash = await run(inNs(['label', 'pod', 'web-pod', 'env=dev']));
    assert.match(fails(clash), /error: 'env' already has a value \(prod\), and --overwrite is false/);

    ok(await run(inNs(['label', 'pod', 'web-pod', 'env=dev', '--overwrite'])));
    assert.equal((await getObj('pod', 'web-pod')).metadata.labels.env, 'dev');

    assert.equal(ok(await run(inNs(['label', 'pod', 'web-pod', 'env-']))).stdout.trim(), 'pod/web-pod unlabeled');
    assert.deepEqual((await getObj('pod', 'web-pod')).metadata.labels, { app: 'web', tier: 'frontend' });
  });

  it('label --all and -l select the objects to label; the server refuses an invalid label value with the upstream message', async () => {
    ok(await run(inNs(['label', 'deployments,statefulsets', '--all', 'team=storage'])));
    assert.equal((await getObj('deployment', 'web')).metadata.labels.team, 'storage');
    assert.equal((await getObj('statefulset', 'db')).metadata.labels.team, 'storage');
    ok(await run(inNs(['label', 'services', '-l', 'app=web', 'exposed=yes'])));
    assert.equal((await getObj('service', 'web-svc')).metadata.labels.exposed, 'yes');
    // kubectl checks label values itself; a patch takes an invalid one to the server.
    assert.match(fails(await run(inNs(['label', 'configmap', 'app-config', 'bad=-nope-']))), /error: invalid label value: "bad=-nope-"/);
    const bad = await run(inNs(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"metadata":{"labels":{"bad":"-nope-"}}}']));
    assert.match(
      fails(bad),
      /The ConfigMap "app-config" is invalid: metadata\.labels: Invalid value: "-nope-": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '\(\(\[A-Za-z0-9\]\[-A-Za-z0-9_\.\]\*\)\?\[A-Za-z0-9\]\)\?'\)/,
    );
  });

  it('annotate adds (with spaces in the value), overwrites and removes', async () => {
    assert.equal(ok(await run(inNs(['annotate', 'deployment', 'web', 'note=hello world']))).stdout.trim(), 'deployment.apps/web annotated');
    let d = await getObj('deployment', 'web');
    assert.equal(d.metadata.annotations.note, 'hello world');
    const generation = d.metadata.generation;
    ok(await run(inNs(['annotate', 'deployment', 'web', 'note=bye', '--overwrite'])));
    d = await getObj('deployment', 'web');
    assert.equal(d.metadata.annotations.note, 'bye');
    assert.equal(d.metadata.generation, generation, 'metadata changes do not bump generation');
    ok(await run(inNs(['annotate', 'deployment', 'web', 'note-'])));
    d = await getObj('deployment', 'web');
    assert.equal(d.metadata.annotations.note, undefined);
    assert.ok(d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], 'other annotations kept');
  });
});

describe('kubectl patch', () => {
  it('--type=merge sets and removes map keys (null deletes)', async () => {
    const res = ok(await run(inNs(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"mode":"patched","retries":null,"new":"x"}}'])));
    assert.equal(res.stdout.trim(), 'configmap/app-config patched');
    assert.deepEqual((await getObj('configmap', 'app-config')).data, { mode: 'patched', new: 'x', 'app.properties': 'color=blue\nsize=large\n' });
    const same = ok(await run(inNs(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"data":{"mode":"patched"}}'])));
    assert.equal(same.stdout.trim(), 'configmap/app-config patched (no change)');
  });

  it('--type=json applies RFC 6902 operations in order', async () => {
    const ops = [
      { op: 'replace', path: '/spec/replicas', value: 5 },
      { op: 'add', path: '/metadata/labels/patched', value: 'json' },
      { op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'ADDED', value: '1' } },
      { op: 'remove', path: '/spec/template/spec/containers/0/env/0' },
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copied' },
      { op: 'test', path: '/spec/replicas', value: 5 },
    ];
    ok(await run(inNs(['patch', 'deployment', 'web', '--type=json', '-p', JSON.stringify(ops)])));
    const d = await getObj('deployment', 'web');
    assert.equal(d.spec.replicas, 5);
    assert.equal(d.metadata.labels.patched, 'json');
    assert.equal(d.metadata.labels.copied, 'web');
    assert.deepEqual(d.spec.template.spec.containers[0].env, [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'ADDED', value: '1' },
    ]);
    const failing = await run(inNs(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":1},{"op":"replace","path":"/spec/replicas","value":9}]']));
    fails(failing);
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 5, 'a failed test op applies nothing');
  });

  it('strategic (the default) merges containers and env by name, and honours $patch: delete', async () => {
    const before = await getObj('deployment', 'web');
    ok(
      await run(
        inNs(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.29","env":[{"name":"LOG_LEVEL","value":"debug"}]}]}}}}']),
      ),
    );
    let d = await getObj('deployment', 'web');
    assert.deepEqual(
      d.spec.template.spec.containers.map((c: any) => [c.name, c.image]),
      [
        ['nginx', 'nginx:1.29'],
        ['sidecar', 'busybox:1.36'],
      ],
      'merged by name: the sidecar stays',
    );
    assert.deepEqual(d.spec.template.spec.containers[0].env, [
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'ADDED', value: '1' },
    ]);
    assert.equal(d.metadata.generation, before.metadata.generation + 1);
    ok(await run(inNs(['patch', 'deployment', 'web', '--type=strategic', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}'])));
    d = await getObj('deployment', 'web');
    assert.deepEqual(
      d.spec.template.spec.containers.map((c: any) => c.name),
      ['nginx'],
    );
  });

  it('--type=merge replaces a whole list (unlike strategic)', async () => {
    ok(await run(inNs(['patch', 'statefulset', 'db', '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox:1.37"}]}}}}'])));
    const s = await getObj('statefulset', 'db');
    assert.deepEqual(
      s.spec.template.spec.containers.map((c: any) => [c.name, c.image, c.imagePullPolicy, c.terminationMessagePath]),
      [['only', 'busybox:1.37', 'IfNotPresent', '/dev/termination-log']],
      'the new list, defaulted',
    );
  });

  it('a patch carrying a stale resourceVersion gets 409 Conflict', async () => {
    const res = await run(inNs(['patch', 'configmap', 'app-config', '--type=merge', '-p', '{"metadata":{"resourceVersion":"1"},"data":{"mode":"stale"}}']));
    assert.match(
      fails(res),
      /Error from server \(Conflict\): Operation cannot be fulfilled on configmaps "app-config": the object has been modified; please apply your changes to the latest version and try again/,
    );
    assert.equal((await getObj('configmap', 'app-config')).data.mode, 'patched');
  });

  it('--subresource=status writes status only; the main resource ignores status', async () => {
    ok(await run(inNs(['patch', 'deployment', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"replicas":3,"readyReplicas":2},"spec":{"replicas":1}}'])));
    let d = await getObj('deployment', 'web');
    assert.equal(d.status.replicas, 3);
    assert.equal(d.status.readyReplicas, 2);
    assert.equal(d.spec.replicas, 5, 'spec is ignored on /status');
    ok(await run(inNs(['patch', 'deployment', 'web', '--type=merge', '-p', '{"status":{"replicas":99}}'])));
    d = await getObj('deployment', 'web');
    assert.equal(d.status.replicas, 3, 'status is ignored on the main resource');
  });
});

describe('kubectl scale', () => {
  it('scales a deployment and a statefulset through /scale', async () => {
    assert.equal(ok(await run(inNs(['scale', 'deployment', 'web', '--replicas=7']))).stdout.trim(), 'deployment.apps/web scaled');
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 7);
    ok(await run(inNs(['scale', 'statefulset/db', '--replicas=0'])));
    assert.equal((await getObj('statefulset', 'db')).spec.replicas, 0);
    const rows = tableRows(ok(await run(inNs(['get', 'deployment', 'web']))).stdout);
    assert.equal(rows[1]?.[1], '2/7', 'READY shows ready/desired');
  });

  it('--current-replicas is a precondition', async () => {
    const res = await run(inNs(['scale', 'deployment', 'web', '--current-replicas=2', '--replicas=3']));
    assert.match(fails(res), /Expected replicas to be 2, was 7/);
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 7);
    ok(await run(inNs(['scale', 'deployment', 'web', '--current-replicas=7', '--replicas=3'])));
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 3);
  });

  it('a negative replica count is refused by the server', async () => {
    const res = await run(inNs(['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"replicas":-1}}']));
    assert.match(fails(res), /The Deployment "web" is invalid: spec\.replicas: Invalid value: -1: must be greater than or equal to 0/);
  });
});

describe('kubectl edit (EDITOR is a sed script)', () => {
  const editor = (name: string, sedProgram: string) => {
    const path = file(name, `#!/bin/sh\nexec sed -i -e '${sedProgram}' "$1"\n`);
    chmodSync(path, 0o755);
    return path;
  };

  it('edits a configmap value', async () => {
    const script = editor('edit-cm.sh', 's/^  mode: .*/  mode: edited/');
    const res = ok(await run(inNs(['edit', 'configmap', 'app-config']), { env: { EDITOR: script } }));
    assert.equal(res.stdout.trim(), 'configmap/app-config edited');
    assert.equal((await getObj('configmap', 'app-config')).data.mode, 'edited');
  });

  it('edits a deployment spec field in YAML and in JSON form', async () => {
    const yamlScript = editor('edit-deploy.sh', 's/^  replicas: [0-9]*/  replicas: 4/');
    ok(await run(inNs(['edit', 'deployment', 'web']), { env: { EDITOR: yamlScript } }));
    assert.equal((await getObj('deployment', 'web')).spec.replicas, 4);
    const jsonScript = editor('edit-json.sh', 's/"image": "nginx:1.29"/"image": "nginx:1.30"/');
    ok(await run(inNs(['edit', 'deployment', 'web', '-o', 'json']), { env: { EDITOR: jsonScript } }));
    assert.equal((await getObj('deployment', 'web')).spec.template.spec.containers[0].image, 'nginx:1.30');
  });

  it('an edit that changes nothing is cancelled without a write', async () => {
    const before = await getObj('service', 'web-svc');
    const script = editor('edit-noop.sh', 's/^# nothing$/# nothing/');
    const res = ok(await run(inNs(['edit', 'service', 'web-svc']), { env: { EDITOR: script } }));
    assert.match(res.stdout + res.stderr, /Edit cancelled, no changes made\./);
    assert.equal((await getObj('service', 'web-svc')).metadata.resourceVersion, before.metadata.resourceVersion);
  });
});

describe('kubectl replace', () => {
  it('replaces with a modified copy of the live object', async () => {
    const live = await getObj('configmap', 'app-config');
    live.data = { replaced: 'yes' };
    const res = ok(await run(inNs(['replace', '-f', file('replace.json', JSON.stringify(live))])));
    assert.equal(res.stdout.trim(), 'configmap/app-config replaced');
    const after = await getObj('configmap', 'app-config');
    assert.deepEqual(after.data, { replaced: 'yes' });
    assert.equal(after.metadata.uid, live.metadata.uid);
  });

  it('replace --force deletes and recreates (new uid)', async () => {
    const live = await getObj('configmap', 'app-config');
    const res = ok(await run(inNs(['replace', '--force', '-f', file('force.yaml', configMap('app-config', { forced: 'yes' }))])));
    assert.match(res.stdout, /configmap "app-config" deleted/);
    assert.match(res.stdout, /configmap\/app-config replaced/);
    const after = await getObj('configmap', 'app-config');
    assert.deepEqual(after.data, { forced: 'yes' });
    assert.notEqual(after.metadata.uid, live.metadata.uid);
  });

  it('replace of an object that does not exist is NotFound', async () => {
    const res = await run(inNs(['replace', '-f', file('ghost.json', configMap('ghost', { a: 'b' }))]));
    assert.match(fails(res), /Error from server \(NotFound\): error when replacing ".*ghost\.json": configmaps "ghost" not found/);
  });
});

describe('conflicts: two writers with the same resourceVersion', () => {
  it('one replace wins, the stale one gets 409 with the upstream message', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: configMap('shared', { v: '0' }) }));
    const a = await getObj('configmap', 'shared');
    const b = structuredClone(a);
    a.data = { v: 'writer-a' };
    b.data = { v: 'writer-b' };
    ok(await run(inNs(['replace', '-f', file('writer-a.json', JSON.stringify(a))])));
    const stale = await run(inNs(['replace', '-f', file('writer-b.json', JSON.stringify(b))]));
    assert.match(
      fails(stale),
      /Error from server \(Conflict\): error when replacing ".*writer-b\.json": Operation cannot be fulfilled on configmaps "shared": the object has been modified; please apply your changes to the latest version and try again/,
    );
    assert.deepEqual((await getObj('configmap', 'shared')).data, { v: 'writer-a' });
  });

  it('two concurrent replaces from one resourceVersion: exactly one succeeds', async () => {
    const base = await getObj('configmap', 'shared');
    const writers = ['x', 'y'].map((w) => {
      const copy = structuredClone(base);
      copy.data = { v: `concurrent-${w}` };
      return file(`concurrent-${w}.json`, JSON.stringify(copy));
    });
    const results: KubectlResult[] = await Promise.all(writers.map((f) => run(inNs(['replace', '-f', f]))));
    const codes = results.map((r) => r.code).sort();
    assert.deepEqual(codes, [0, 1], results.map(show).join('\n---\n'));
    const loser = results.find((r) => r.code !== 0)!;
    assert.match(loser.stderr, /\(Conflict\).*the object has been modified; please apply your changes to the latest version and try again/);
    const winner = results.indexOf(results.find((r) => r.code === 0)!);
    assert.deepEqual((await getObj('configmap', 'shared')).data, { v: `concurrent-${['x', 'y'][winner]}` });
  });
});

describe('kubectl delete', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { group: 'del' }, ...extra }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });

  it('deletes one object; a second delete is NotFound unless --ignore-not-found', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: configMap('doomed', { a: '1' }) }));
    assert.equal(ok(await run(inNs(['delete', 'configmap', 'doomed']))).stdout.trim(), 'configmap "doomed" deleted');
    await notFound('configmap', 'doomed');
    assert.match(fails(await run(inNs(['delete', 'configmap', 'doomed']))), /Error from server \(NotFound\): configmaps "doomed" not found/);
    ok(await run(inNs(['delete', 'configmap', 'doomed', '--ignore-not-found'])));
  });

  it('--dry-run=server deletes nothing', async () => {
    const res = ok(await run(inNs(['delete', 'service', 'web-svc', '--dry-run=server'])));
    assert.equal(res.stdout.trim(), 'service "web-svc" deleted (server dry run)');
    assert.equal((await getObj('service', 'web-svc')).metadata.name, 'web-svc');
  });

  it('--grace-period=0 --force removes a pod at once, with kubectl\'s warning', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: pod('forced') }));
    const res = ok(await run(inNs(['delete', 'pod', 'forced', '--grace-period=0', '--force'])));
    assert.match(res.stderr, /Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated/);
    assert.equal(res.stdout.trim(), 'pod "forced" force deleted');
    await notFound('pod', 'forced');
  });

  it('--grace-period=30 on an unscheduled pod deletes it immediately', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: pod('graceful') }));
    const res = ok(await run(inNs(['delete', 'pod', 'graceful', '--grace-period=30', '--timeout=30s'])));
    assert.equal(res.stdout.trim(), 'pod "graceful" deleted');
    await notFound('pod', 'graceful');
  });

  it('a finalizer keeps the object (Terminating, deletionTimestamp set) until it is removed', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: pod('held', { finalizers: ['e2e.skiff.dev/hold'] }) }));
    ok(await run(inNs(['delete', 'pod', 'held', '--wait=false'])));
    const held = await getObj('pod', 'held');
    assert.match(held.metadata.deletionTimestamp, /Z$/);
    assert.equal(held.metadata.deletionGracePeriodSeconds, 0, 'unscheduled pod: grace 0');
    assert.deepEqual(held.metadata.finalizers, ['e2e.skiff.dev/hold']);
    const table = tableRows(ok(await run(inNs(['get', 'pod', 'held']))).stdout);
    assert.equal(table[1]?.[2], 'Terminating');
    ok(await run(inNs(['patch', 'pod', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])));
    await notFound('pod', 'held');
  });

  const deployment = (name: string) =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name },
      spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    });
  /** A deployment and a ConfigMap that names it as its owner. */
  const ownerAndDependent = async (name: string) => {
    ok(await run(inNs(['create', '-f', '-']), { input: deployment(name) }));
    const owner = await getObj('deployment', name);
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${name}-dependent`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: owner.metadata.uid, blockOwnerDeletion: true }] },
      data: { a: '1' },
    };
    ok(await run(inNs(['create', '-f', '-']), { input: JSON.stringify(dependent) }));
    const stored = await getObj('configmap', `${name}-dependent`);
    assert.deepEqual(stored.metadata.ownerReferences, dependent.metadata.ownerReferences, 'ownerReferences stored as sent');
    return owner;
  };
  /**
   * After a delete with a propagation policy: the API server marks the owner with the
   * policy's finalizer and a deletionTimestamp; the garbage collector (a later issue)
   * then removes it. Either state is upstream's.
   */
  const markedOrGone = async (name: string, finalizer: string) => {
    const res = await run(inNs(['get', 'deployment', name, '-o', 'json']));
    if (res.code !== 0) {
      assert.match(res.stderr, /NotFound/, show(res));
      return;
    }
    const obj = JSON.parse(res.stdout);
    assert.match(obj.metadata.deletionTimestamp ?? '', /Z$/, `deletionTimestamp set\n${res.stdout}`);
    assert.ok((obj.metadata.finalizers ?? []).includes(finalizer), `finalizer ${finalizer} set: ${JSON.stringify(obj.metadata.finalizers)}`);
  };

  it('--cascade=background deletes the owner at once (dependents are left to the collector)', async () => {
    await ownerAndDependent('bg');
    const res = ok(await run(inNs(['delete', 'deployment', 'bg', '--cascade=background'])));
    assert.equal(res.stdout.trim(), 'deployment.apps "bg" deleted');
    await notFound('deployment', 'bg');
  });

  it('--cascade=foreground marks the owner with the foregroundDeletion finalizer', async () => {
    await ownerAndDependent('fg');
    const res = ok(await run(inNs(['delete', 'deployment', 'fg', '--cascade=foreground', '--wait=false'])));
    assert.equal(res.stdout.trim(), 'deployment.apps "fg" deleted');
    await markedOrGone('fg', 'foregroundDeletion');
  });

  it('--cascade=orphan marks the owner with the orphan finalizer and leaves the dependent', async () => {
    await ownerAndDependent('orph');
    const res = ok(await run(inNs(['delete', 'deployment', 'orph', '--cascade=orphan', '--wait=false'])));
    assert.equal(res.stdout.trim(), 'deployment.apps "orph" deleted');
    await markedOrGone('orph', 'orphan');
    assert.equal((await getObj('configmap', 'orph-dependent')).metadata.name, 'orph-dependent', 'an orphaned dependent is never deleted');
  });

  it('-l deletes only the matching objects', async () => {
    ok(await run(inNs(['create', '-f', '-']), { input: [configMap('sel-a', { a: '1' }, { sel: 'yes' }), configMap('sel-b', { a: '1' }, { sel: 'yes' }), configMap('sel-c', { a: '1' }, { sel: 'no' })].join('\n') }));
    const res = ok(await run(inNs(['delete', 'configmaps', '-l', 'sel=yes'])));
    assert.deepEqual(res.stdout.trim().split('\n').sort(), ['configmap "sel-a" deleted', 'configmap "sel-b" deleted']);
    await notFound('configmap', 'sel-a');
    await notFound('configmap', 'sel-b');
    assert.equal((await getObj('configmap', 'sel-c')).metadata.labels.sel, 'no');
  });

  it('--all deletes every object of the kind in the namespace, and only there', async () => {
    ok(await run(['create', '-n', 'default', '-f', '-'], { input: configMap('elsewhere', { a: '1' }) }));
    ok(await run(inNs(['delete', 'configmaps', '--all'])));
    const left = await getJson(env.kubectl, ['configmaps', '-n', NS]);
    assert.deepEqual(left.items.map((c: any) => c.metadata.name), []);
    assert.equal((await getObj('configmap', 'elsewhere', 'default')).metadata.name, 'elsewhere');
  });
});

describe('kubectl create <subcommand> (kubectl 1.32 sends protobuf bodies)', () => {
  // Each command below POSTs Content-Type application/vnd.kubernetes.protobuf; the checks
  // read the stored object back (as JSON) to prove the body was decoded field by field.
  const PROTO_NS = 'e2e-proto';

  it('create namespace', async () => {
    assert.equal(ok(await run(['create', 'namespace', PROTO_NS])).stdout.trim(), `namespace/${PROTO_NS} created`);
    const ns = await getJson(env.kubectl, ['namespace', PROTO_NS]);
    assert.equal(ns.kind, 'Namespace');
    assert.equal(ns.metadata.name, PROTO_NS);
    assert.equal(typeof ns.metadata.uid, 'string');
    assert.match(ns.metadata.creationTimestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(ns.status.phase, 'Active');
  });

  it("the seed's configmap and secret commands store exactly the literals", async () => {
    const cm = ok(await run(['create', 'configmap', 'example-config', '--from-literal=key1=value1', '--from-literal=key2=value2']));
    assert.equal(cm.stdout.trim(), 'configmap/example-config created');
    const storedCm = await getObj('configmap', 'example-config', 'default');
    assert.deepEqual(storedCm.data, { key1: 'value1', key2: 'value2' });
    assert.equal(storedCm.binaryData, undefined);
    assert.match(storedCm.metadata.creationTimestamp, /Z$/);

    const secret = ok(await run(['create', 'secret', 'generic', 'example-secret', '--from-literal=username=admin', '--from-literal=password=secret']));
    assert.equal(secret.stdout.trim(), 'secret/example-secret created');
    const storedSecret = await getObj('secret', 'example-secret', 'default');
    assert.equal(storedSecret.type, 'Opaque');
    assert.deepEqual(storedSecret.data, { password: Buffer.from('secret').toString('base64'), username: Buffer.from('admin').toString('base64') });
  });

  it('create configmap and secret in a namespace, with binary and empty values', async () => {
    const bin = file('blob.bin', '');
    writeFileSync(bin, Buffer.from([0, 1, 2, 0xff, 0xfe]));
    ok(await run(['create', 'configmap', 'proto-cm', '-n', PROTO_NS, '--from-literal=k=v', '--from-literal=empty=', `--from-file=blob=${bin}`]));
    const cm = await getObj('configmap', 'proto-cm', PROTO_NS);
    assert.deepEqual(cm.data, { k: 'v', empty: '' });
    assert.deepEqual(cm.binaryData, { blob: Buffer.from([0, 1, 2, 0xff, 0xfe]).toString('base64') });
    ok(await run(['create', 'secret', 'generic', 'proto-secret', '-n', PROTO_NS, '--from-literal=password=s3cr3t', '--type=example.com/custom']));
    const s = await getObj('secret', 'proto-secret', PROTO_NS);
    assert.equal(s.type, 'example.com/custom');
    assert.deepEqual(s.data, { password: Buffer.from('s3cr3t').toString('base64') });
  });

  it('create deployment', async () => {
    assert.equal(
      ok(await run(['create', 'deployment', 'proto-deploy', '-n', PROTO_NS, '--image=nginx:1.27', '--replicas=2', '--port=80'])).stdout.trim(),
      'deployment.apps/proto-deploy created',
    );
    const d = await getObj('deployment', 'proto-deploy', PROTO_NS);
    assert.equal(d.spec.replicas, 2);
    assert.deepEqual(d.spec.selector, { matchLabels: { app: 'proto-deploy' } });
    assert.deepEqual(d.metadata.labels, { app: 'proto-deploy' });
    assert.deepEqual(d.spec.template.metadata.labels, { app: 'proto-deploy' });
    const [c] = d.spec.template.spec.containers;
    assert.equal(c.name, 'nginx');
    assert.equal(c.image, 'nginx:1.27');
    assert.deepEqual(c.ports, [{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('create service clusterip', async () => {
    assert.equal(ok(await run(['create', 'service', 'clusterip', 'proto-svc', '-n', PROTO_NS, '--tcp=80:8080', '--tcp=443:https'])).stdout.trim(), 'service/proto-svc created');
    const svc = await getObj('service', 'proto-svc', PROTO_NS);
    assert.equal(svc.spec.type, 'ClusterIP');
    assert.deepEqual(svc.spec.selector, { app: 'proto-svc' });
    assert.deepEqual(
      svc.spec.ports.map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol })),
      [
        { name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' },
        { name: '443-https', port: 443, targetPort: 'https', protocol: 'TCP' },
      ],
    );
    assert.match(svc.spec.clusterIP, /^10\.43\./);
  });

  it('create job, cronjob, serviceaccount, quota, pdb, priorityclass and ingress', async () => {
    ok(await run(['create', 'job', 'proto-job', '-n', PROTO_NS, '--image=busybox', '--', 'sh', '-c', 'echo hi']));
    const job = await getObj('job', 'proto-job', PROTO_NS);
    assert.deepEqual(job.spec.template.spec.containers[0].command, ['sh', '-c', 'echo hi']);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');

    ok(await run(['create', 'cronjob', 'proto-cron', '-n', PROTO_NS, '--image=busybox', '--schedule=*/5 * * * *', '--', 'date']));
    const cj = await getObj('cronjob', 'proto-cron', PROTO_NS);
    assert.equal(cj.spec.schedule, '*/5 * * * *');
    assert.deepEqual(cj.spec.jobTemplate.spec.template.spec.containers[0].command, ['date']);

    ok(await run(['create', 'serviceaccount', 'proto-sa', '-n', PROTO_NS]));
    assert.equal((await getObj('serviceaccount', 'proto-sa', PROTO_NS)).metadata.name, 'proto-sa');

    ok(await run(['create', 'quota', 'proto-quota', '-n', PROTO_NS, '--hard=cpu=2,memory=4Gi,pods=10']));
    assert.deepEqual((await getObj('resourcequota', 'proto-quota', PROTO_NS)).spec.hard, { cpu: '2', memory: '4Gi', pods: '10' });

    ok(await run(['create', 'pdb', 'proto-pdb', '-n', PROTO_NS, '--selector=app=web', '--min-available=50%']));
    const pdb = await getObj('pdb', 'proto-pdb', PROTO_NS);
    assert.equal(pdb.spec.minAvailable, '50%');
    assert.deepEqual(pdb.spec.selector, { matchLabels: { app: 'web' } });

    ok(await run(['create', 'priorityclass', 'proto-high', '--value=1000', '--description=important', '--preemption-policy=Never']));
    const pc = await getJson(env.kubectl, ['priorityclass', 'proto-high']);
    assert.equal(pc.value, 1000);
    assert.equal(pc.description, 'important');
    assert.equal(pc.preemptionPolicy, 'Never');

    ok(await run(['create', 'ingress', 'proto-ing', '-n', PROTO_NS, '--class=nginx', '--rule=foo.example/path*=proto-svc:80']));
    const ing = await getObj('ingress', 'proto-ing', PROTO_NS);
    assert.equal(ing.spec.ingressClassName, 'nginx');
    assert.deepEqual(ing.spec.rules[0], {
      host: 'foo.example',
      http: { paths: [{ path: '/path', pathType: 'Prefix', backend: { service: { name: 'proto-svc', port: { number: 80 } } } }] },
    });
  });

  it('create role, rolebinding, clusterrole and clusterrolebinding', async () => {
    ok(await run(['create', 'role', 'proto-reader', '-n', PROTO_NS, '--verb=get,list,watch', '--resource=pods,pods/log']));
    const role = await getObj('role', 'proto-reader', PROTO_NS);
    assert.deepEqual(role.rules, [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] }]);

    ok(await run(['create', 'rolebinding', 'proto-read', '-n', PROTO_NS, '--role=proto-reader', '--user=jane', '--serviceaccount=e2e-proto:proto-sa']));
    const rb = await getObj('rolebinding', 'proto-read', PROTO_NS);
    assert.deepEqual(rb.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'proto-reader' });
    assert.deepEqual(rb.subjects, [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'jane' },
      { kind: 'ServiceAccount', name: 'proto-sa', namespace: 'e2e-proto' },
    ]);

    ok(await run(['create', 'clusterrole', 'proto-health', '--verb=get', '--non-resource-url=/healthz']));
    assert.deepEqual((await getJson(env.kubectl, ['clusterrole', 'proto-health'])).rules, [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }]);

    ok(await run(['create', 'clusterrolebinding', 'proto-ops', '--clusterrole=proto-health', '--group=ops']));
    assert.deepEqual((await getJson(env.kubectl, ['clusterrolebinding', 'proto-ops'])).subjects, [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'ops' }]);
  });

  it('create token, auth can-i, auth whoami and autoscale post protobuf reviews and objects', async () => {
    ok(await run(['create', 'serviceaccount', 'proto-robot', '-n', PROTO_NS]));
    const token = ok(await run(['create', 'token', 'proto-robot', '-n', PROTO_NS, '--duration=10m'])).stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    assert.equal(ok(await run(['auth', 'can-i', 'create', 'pods', '-n', PROTO_NS])).stdout.trim(), 'yes');
    assert.match(ok(await run(['auth', 'whoami'])).stdout, /Username\s+\S+/);

    ok(await run(['create', 'deployment', 'proto-scaled', '-n', PROTO_NS, '--image=nginx:1.27']));
    ok(await run(['autoscale', 'deployment', 'proto-scaled', '-n', PROTO_NS, '--min=2', '--max=5', '--cpu-percent=60']));
    const hpa = await getObj('hpa', 'proto-scaled', PROTO_NS);
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 5);
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'proto-scaled' });
    // Posted as autoscaling/v1, served as v2 (the preferred version) with the CPU target as a metric…
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }]);
    assert.equal(hpa.spec.targetCPUUtilizationPercentage, undefined);
    // …and as v1 with the v1 field.
    const v1 = await getObj('horizontalpodautoscalers.v1.autoscaling', 'proto-scaled', PROTO_NS);
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
    assert.equal(v1.spec.metrics, undefined);
  });

  it('over HTTPS: a captured kubectl body is created; malformed bodies get 400 and unknown kinds 415, as Status', async () => {
    const fixture = readFileSync(join(REPO_ROOT, 'src/api/protobuf/testdata/configmap.pb'));
    const created = await postRaw(`/api/v1/namespaces/${PROTO_NS}/configmaps`, fixture);
    assert.equal(created.code, 201, created.text);
    assert.deepEqual(JSON.parse(created.text).data, { key1: 'value1', key2: 'value2' });

    const refused = async (body: Buffer, code: number, message: RegExp) => {
      const res = await postRaw(`/api/v1/namespaces/${PROTO_NS}/configmaps`, body);
      assert.equal(res.code, code, res.text);
      const status = JSON.parse(res.text);
      assert.equal(status.kind, 'Status');
      assert.equal(status.code, code);
      assert.equal(status.reason, code === 400 ? 'BadRequest' : 'UnsupportedMediaType');
      assert.match(status.message, message);
    };
    await refused(fixture.subarray(0, fixture.length - 5), 400, /protobuf request body is malformed/);
    await refused(Buffer.from('{"kind":"ConfigMap"}'), 400, /protobuf prefix/);
    const badUtf8 = Buffer.from(fixture);
    badUtf8[badUtf8.indexOf('example-config')] = 0xff;
    await refused(badUtf8, 400, /not valid UTF-8/);
    // The envelope names a kind no table describes.
    const widget = Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from([0x0a, 0x0c, 0x0a, 0x02]), Buffer.from('v1'), Buffer.from([0x12, 0x06]), Buffer.from('Widget'), Buffer.from([0x12, 0x00])]);
    await refused(widget, 415, /kind Widget \(v1\)/);
    // Nothing was stored by the refused requests.
    const left = await getJson(env.kubectl, ['configmaps', '-n', PROTO_NS]);
    assert.equal(left.items.filter((c: any) => c.metadata.name === 'example-config').length, 1);
  });
});

/** POSTs a protobuf body with the kubeconfig's client certificate, as kubectl does. */
function postRaw(path: string, body: Buffer): Promise<{ code: number; text: string }> {
  const kc = parseYaml(readFileSync(env.kubeconfig, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const url = new URL(kc.clusters[0].cluster.server);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        ca: b64(kc.clusters[0].cluster['certificate-authority-data']),
        cert: b64(kc.users[0].user['client-certificate-data']),
        key: b64(kc.users[0].user['client-key-data']),
        headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf', Accept: 'application/json', 'Content-Length': body.length },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

