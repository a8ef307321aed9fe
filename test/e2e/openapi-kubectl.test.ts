/**
 * The OpenAPI documents against the real kubectl: `apply`, `create`, `replace` and
 * `diff` validate against the server without --validate=false, apply computes its
 * strategic merge patch from our merge keys, `explain` reads our schemas, and
 * `kind: List` manifests pass kubectl's v2 fallback. Unknown fields are left to the
 * server (fieldValidation=Strict), which is checked as a gap until the server does it.
 *
 * The server runs in-process on 127.0.0.1 with a data directory, kubectl cache and
 * HOME under a temporary `skiff-test-openapi-*` directory, removed afterwards.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type RunningServer } from '../../src/cmd/server.js';

process.env['SKIFF_LOG_LEVEL'] ??= 'silent';

let dir: string;
let server: RunningServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-test-openapi-'));
  server = await startServer({ dataDir: join(dir, 'data'), port: 0, bindAddress: '127.0.0.1', serviceCidr: '10.96.0.0/12', tlsSan: [], disableAgent: true, print: () => {} });
});

after(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', server.kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, HOME: dir, KUBECONFIG: server.kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr.slice(-4000)}`;

const POD = `apiVersion: v1
kind: Pod
metadata: {name: oa-pod, labels: {app: oa}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    ports: [{containerPort: 80}]
`;
const DEPLOYMENT = (replicas: number, containers: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: oa-web}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: oa-web}}
  template:
    metadata: {labels: {app: oa-web}}
    spec:
      containers:
${containers}`;
const TWO_CONTAINERS = `      - name: a
        image: nginx:1.27
        ports: [{containerPort: 80}, {containerPort: 81}]
        env: [{name: X, value: "1"}]
      - name: b
        image: busybox
`;
const ONE_CONTAINER = `      - name: a
        image: nginx:1.27
        ports: [{containerPort: 80}]
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: oa-svc}
spec:
  selector: {app: oa-web}
  ports: [{port: 80, targetPort: 8080}]
`;
const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata: {name: oa-cfg}
data: {key: value}
`;

test('apply validates Pod, Deployment, Service and ConfigMap through OpenAPI v3 and leaves fields to the server', async () => {
  for (const [name, text] of [
    ['pod.yaml', POD],
    ['deployment.yaml', DEPLOYMENT(2, TWO_CONTAINERS)],
    ['service.yaml', SERVICE],
    ['configmap.yaml', CONFIGMAP],
  ] as const) {
    const r = await kubectl(['apply', '-f', file(name, text), '-v=6']);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, / created\n/, show(r));
    assert.match(r.stderr, /GET https:\/\/[^ ]+\/openapi\/v3\?timeout=\S+ 200 OK/, show(r));
    assert.match(r.stderr, /GET https:\/\/[^ ]+\/openapi\/v3\/(api|apis\/apps)\/v1\?hash=[0-9A-F]{128}&timeout=\S+ 200 OK/, show(r));
    assert.match(r.stderr, /POST https:\/\/\S+\?fieldManager=kubectl-client-side-apply&fieldValidation=Strict 201 Created/, show(r));
    assert.doesNotMatch(r.stderr, /openapi\/v2/, 'v3 was enough; no v2 fallback');
  }
});

test('re-apply computes its strategic merge patch from the schema merge keys', async () => {
  const r = await kubectl(['apply', '-f', file('deployment.v2.yaml', DEPLOYMENT(3, ONE_CONTAINER)), '-v=8']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /deployment.apps\/oa-web configured/);
  // Merge keys (containers by name, ports by containerPort) show as directives.
  assert.match(r.stderr, /\$setElementOrder\/containers/, show(r));
  assert.match(r.stderr, /\$setElementOrder\/ports/, show(r));
  assert.match(r.stderr, /Content-Type: application\/strategic-merge-patch\+json/);
  const got = await kubectl(['get', 'deployment', 'oa-web', '-o', 'json']);
  const spec = (JSON.parse(got.stdout) as { spec: { replicas: number; template: { spec: { containers: { name: string; env?: unknown; ports: { containerPort: number }[] }[] } } } }).spec;
  assert.equal(spec.replicas, 3);
  assert.deepEqual(spec.template.spec.containers.map((c) => c.name), ['a']);
  assert.deepEqual(spec.template.spec.containers[0]!.ports.map((p) => p.containerPort), [80]);
  assert.equal(spec.template.spec.containers[0]!.env, undefined);
});

test('diff shows a pending change (exit 1) and none once applied (exit 0)', async () => {
  const changed = await kubectl(['diff', '-f', file('deployment.v3.yaml', DEPLOYMENT(4, ONE_CONTAINER))]);
  assert.equal(changed.code, 1, show(changed));
  assert.match(changed.stdout, /-  replicas: 3\n\+  replicas: 4/);
  const same = await kubectl(['diff', '-f', join(dir, 'deployment.v2.yaml')]);
  assert.equal(same.code, 0, show(same));
});

test('create -f and replace -f validate too', async () => {
  const created = await kubectl(['create', '-f', file('cm2.yaml', CONFIGMAP.replace('oa-cfg', 'oa-cfg2')), '-v=6']);
  assert.equal(created.code, 0, show(created));
  assert.match(created.stderr, /fieldManager=kubectl-create&fieldValidation=Strict 201/);
  const replaced = await kubectl(['replace', '-f', file('cm2b.yaml', CONFIGMAP.replace('oa-cfg', 'oa-cfg2').replace('value', 'other')), '-v=6']);
  assert.equal(replaced.code, 0, show(replaced));
  assert.match(replaced.stderr, /PUT \S+fieldManager=kubectl-replace&fieldValidation=Strict 200/);
});

test('explain pods.spec.containers prints the container fields', async () => {
  const r = await kubectl(['explain', 'pods.spec.containers']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stdout, /KIND:\s+Pod/);
  assert.match(r.stdout, /FIELD: containers <\[\]Container>/);
  assert.match(r.stdout, /name\t<string> -required-/);
  for (const field of ['image', 'command', 'args', 'env', 'ports', 'resources', 'volumeMounts']) assert.match(r.stdout, new RegExp(`\\n  ${field}\\t<`), field);
  const deploy = await kubectl(['explain', 'deployment.spec.replicas']);
  assert.equal(deploy.code, 0, show(deploy));
  assert.match(deploy.stdout, /GROUP:\s+apps/);
  assert.match(deploy.stdout, /FIELD: replicas <integer>/);
});

test('a kind: List manifest passes the v2 fallback (empty v2 document) and applies', async () => {
  const list = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: oa-list-1}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: oa-list-2}
`;
  const r = await kubectl(['apply', '-f', file('list.yaml', list), '-v=6']);
  assert.equal(r.code, 0, show(r));
  assert.match(r.stderr, /GET \S+\/openapi\/v2\?timeout=\S+ 200 OK/);
  assert.match(r.stdout, /configmap\/oa-list-1 created\nconfigmap\/oa-list-2 created/);
});

const UNKNOWN_FIELD = POD.replace('oa-pod', 'oa-unknown').replace('spec:\n', 'spec:\n  foo: bar\n');

test('kubectl does not check unknown fields itself: it sends fieldValidation=Strict and no v2 request', async () => {
  const r = await kubectl(['create', '--dry-run=server', '-f', file('unknown-dry.yaml', UNKNOWN_FIELD), '-v=6']);
  assert.match(r.stderr, /POST \S+\/pods\?dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict/, show(r));
  assert.doesNotMatch(r.stderr, /openapi\/v2/);
});

test('apply of an unknown field fails with a strict decoding error, as upstream', async () => {
  const r = await kubectl(['apply', '-f', file('unknown.yaml', UNKNOWN_FIELD)]);
  assert.notEqual(r.code, 0, show(r));
  assert.match(r.stderr, /Error from server \(BadRequest\): error when creating ".*unknown\.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.foo"/, show(r));
});
