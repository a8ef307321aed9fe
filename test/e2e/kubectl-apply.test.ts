/**
 * `kubectl apply -f` with the real kubectl, for every manifest of the acceptance list,
 * each in a namespace of its own and in `default`: create, then re-apply after editing a
 * field, an env entry, a container port and removing a container; `kubectl diff` before
 * and after. Every step checks the stored object with `kubectl get -o json`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startSkiff, show, type SkiffEnv } from '../support/skiff-server.js';
import { KINDS, applyFixture, gap, getJson, manifest, namespaceManifest, ok, ownNamespace, type KindFixture } from '../support/e2e-fixtures.js';

let env: SkiffEnv;

before(async () => {
  env = await startSkiff('apply');
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest(KINDS.filter((k) => k.namespaced).map(ownNamespace)));
});
after(async () => {
  await env?.stop();
});

type Obj = Record<string, any>;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const containerNames = (podSpec: Obj) => (podSpec['containers'] as Obj[]).map((c) => c['name']);
const namespacesOf = (kind: KindFixture): (string | undefined)[] => (kind.namespaced ? [ownNamespace(kind), 'default'] : [undefined]);
const nsArgs = (ns: string | undefined) => (ns ? ['-n', ns] : []);

/** The parts of an object every create must fill, as upstream does. */
function assertServerFields(obj: Obj, kind: KindFixture, ns: string | undefined, manifestFile: string) {
  const md = obj['metadata'];
  assert.equal(md.name, kind.name);
  if (ns) assert.equal(md.namespace, ns);
  else assert.equal(md.namespace, undefined, 'cluster-scoped objects have no namespace');
  assert.match(md.uid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(md.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(md.resourceVersion, /^\d+$/);
  // Client-side apply stores the manifest (plus namespace and empty annotations) as last-applied.
  const lastApplied = JSON.parse(md.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  const source = parse(readFileSync(manifest(manifestFile), 'utf8'));
  assert.deepEqual(lastApplied.spec ?? lastApplied.data, source.spec ?? source.data);
  assert.equal(lastApplied.metadata.name, kind.name);
}

/** Per kind: what the stored object must hold after the first apply (manifest + upstream defaults). */
const CREATED: Record<string, (obj: Obj, ns: string | undefined) => void> = {
  pod(obj) {
    assert.deepEqual(obj['metadata'].labels, { app: 'web', tier: 'frontend' });
    const spec = obj['spec'];
    assert.deepEqual(containerNames(spec), ['nginx', 'sidecar']);
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.schedulerName, 'default-scheduler');
    const [nginx, sidecar] = spec.containers;
    assert.equal(nginx.image, 'nginx:1.27');
    assert.equal(nginx.imagePullPolicy, 'IfNotPresent');
    assert.equal(nginx.terminationMessagePath, '/dev/termination-log');
    assert.equal(nginx.terminationMessagePolicy, 'File');
    assert.deepEqual(nginx.ports, [{ containerPort: 80, name: 'http', protocol: 'TCP' }]);
    assert.deepEqual(nginx.env, [{ name: 'MODE', value: 'production' }]);
    assert.deepEqual(sidecar.command, ['sleep', '3600']);
    assert.equal(obj['status'].phase, 'Pending');
  },
  service(obj) {
    const spec = obj['spec'];
    assert.deepEqual(spec.ports, [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 9376 }]);
    assert.deepEqual(spec.selector, { app: 'web' });
    assert.equal(spec.type, 'ClusterIP');
    assert.equal(spec.sessionAffinity, 'None');
    assert.match(spec.clusterIP, /^10\.43\.\d+\.\d+$/, 'cluster IP from the service CIDR');
    assert.notEqual(spec.clusterIP, '10.43.0.1', 'the first address belongs to the kubernetes Service');
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    assert.deepEqual(spec.ipFamilies, ['IPv4']);
    assert.equal(spec.ipFamilyPolicy, 'SingleStack');
    assert.equal(spec.internalTrafficPolicy, 'Cluster');
  },
  persistentvolume(obj) {
    const spec = obj['spec'];
    assert.deepEqual(spec.capacity, { storage: '1Gi' });
    assert.deepEqual(spec.hostPath.path, '/data/e2e-pv-slow');
    assert.equal(spec.persistentVolumeReclaimPolicy, 'Retain');
    assert.equal(spec.storageClassName, 'slow');
    assert.deepEqual(spec.accessModes, ['ReadWriteOnce']);
    assert.equal(spec.volumeMode, 'Filesystem');
    // Created Pending; the PV binder then makes it Available, or Bound to a matching claim.
    assert.ok(['Pending', 'Available', 'Bound'].includes(obj['status'].phase), `phase ${obj['status'].phase}`);
    assert.match(obj['status'].lastPhaseTransitionTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'lastPhaseTransitionTime set with the phase');
  },
  persistentvolumeclaim(obj) {
    const spec = obj['spec'];
    assert.deepEqual(spec.resources, { requests: { storage: '500Mi' } });
    assert.equal(spec.storageClassName, 'slow');
    assert.deepEqual(spec.accessModes, ['ReadWriteOnce']);
    assert.equal(spec.volumeMode, 'Filesystem');
    // Pending until the binder binds it to the matching PV (class "slow" has no StorageClass: immediate binding).
    assert.ok(['Pending', 'Bound'].includes(obj['status'].phase), `phase ${obj['status'].phase}`);
  },
  deployment(obj) {
    const spec = obj['spec'];
    assert.equal(spec.replicas, 3);
    assert.equal(obj['metadata'].generation, 1);
    assert.deepEqual(spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.equal(spec.progressDeadlineSeconds, 600);
    assert.deepEqual(containerNames(spec.template.spec), ['nginx', 'sidecar']);
    assert.deepEqual(spec.template.spec.containers[0].env, [
      { name: 'MODE', value: 'production' },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    assert.deepEqual(spec.template.spec.containers[0].ports, [{ containerPort: 80, protocol: 'TCP' }]);
    assert.equal(spec.template.spec.restartPolicy, 'Always');
  },
  statefulset(obj) {
    const spec = obj['spec'];
    assert.equal(spec.replicas, 2);
    assert.equal(spec.serviceName, 'db');
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(containerNames(spec.template.spec), ['postgres', 'exporter']);
    assert.equal(spec.volumeClaimTemplates[0].metadata.name, 'pgdata');
    assert.deepEqual(spec.volumeClaimTemplates[0].spec.resources, { requests: { storage: '100Mi' } });
  },
  daemonset(obj) {
    const spec = obj['spec'];
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(containerNames(spec.template.spec), ['collector', 'reloader']);
    assert.deepEqual(spec.template.spec.containers[0].env, [{ name: 'FLUSH', value: '5' }]);
  },
  job(obj) {
    const spec = obj['spec'];
    const uid = obj['metadata'].uid;
    assert.equal(spec.backoffLimit, 4);
    assert.equal(spec.completions, 1);
    assert.equal(spec.parallelism, 1);
    assert.equal(spec.completionMode, 'NonIndexed');
    assert.equal(spec.suspend, false);
    assert.deepEqual(spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    assert.equal(spec.template.metadata.labels['batch.kubernetes.io/job-name'], 'pi');
    assert.equal(spec.template.metadata.labels['job-name'], 'pi');
    assert.equal(spec.template.metadata.labels['controller-uid'], uid);
    assert.equal(spec.template.spec.restartPolicy, 'Never');
  },
  cronjob(obj) {
    const spec = obj['spec'];
    assert.equal(spec.schedule, '*/5 * * * *');
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.deepEqual(containerNames(spec.jobTemplate.spec.template.spec), ['tick', 'helper']);
  },
  ingress(obj) {
    const rule = obj['spec'].rules[0];
    assert.equal(rule.host, 'web.example.test');
    assert.deepEqual(rule.http.paths, [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web-svc', port: { number: 80 } } } }]);
  },
  networkpolicy(obj) {
    const spec = obj['spec'];
    assert.deepEqual(spec.podSelector, { matchLabels: { app: 'web' } });
    assert.deepEqual(spec.policyTypes, ['Ingress']);
    assert.deepEqual(spec.ingress, [{ from: [{ podSelector: { matchLabels: { tier: 'frontend' } } }], ports: [{ protocol: 'TCP', port: 80 }] }]);
  },
  configmap(obj) {
    assert.deepEqual(obj['data'], { mode: 'production', retries: '3', 'app.properties': 'color=blue\nsize=large\n' });
  },
  secret(obj) {
    assert.equal(obj['type'], 'Opaque');
    // stringData is write-only: merged into data (base64) and never stored.
    assert.deepEqual(obj['data'], { username: b64('admin'), password: b64('s3cr3t') });
    assert.equal(obj['stringData'], undefined);
  },
};

/** Per kind: what the stored object must hold after re-applying the edited manifest. */
const EDITED: Record<string, (obj: Obj, before: Obj) => void> = {
  pod(obj, before) {
    assert.deepEqual(containerNames(obj['spec']), ['nginx', 'sidecar']);
    assert.equal(obj['spec'].containers[0].image, 'nginx:1.28');
    assert.deepEqual(obj['spec'].containers[0].env, [{ name: 'MODE', value: 'production' }]);
    assert.equal(obj['metadata'].uid, before['metadata'].uid);
  },
  service(obj, before) {
    assert.deepEqual(obj['spec'].ports, [
      { name: 'http', protocol: 'TCP', port: 8080, targetPort: 9376 },
      { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
    ]);
    assert.equal(obj['spec'].clusterIP, before['spec'].clusterIP, 'the cluster IP survives an update');
  },
  persistentvolume(obj) {
    assert.deepEqual(obj['spec'].capacity, { storage: '2Gi' });
    assert.deepEqual(obj['metadata'].labels, { type: 'local', speed: 'slow' });
    assert.equal(obj['spec'].persistentVolumeReclaimPolicy, 'Retain');
  },
  persistentvolumeclaim(obj) {
    assert.deepEqual(obj['metadata'].labels, { tier: 'storage' });
    assert.deepEqual(obj['spec'].resources, { requests: { storage: '500Mi' } });
  },
  deployment(obj, before) {
    const spec = obj['spec'];
    assert.deepEqual(containerNames(spec.template.spec), ['nginx'], 'the removed container is gone');
    const nginx = spec.template.spec.containers[0];
    assert.equal(nginx.image, 'nginx:1.28');
    assert.deepEqual(nginx.env, [
      { name: 'MODE', value: 'staging' },
      { name: 'LOG_LEVEL', value: 'info' },
    ]);
    assert.deepEqual(nginx.ports, [{ containerPort: 8080, protocol: 'TCP' }], 'the old port is gone, the new one stored');
    assert.equal(spec.replicas, 3);
    assert.equal(obj['metadata'].generation, before['metadata'].generation + 1, 'a spec change bumps generation');
  },
  statefulset(obj) {
    const spec = obj['spec'];
    assert.equal(spec.replicas, 1);
    assert.deepEqual(containerNames(spec.template.spec), ['postgres']);
    assert.deepEqual(spec.template.spec.containers[0].ports, [{ containerPort: 5433, name: 'pg', protocol: 'TCP' }]);
    assert.deepEqual(spec.template.spec.containers[0].env, [{ name: 'POSTGRES_DB', value: 'app2' }]);
  },
  daemonset(obj) {
    const spec = obj['spec'];
    assert.equal(spec.minReadySeconds, 5);
    assert.deepEqual(containerNames(spec.template.spec), ['collector']);
    assert.deepEqual(spec.template.spec.containers[0].ports, [{ containerPort: 2021, protocol: 'TCP' }]);
    assert.deepEqual(spec.template.spec.containers[0].env, [{ name: 'FLUSH', value: '10' }]);
  },
  job(obj) {
    assert.deepEqual(obj['metadata'].labels, { app: 'pi', stage: 'two' });
    assert.equal(obj['spec'].parallelism, 2);
  },
  cronjob(obj) {
    const spec = obj['spec'];
    assert.equal(spec.schedule, '*/10 * * * *');
    const podSpec = spec.jobTemplate.spec.template.spec;
    assert.deepEqual(containerNames(podSpec), ['tick']);
    assert.deepEqual(podSpec.containers[0].ports, [{ containerPort: 7001, protocol: 'TCP' }]);
    assert.deepEqual(podSpec.containers[0].env, [{ name: 'TZ', value: 'Europe/Paris' }]);
  },
  ingress(obj) {
    const rule = obj['spec'].rules[0];
    assert.equal(rule.host, 'www.example.test');
    assert.deepEqual(rule.http.paths[0].backend, { service: { name: 'web-svc', port: { number: 8080 } } });
  },
  networkpolicy(obj) {
    assert.deepEqual(obj['spec'].ingress[0].ports, [{ protocol: 'TCP', port: 8443 }]);
  },
  configmap(obj) {
    assert.deepEqual(obj['data'], { mode: 'staging', 'app.properties': 'color=blue\nsize=large\n' }, 'edited value updated, removed key pruned');
  },
  secret(obj) {
    assert.deepEqual(obj['data'], { username: b64('root'), password: b64('s3cr3t') });
  },
};

/** Known server gaps per kind (the test runs as node:test todo until fixed); none today. */
const CREATE_GAPS: Record<string, string> = {};
const EDIT_GAPS: Record<string, string> = {};
const gapFor = (gaps: Record<string, string>, file: string) => (gaps[file] ? gap(gaps[file]!) : {});

const created = new Map<string, Obj>();

describe('kubectl apply -f creates each manifest in a namespace of its own and in default', () => {
  for (const kind of KINDS) {
    it(`${kind.file}.yaml`, gapFor(CREATE_GAPS, kind.file), async () => {
      // Apply in every namespace first, so that a failed check below does not leave
      // the edit step without its object.
      for (const ns of namespacesOf(kind)) {
        const res = ok(await env.kubectl.run(['apply', '-f', manifest(`${kind.file}.yaml`), ...nsArgs(ns)]), `apply ${kind.file} in ${ns}`);
        assert.equal(res.stdout.trim(), `${kind.printed}/${kind.name} created`);
        created.set(`${kind.file}/${ns}`, await getJson(env.kubectl, [kind.resource, kind.name, ...nsArgs(ns)]));
      }
      for (const ns of namespacesOf(kind)) {
        const obj = created.get(`${kind.file}/${ns}`)!;
        assert.equal(obj.kind !== undefined && obj.apiVersion !== undefined, true, 'kind and apiVersion are set');
        assertServerFields(obj, kind, ns, `${kind.file}.yaml`);
        CREATED[kind.file]!(obj, ns);
      }
      if (kind.file === 'service') {
        const ips = [...created.entries()].filter(([k]) => k.startsWith('service/')).map(([, o]) => o['spec'].clusterIP);
        assert.equal(new Set(ips).size, ips.length, `two services never share a cluster IP: ${ips}`);
      }
    });
  }
});

describe('kubectl apply -f of the edited manifests updates exactly what changed', () => {
  for (const kind of KINDS) {
    it(`${kind.file}.v2.yaml`, gapFor(EDIT_GAPS, kind.file), async () => {
      for (const ns of namespacesOf(kind)) {
        const before = created.get(`${kind.file}/${ns}`);
        assert.ok(before, 'created by the previous step');
        const res = ok(await env.kubectl.run(['apply', '-f', manifest(`${kind.file}.v2.yaml`), ...nsArgs(ns)]), `apply ${kind.file}.v2 in ${ns}`);
        assert.equal(res.stdout.trim(), `${kind.printed}/${kind.name} configured`);
        const obj = await getJson(env.kubectl, [kind.resource, kind.name, ...nsArgs(ns)]);
        assertServerFields(obj, kind, ns, `${kind.file}.v2.yaml`);
        assert.equal(obj.metadata.uid, before.metadata.uid, 'same object, updated in place');
        assert.ok(Number(obj.metadata.resourceVersion) > Number(before.metadata.resourceVersion), 'resourceVersion moves forward');
        EDITED[kind.file]!(obj, before);
      }
    });
  }

  it('pod: editing an env entry and removing a container is refused as upstream does', async () => {
    const before = await getJson(env.kubectl, ['pod', 'web-pod', '-n', 'e2e-pod']);
    const res = await env.kubectl.run(['apply', '-f', manifest('pod.v3-forbidden.yaml'), '-n', 'e2e-pod']);
    assert.notEqual(res.code, 0, show(res));
    assert.match(
      res.stderr,
      /The Pod "web-pod" is invalid: spec: Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)/,
    );
    const after = await getJson(env.kubectl, ['pod', 'web-pod', '-n', 'e2e-pod']);
    assert.deepEqual(after.spec, before.spec, 'nothing stored');
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
  });

  it('re-applying an unchanged manifest prints "unchanged" and writes nothing', async () => {
    const before = await getJson(env.kubectl, ['deployment', 'web', '-n', 'default']);
    const res = ok(await env.kubectl.run(['apply', '-f', manifest('deployment.v2.yaml'), '-n', 'default']));
    assert.equal(res.stdout.trim(), 'deployment.apps/web unchanged');
    const after = await getJson(env.kubectl, ['deployment', 'web', '-n', 'default']);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.equal(after.metadata.generation, before.metadata.generation);
  });
});

describe('kubectl diff against the live objects', () => {
  // Own fixtures (created with --validate=false), so that diff is tested on its own.
  const ns = 'e2e-diff';
  before(async () => {
    await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([ns]));
    await applyFixture(env.kubectl, ['-f', manifest('deployment.yaml'), '-f', manifest('configmap.yaml'), '-n', ns]);
  });

  it('shows the edits of deployment.v2.yaml, exits 1, and changes nothing', async () => {
    const before = await getJson(env.kubectl, ['deployment', 'web', '-n', ns]);
    const res = await env.kubectl.run(['diff', '-f', manifest('deployment.v2.yaml'), '-n', ns]);
    assert.equal(res.code, 1, `kubectl diff exits 1 when there are differences\n${show(res)}`);
    assert.match(res.stdout, /^-\s+image: nginx:1\.27$/m);
    assert.match(res.stdout, /^\+\s+image: nginx:1\.28$/m);
    assert.match(res.stdout, /^-\s+value: production$/m);
    assert.match(res.stdout, /^\+\s+value: staging$/m);
    assert.match(res.stdout, /^-\s+- containerPort: 80$/m);
    assert.match(res.stdout, /^\+\s+- containerPort: 8080$/m);
    assert.match(res.stdout, /^-\s+name: sidecar$/m);
    assert.match(res.stdout, /^-\s+generation: 1$/m);
    assert.match(res.stdout, /^\+\s+generation: 2$/m);
    const after = await getJson(env.kubectl, ['deployment', 'web', '-n', ns]);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, 'diff is a dry run');
    assert.deepEqual(after.spec, before.spec);
  });

  it('shows the configmap edit (changed value, pruned key)', async () => {
    const res = await env.kubectl.run(['diff', '-f', manifest('configmap.v2.yaml'), '-n', ns]);
    assert.equal(res.code, 1, show(res));
    assert.match(res.stdout, /^-\s+mode: production$/m);
    assert.match(res.stdout, /^\+\s+mode: staging$/m);
    assert.match(res.stdout, /^-\s+retries: "3"$/m);
    const cm = await getJson(env.kubectl, ['configmap', 'app-config', '-n', ns]);
    assert.equal(cm.data.mode, 'production', 'diff stored nothing');
  });

  it('shows nothing and exits 0 once the manifest is applied', async () => {
    await applyFixture(env.kubectl, ['-f', manifest('deployment.v2.yaml'), '-n', ns]);
    const res = await env.kubectl.run(['diff', '-f', manifest('deployment.v2.yaml'), '-n', ns]);
    assert.equal(res.code, 0, show(res));
    assert.equal(res.stdout, '');
  });

  it('shows a whole new object for a manifest not yet created', async () => {
    const res = await env.kubectl.run(['diff', '-f', manifest('secret.yaml'), '-n', ns]);
    assert.equal(res.code, 1, show(res));
    assert.match(res.stdout, /^\+kind: Secret$/m);
    const get = await env.kubectl.run(['get', 'secret', 'app-secret', '-n', ns]);
    assert.equal(get.code, 1);
    assert.match(get.stderr, /Error from server \(NotFound\): secrets "app-secret" not found/);
  });
});
