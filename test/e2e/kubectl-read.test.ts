/**
 * Read-side kubectl commands against Skiff with the real kubectl: `get` in every output
 * form and with selectors, sorting and labels, `describe`, `api-resources`,
 * `api-versions`, `explain`, `get componentstatuses`, `get all`, `cluster-info`.
 * Fixtures: every acceptance manifest in namespace `e2e-read` and in `default`, plus
 * three small pods for selectors and sorting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { startSkiff, show, type SkiffEnv } from '../support/skiff-server.js';
import { KINDS, applyFixture, fails, gap, getJson, header, manifest, namespaceManifest, ok, tableRows } from '../support/e2e-fixtures.js';

let env: SkiffEnv;
const NS = 'e2e-read';

const sortPods = ['alpha', 'bravo', 'charlie']
  .map(
    (name, i) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
    app: sort
    rank: "${[3, 1, 2][i]}"
${name === 'charlie' ? '' : '    tier: backend\n'}spec:
  restartPolicy: ${name === 'alpha' ? 'Never' : 'Always'}
  containers:
    - name: main
      image: registry.example/${name}:v${[3, 1, 2][i]}
`,
  )
  .join('---\n');

before(async () => {
  env = await startSkiff('read', { apiOnly: true });
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
  const files = KINDS.filter((k) => k.namespaced).flatMap((k) => ['-f', manifest(`${k.file}.yaml`)]);
  await applyFixture(env.kubectl, [...files, '-n', NS]);
  await applyFixture(env.kubectl, [...files, '-n', 'default']);
  await applyFixture(env.kubectl, ['-f', manifest('persistentvolume.yaml')]);
  await applyFixture(env.kubectl, ['-f', '-', '-n', NS], sortPods);
});
after(async () => {
  await env?.stop();
});

const run = (args: string[]) => env.kubectl.run(args);
const get = async (args: string[]) => ok(await run(['get', ...args]), `kubectl get ${args.join(' ')}`).stdout;

/** Upstream's columns (pkg/printers/internalversion/printers.go), as kubectl prints them. */
interface TableExpectation {
  resource: string;
  name: string;
  columns: string[];
  wide: string[];
  /** Cells of the object's row (wide), `undefined` = not checked (ages, IPs). */
  row: (string | RegExp | undefined)[];
  todo?: string;
}

const TABLES: TableExpectation[] = [
  {
    resource: 'pods',
    name: 'web-pod',
    columns: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wide: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    row: ['web-pod', '0/2', 'Pending', '0', undefined, '<none>', '<none>', '<none>', '<none>'],
  },
  {
    resource: 'services',
    name: 'web-svc',
    columns: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wide: ['SELECTOR'],
    row: ['web-svc', 'ClusterIP', /^10\.43\.\d+\.\d+$/, '<none>', '80/TCP', undefined, 'app=web'],
  },
  {
    resource: 'persistentvolumes',
    name: 'e2e-pv-slow',
    columns: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
    wide: ['VOLUMEMODE'],
    // CLAIM and REASON are empty: split on runs of spaces skips them.
    row: ['e2e-pv-slow', '1Gi', 'RWO', 'Retain', 'Pending', 'slow', '<unset>', undefined, 'Filesystem'],
  },
  {
    resource: 'persistentvolumeclaims',
    name: 'data-claim',
    columns: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
    wide: ['VOLUMEMODE'],
    row: ['data-claim', 'Pending', 'slow', '<unset>', undefined, 'Filesystem'],
  },
  {
    resource: 'deployments',
    name: 'web',
    columns: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: ['web', '0/3', '0', '0', undefined, 'nginx,sidecar', 'nginx:1.27,busybox:1.36', 'app=web'],
  },
  {
    resource: 'statefulsets',
    name: 'db',
    columns: ['NAME', 'READY', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES'],
    row: ['db', '0/2', undefined, 'postgres,exporter', 'postgres:16,prom/postgres-exporter:v0.15.0'],
  },
  {
    resource: 'daemonsets',
    name: 'agent',
    columns: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: ['agent', '0', '0', '0', '0', '0', '<none>', undefined, 'collector,reloader', 'fluent/fluent-bit:3.0,busybox:1.36', 'app=agent'],
  },
  {
    resource: 'jobs',
    name: 'pi',
    columns: ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    // DURATION is empty while the job has not started.
    row: ['pi', 'Running', '0/1', undefined, 'pi', 'perl:5.34', /^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/],
  },
  {
    resource: 'cronjobs',
    name: 'tick',
    columns: ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'],
    wide: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row: ['tick', '*/5 * * * *', '<none>', 'False', '0', '<none>', undefined, 'tick,helper', 'busybox:1.36,busybox:1.36', '<none>'],
  },
  {
    resource: 'ingresses',
    name: 'web-ing',
    columns: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'],
    wide: [],
    // ADDRESS is empty until a controller reports a load balancer.
    row: ['web-ing', '<none>', 'web.example.test', '80', undefined],
  },
  {
    resource: 'networkpolicies',
    name: 'web-allow-frontend',
    columns: ['NAME', 'POD-SELECTOR', 'AGE'],
    wide: [],
    row: ['web-allow-frontend', 'app=web', undefined],
  },
  {
    resource: 'configmaps',
    name: 'app-config',
    columns: ['NAME', 'DATA', 'AGE'],
    wide: [],
    row: ['app-config', '3', undefined],
  },
  {
    resource: 'secrets',
    name: 'app-secret',
    columns: ['NAME', 'TYPE', 'DATA', 'AGE'],
    wide: [],
    row: ['app-secret', 'Opaque', '2', undefined],
  },
];

function assertRow(cells: string[], expected: (string | RegExp | undefined)[], what: string) {
  assert.equal(cells.length, expected.length, `${what}: cells ${JSON.stringify(cells)}`);
  expected.forEach((e, i) => {
    if (e === undefined) return;
    if (typeof e === 'string') assert.equal(cells[i], e, `${what}: cell ${i} of ${JSON.stringify(cells)}`);
    else assert.match(cells[i]!, e, `${what}: cell ${i} of ${JSON.stringify(cells)}`);
  });
}

describe('kubectl get: server-side tables (default and -o wide)', () => {
  for (const t of TABLES) {
    it(t.resource, t.todo ? gap(t.todo) : {}, async () => {
      const ns = t.resource === 'persistentvolumes' ? [] : ['-n', NS];
      const plain = await get([t.resource, ...ns]);
      assert.deepEqual(header(plain), t.columns, plain);
      const wide = await get([t.resource, ...ns, '-o', 'wide']);
      assert.deepEqual(header(wide), [...t.columns, ...t.wide], wide);
      const row = tableRows(wide).find((cells) => cells[0] === t.name);
      assert.ok(row, `row ${t.name} in\n${wide}`);
      assertRow(row, t.row, `${t.resource} -o wide`);
      // One object by name: same header, a single row.
      const one = await get([t.resource, t.name, ...ns]);
      assert.equal(tableRows(one).length, 2, one);
    });
  }
});

describe('kubectl get: other output forms', () => {
  it('-o yaml of one object and of a list', async () => {
    const one = parse(await get(['pod', 'web-pod', '-n', NS, '-o', 'yaml']));
    assert.equal(one.kind, 'Pod');
    assert.equal(one.apiVersion, 'v1');
    assert.equal(one.metadata.name, 'web-pod');
    assert.equal(one.spec.containers[0].image, 'nginx:1.27');
    const list = parse(await get(['deployments', '-n', NS, '-o', 'yaml']));
    assert.equal(list.kind, 'List');
    assert.deepEqual(
      list.items.map((d: any) => [d.kind, d.apiVersion, d.metadata.name]),
      [['Deployment', 'apps/v1', 'web']],
    );
  });

  it('-o json of a list carries kind and apiVersion on every item', async () => {
    const list = await getJson(env.kubectl, ['pods', '-n', NS]);
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((p: any) => p.metadata.name).sort(), ['alpha', 'bravo', 'charlie', 'web-pod']);
    for (const item of list.items) {
      assert.equal(item.kind, 'Pod');
      assert.equal(item.apiVersion, 'v1');
      assert.equal(item.metadata.namespace, NS);
    }
  });

  it('-o jsonpath on one object and on a list', async () => {
    assert.equal(await get(['service', 'web-svc', '-n', NS, '-o', 'jsonpath={.spec.ports[0].port}->{.spec.ports[0].targetPort}']), '80->9376');
    const names = await get(['pods', '-n', NS, '-l', 'app=sort', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.containers[0].image}{"\\n"}{end}']);
    assert.deepEqual(names.trim().split('\n').sort(), ['alpha=registry.example/alpha:v3', 'bravo=registry.example/bravo:v1', 'charlie=registry.example/charlie:v2']);
    assert.equal(await get(['pv', 'e2e-pv-slow', '-o', 'jsonpath={.spec.capacity.storage} {.spec.storageClassName}']), '1Gi slow');
  });

  it('-o name', async () => {
    assert.deepEqual((await get(['pods,deployments,cronjobs', '-n', NS, '-o', 'name'])).trim().split('\n').sort(), [
      'cronjob.batch/tick',
      'deployment.apps/web',
      'pod/alpha',
      'pod/bravo',
      'pod/charlie',
      'pod/web-pod',
    ]);
  });

  it('-A lists every namespace with a NAMESPACE column', async () => {
    const out = await get(['configmaps', '-A']);
    assert.deepEqual(header(out), ['NAMESPACE', 'NAME', 'DATA', 'AGE']);
    const rows = tableRows(out).slice(1);
    assert.ok(rows.some((r) => r[0] === NS && r[1] === 'app-config' && r[2] === '3'), out);
    assert.ok(rows.some((r) => r[0] === 'default' && r[1] === 'app-config'), out);
    const svc = await get(['services', '-A', '-o', 'wide']);
    const kubernetes = tableRows(svc).find((r) => r[0] === 'default' && r[1] === 'kubernetes');
    assert.ok(kubernetes, svc);
    assert.deepEqual(kubernetes.slice(2, 6), ['ClusterIP', '10.43.0.1', '<none>', '443/TCP']);
    const json = await getJson(env.kubectl, ['deployments', '-A']);
    assert.deepEqual(json.items.map((d: any) => d.metadata.namespace).sort(), ['default', NS]);
  });

  it('-l with equality, set-based, inequality and existence selectors', async () => {
    const names = async (selector: string) =>
      (await getJson(env.kubectl, ['pods', '-n', NS, '-l', selector])).items.map((p: any) => p.metadata.name).sort();
    assert.deepEqual(await names('app=sort'), ['alpha', 'bravo', 'charlie']);
    assert.deepEqual(await names('app==web'), ['web-pod']);
    assert.deepEqual(await names('app=sort,rank!=1'), ['alpha', 'charlie']);
    assert.deepEqual(await names('rank in (1,3)'), ['alpha', 'bravo']);
    assert.deepEqual(await names('app=sort,rank notin (1,3)'), ['charlie']);
    assert.deepEqual(await names('tier'), ['alpha', 'bravo', 'web-pod']);
    assert.deepEqual(await names('app=sort,!tier'), ['charlie']);
    // Table form with a selector too, across kinds.
    const out = await get(['deployments,services', '-n', NS, '-l', 'app=web', '-o', 'name']);
    assert.deepEqual(out.trim().split('\n').sort(), ['deployment.apps/web', 'service/web-svc']);
    const none = ok(await run(['get', 'pods', '-n', NS, '-l', 'app=nothing']));
    assert.equal(none.stdout, '');
    assert.match(none.stderr, new RegExp(`No resources found in ${NS} namespace\\.`));
  });

  it('--field-selector on metadata and on pod fields; an unknown field is refused', async () => {
    const names = async (selector: string, resource = 'pods') =>
      (await getJson(env.kubectl, [resource, '-n', NS, '--field-selector', selector])).items.map((p: any) => p.metadata.name).sort();
    assert.deepEqual(await names('metadata.name=bravo'), ['bravo']);
    assert.deepEqual(await names('metadata.name!=bravo,metadata.namespace=e2e-read'), ['alpha', 'charlie', 'web-pod']);
    assert.deepEqual(await names('spec.restartPolicy=Never'), ['alpha']);
    assert.deepEqual(await names('status.phase=Pending,spec.restartPolicy==Always'), ['bravo', 'charlie', 'web-pod']);
    assert.deepEqual(await names('metadata.name=app-config', 'configmaps'), ['app-config']);
    const bad = await run(['get', 'pods', '-n', NS, '--field-selector', 'spec.nope=1']);
    fails(bad);
    assert.match(
      bad.stderr,
      /Error from server \(BadRequest\): Unable to find "\/v1, Resource=pods" that match label selector "", field selector "spec\.nope=1": field label not supported: spec\.nope/,
    );
  });

  it('--show-labels and -L add label columns', async () => {
    const out = await get(['pods', '-n', NS, '--show-labels']);
    assert.deepEqual(header(out), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'LABELS']);
    const web = tableRows(out).find((r) => r[0] === 'web-pod');
    assert.equal(web?.at(-1), 'app=web,tier=frontend', out);
    const charlie = tableRows(out).find((r) => r[0] === 'charlie');
    assert.equal(charlie?.at(-1), 'app=sort,rank=2', out);
    const cols = await get(['pods', '-n', NS, '-L', 'rank,tier', '-l', 'app=sort']);
    assert.deepEqual(header(cols), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'RANK', 'TIER']);
  });

  it('--sort-by a label, a name and a nested field (table and name output)', async () => {
    const order = (out: string) => tableRows(out).slice(1).map((r) => r[0]);
    assert.deepEqual(order(await get(['pods', '-n', NS, '-l', 'app=sort', '--sort-by=.metadata.labels.rank'])), ['bravo', 'charlie', 'alpha']);
    assert.deepEqual(order(await get(['pods', '-n', NS, '--sort-by=.metadata.name'])), ['alpha', 'bravo', 'charlie', 'web-pod']);
    assert.deepEqual(order(await get(['pods', '-n', NS, '-l', 'app=sort', '--sort-by={.spec.containers[0].image}'])), ['alpha', 'bravo', 'charlie']);
    const names = await get(['pods', '-n', NS, '-l', 'app=sort', '--sort-by=.metadata.labels.rank', '-o', 'name']);
    assert.deepEqual(names.trim().split('\n'), ['pod/bravo', 'pod/charlie', 'pod/alpha']);
  });
});

describe('kubectl describe', () => {
  const cases: [string, string, RegExp[], string?][] = [
    ['pod', 'web-pod', [/^Name:\s+web-pod$/m, /^Namespace:\s+e2e-read$/m, /^Labels:\s+app=web$/m, /^\s+tier=frontend$/m, /^Status:\s+Pending$/m, /^\s+nginx:$/m, /^\s+Image:\s+nginx:1\.27$/m, /^\s+Port:\s+80\/TCP$/m, /^\s+MODE:\s+production$/m, /^\s+sidecar:$/m, /^QoS Class:\s+BestEffort$/m]],
    ['service', 'web-svc', [/^Name:\s+web-svc$/m, /^Selector:\s+app=web$/m, /^Type:\s+ClusterIP$/m, /^IP:\s+10\.43\.\d+\.\d+$/m, /^Port:\s+http\s+80\/TCP$/m, /^TargetPort:\s+9376\/TCP$/m, /^Session Affinity:\s+None$/m]],
    ['persistentvolume', 'e2e-pv-slow', [/^Name:\s+e2e-pv-slow$/m, /^StorageClass:\s+slow$/m, /^Reclaim Policy:\s+Retain$/m, /^Access Modes:\s+RWO$/m, /^Capacity:\s+1Gi$/m, /^\s+Type:\s+HostPath/m, /^\s+Path:\s+\/data\/e2e-pv-slow$/m]],
    ['persistentvolumeclaim', 'data-claim', [/^Name:\s+data-claim$/m, /^StorageClass:\s+slow$/m, /^Status:\s+Pending$/m, /^VolumeMode:\s+Filesystem$/m]],
    ['deployment', 'web', [/^Name:\s+web$/m, /^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m, /^StrategyType:\s+RollingUpdate$/m, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m, /^Selector:\s+app=web$/m, /^\s+Image:\s+nginx:1\.27$/m, /^\s+LOG_LEVEL:\s+info$/m]],
    ['statefulset', 'db', [/^Name:\s+db$/m, /^Replicas:\s+2 desired \| 0 total$/m, /^Update Strategy:\s+RollingUpdate$/m, /^\s+Image:\s+postgres:16$/m, /^Volume Claims:$/m, /^\s+Name:\s+pgdata$/m, /^\s+StorageClass:\s+slow$/m]],
    ['daemonset', 'agent', [/^Name:\s+agent$/m, /^Selector:\s+app=agent$/m, /^Desired Number of Nodes Scheduled: 0$/m, /^\s+Image:\s+fluent\/fluent-bit:3\.0$/m]],
    ['job', 'pi', [/^Name:\s+pi$/m, /^Parallelism:\s+1$/m, /^Completions:\s+1$/m, /^Completion Mode:\s+NonIndexed$/m, /^\s+Image:\s+perl:5\.34$/m]],
    ['cronjob', 'tick', [/^Name:\s+tick$/m, /^Schedule:\s+\*\/5 \* \* \* \*$/m, /^Concurrency Policy:\s+Allow$/m, /^Suspend:\s+False$/m, /^\s+Image:\s+busybox:1\.36$/m]],
    ['ingress', 'web-ing', [/^Name:\s+web-ing$/m, /^\s+web\.example\.test\s*$/m, /^\s+\/\s+web-svc:80 \(/m]],
    ['networkpolicy', 'web-allow-frontend', [/^Name:\s+web-allow-frontend$/m, /^\s+PodSelector:\s+app=web$/m, /^\s+To Port: 80\/TCP$/m, /^\s+PodSelector: tier=frontend$/m]],
    ['configmap', 'app-config', [/^Name:\s+app-config$/m, /^mode:\n----\nproduction$/m, /^retries:\n----\n3$/m]],
    ['secret', 'app-secret', [/^Name:\s+app-secret$/m, /^Type:\s+Opaque$/m, /^username:\s+5 bytes$/m, /^password:\s+6 bytes$/m]],
  ];
  for (const [kind, name, patterns, todo] of cases) {
    it(`${kind} ${name}`, todo ? gap(todo) : {}, async () => {
      const ns = kind === 'persistentvolume' ? [] : ['-n', NS];
      const res = ok(await run(['describe', kind, name, ...ns]), `describe ${kind}`);
      for (const p of patterns) assert.match(res.stdout, p, res.stdout);
      // kubectl's NetworkPolicy and Secret describers list no events; the others do (none yet).
      if (kind !== 'networkpolicy' && kind !== 'secret') assert.match(res.stdout, /^Events:\s+<none>$/m, 'describe lists events (none yet)');
    });
  }
});

describe('kubectl discovery commands', () => {
  it('api-resources lists every resource of the issue with upstream names, short names and scope', async () => {
    const res = ok(await run(['api-resources']));
    assert.deepEqual(header(res.stdout), ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const rows = new Map(
      res.stdout
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => {
          const cells = l.trim().split(/\s+/);
          return [`${cells[0]}@${cells.at(-3)}`, cells];
        }),
    );
    const expected: [string, string, string, string, string][] = [
      ['componentstatuses', 'cs', 'v1', 'false', 'ComponentStatus'],
      ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
      ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
      ['events', 'ev', 'v1', 'true', 'Event'],
      ['limitranges', 'limits', 'v1', 'true', 'LimitRange'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['persistentvolumeclaims', 'pvc', 'v1', 'true', 'PersistentVolumeClaim'],
      ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume'],
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['podtemplates', '', 'v1', 'true', 'PodTemplate'],
      ['replicationcontrollers', 'rc', 'v1', 'true', 'ReplicationController'],
      ['resourcequotas', 'quota', 'v1', 'true', 'ResourceQuota'],
      ['secrets', '', 'v1', 'true', 'Secret'],
      ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['controllerrevisions', '', 'apps/v1', 'true', 'ControllerRevision'],
      ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
      ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
      ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
      ['jobs', '', 'batch/v1', 'true', 'Job'],
      ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
      ['endpointslices', '', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
      ['events', 'ev', 'events.k8s.io/v1', 'true', 'Event'],
      ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
      ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
      ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget'],
      ['clusterrolebindings', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRoleBinding'],
      ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
      ['rolebindings', '', 'rbac.authorization.k8s.io/v1', 'true', 'RoleBinding'],
      ['roles', '', 'rbac.authorization.k8s.io/v1', 'true', 'Role'],
      ['priorityclasses', 'pc', 'scheduling.k8s.io/v1', 'false', 'PriorityClass'],
      ['storageclasses', 'sc', 'storage.k8s.io/v1', 'false', 'StorageClass'],
    ];
    const missing: string[] = [];
    for (const [name, short, gv, namespaced, kind] of expected) {
      const cells = rows.get(`${name}@${gv}`);
      if (!cells) {
        missing.push(`${name} (${gv})`);
        continue;
      }
      assert.deepEqual(cells, [name, ...(short ? [short] : []), gv, namespaced, kind]);
    }
    assert.deepEqual(missing, [], `api-resources is missing:\n${res.stdout}`);
  });

  it('api-resources -o wide shows verbs and the "all" category; filters by group and scope', async () => {
    const wide = ok(await run(['api-resources', '-o', 'wide', '--api-group=']));
    const pods = wide.stdout.split('\n').find((l) => l.startsWith('pods '));
    assert.ok(pods, wide.stdout);
    assert.match(pods, /\screate,delete,deletecollection,get,list,patch,update,watch\s+all$/);
    const apps = ok(await run(['api-resources', '--api-group=apps', '-o', 'name'])).stdout.trim().split('\n').sort();
    assert.deepEqual(apps, ['controllerrevisions.apps', 'daemonsets.apps', 'deployments.apps', 'replicasets.apps', 'statefulsets.apps']);
    const cluster = ok(await run(['api-resources', '--namespaced=false', '-o', 'name'])).stdout.trim().split('\n');
    for (const r of ['namespaces', 'nodes', 'persistentvolumes', 'clusterroles.rbac.authorization.k8s.io', 'storageclasses.storage.k8s.io']) {
      assert.ok(cluster.includes(r), `${r} in\n${cluster.join('\n')}`);
    }
    assert.ok(!cluster.includes('pods'));
  });

  it('api-versions lists every group/version of the issue', async () => {
    const res = ok(await run(['api-versions']));
    assert.deepEqual(res.stdout.trim().split('\n'), [
      'apps/v1',
      'authentication.k8s.io/v1',
      'authorization.k8s.io/v1',
      'autoscaling/v1',
      'autoscaling/v2',
      'batch/v1',
      'coordination.k8s.io/v1',
      'discovery.k8s.io/v1',
      'events.k8s.io/v1',
      'networking.k8s.io/v1',
      'policy/v1',
      'rbac.authorization.k8s.io/v1',
      'scheduling.k8s.io/v1',
      'storage.k8s.io/v1',
      'v1',
    ]);
  });

  it('explain pods.spec.containers', async () => {
    const res = ok(await run(['explain', 'pods.spec.containers']));
    assert.match(res.stdout, /^KIND:\s+Pod$/m);
    assert.match(res.stdout, /^VERSION:\s+v1$/m);
    assert.match(res.stdout, /^FIELD: containers <\[\]Container>$/m);
    assert.match(res.stdout, /^DESCRIPTION:$/m);
    assert.match(res.stdout, /^FIELDS:$/m);
    assert.match(res.stdout, /^\s+image\t<string>$/m);
    assert.match(res.stdout, /^\s+name\t<string> -required-$/m);
    assert.match(res.stdout, /^\s+ports\t<\[\]ContainerPort>$/m);
    assert.match(res.stdout, /^\s+env\t<\[\]EnvVar>$/m);
    const deep = ok(await run(['explain', 'deployment.spec.strategy.rollingUpdate.maxSurge']));
    assert.match(deep.stdout, /^KIND:\s+Deployment$/m);
    assert.match(deep.stdout, /^GROUP:\s+apps$/m);
    assert.match(deep.stdout, /^FIELD: maxSurge <IntOrString>$/m);
  });

  it('get componentstatuses: etcd-0 healthy, the deprecation warning', async () => {
    const res = ok(await run(['get', 'componentstatuses']));
    assert.match(res.stderr, /Warning: v1 ComponentStatus is deprecated in v1\.19\+/);
    assert.deepEqual(header(res.stdout), ['NAME', 'STATUS', 'MESSAGE', 'ERROR']);
    const rows = tableRows(res.stdout).slice(1);
    assert.deepEqual(rows.map((r) => r[0]).sort(), ['controller-manager', 'etcd-0', 'scheduler']);
    assert.deepEqual(rows.find((r) => r[0] === 'etcd-0')?.slice(0, 3), ['etcd-0', 'Healthy', '{"health":"true"}']);
    const json = await getJson(env.kubectl, ['cs', 'etcd-0']);
    assert.equal(json.kind, 'ComponentStatus');
    assert.deepEqual(json.conditions, [{ type: 'Healthy', status: 'True', message: '{"health":"true"}' }]);
  });

  it('get all shows the "all" category in the namespace, and only it', async () => {
    const res = ok(await run(['get', 'all', '-n', NS]));
    for (const n of ['pod/web-pod', 'pod/alpha', 'service/web-svc', 'deployment.apps/web', 'statefulset.apps/db', 'daemonset.apps/agent', 'job.batch/pi', 'cronjob.batch/tick']) {
      assert.match(res.stdout, new RegExp(`^${n.replace(/[./]/g, '\\$&')}\\s`, 'm'), `${n} in\n${res.stdout}`);
    }
    for (const absent of ['configmap/', 'secret/', 'persistentvolumeclaim/', 'ingress', 'networkpolicy']) {
      assert.ok(!res.stdout.includes(absent), `${absent} is not in category all:\n${res.stdout}`);
    }
    const names = ok(await run(['get', 'all', '-n', NS, '-o', 'name'])).stdout.trim().split('\n').sort();
    assert.deepEqual(names, ['cronjob.batch/tick', 'daemonset.apps/agent', 'deployment.apps/web', 'job.batch/pi', 'pod/alpha', 'pod/bravo', 'pod/charlie', 'pod/web-pod', 'service/web-svc', 'statefulset.apps/db']);
  });

  it('cluster-info names the control plane URL', async () => {
    const res = ok(await run(['cluster-info']));
    // kubectl colours its output only on a terminal; here it is plain.
    assert.match(res.stdout, new RegExp(`^Kubernetes control plane is running at ${env.url.replace(/[./]/g, '\\$&')}$`, 'm'));
    assert.ok(!/CoreDNS|KubeDNS/.test(res.stdout), 'no cluster services labelled kubernetes.io/cluster-service yet');
  });

  it('version reports the server as v1.32', async () => {
    const res = ok(await run(['version', '-o', 'json']));
    const v = JSON.parse(res.stdout);
    assert.equal(v.serverVersion.major, '1');
    assert.equal(v.serverVersion.minor, '32');
    assert.match(v.serverVersion.gitVersion, /^v1\.32\./);
    assert.match(v.clientVersion.gitVersion, /^v1\.32\./, show(res));
  });
});
