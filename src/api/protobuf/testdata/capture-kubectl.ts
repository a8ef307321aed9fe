/**
 * Regenerates the kubectl fixtures in this folder (run by hand, not by the tests):
 * `node --import tsx src/api/protobuf/testdata/capture-kubectl.ts`. For each command it
 * runs the real kubectl twice against a throwaway loopback HTTP server: once with
 * `--dry-run=client -o json`, whose output is the JSON kubectl means (the expected
 * decoding), and once for real, keeping the protobuf request body it POSTs. The server
 * answers the POST with that expected JSON so kubectl finishes normally.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESOURCES, apiVersionOf, groupVersions } from '../../resources.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** name → kubectl arguments (namespace added where the kind is namespaced). */
export const COMMANDS: Record<string, string[]> = {
  configmap: ['create', 'configmap', 'example-config', '--from-literal=key1=value1', '--from-literal=key2=value2'],
  'secret-generic': ['create', 'secret', 'generic', 'example-secret', '--from-literal=username=admin', '--from-literal=password=secret'],
  'secret-docker-registry': ['create', 'secret', 'docker-registry', 'regcred', '--docker-server=r.example', '--docker-username=u', '--docker-password=p'],
  deployment: ['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80'],
  'service-clusterip': ['create', 'service', 'clusterip', 'web-svc', '--tcp=80:8080', '--tcp=443:8443'],
  'service-nodeport': ['create', 'service', 'nodeport', 'np', '--tcp=80:http', '--node-port=30080'],
  namespace: ['create', 'namespace', 'team-a'],
  job: ['create', 'job', 'pi', '--image=busybox', '--', 'sh', '-c', 'echo hi'],
  cronjob: ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'],
  role: ['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods,pods/log'],
  rolebinding: ['create', 'rolebinding', 'read-pods', '--role=pod-reader', '--user=jane', '--serviceaccount=default:robot'],
  clusterrole: ['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz', '--non-resource-url=/livez'],
  'clusterrole-aggregated': ['create', 'clusterrole', 'agg', '--aggregation-rule=rbac.example/aggregate=true'],
  clusterrolebinding: ['create', 'clusterrolebinding', 'admins', '--clusterrole=cluster-admin', '--group=ops'],
  quota: ['create', 'quota', 'compute', '--hard=cpu=2,memory=4Gi,pods=10,requests.storage=100Gi'],
  pdb: ['create', 'pdb', 'web-pdb', '--selector=app=web', '--min-available=50%'],
  priorityclass: ['create', 'priorityclass', 'high', '--value=1000', '--description=important', '--preemption-policy=Never'],
  ingress: ['create', 'ingress', 'web-ing', '--class=nginx', '--rule=foo.example/path*=web-svc:80', '--rule=bar.example/=other:http,tls=cert'],
  serviceaccount: ['create', 'serviceaccount', 'robot'],
};

/** Legacy discovery from the resource table: enough for commands that map resources. */
function discovery(path: string): unknown {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    const groups = groupVersions().filter((g) => g.group !== '');
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: groups.map((g) => {
        const versions = g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v }));
        return { name: g.group, versions, preferredVersion: versions[0] };
      }),
    };
  }
  const gv = path === '/api/v1' ? 'v1' : path.startsWith('/apis/') ? path.slice('/apis/'.length) : undefined;
  const rows = RESOURCES.filter((r) => apiVersionOf(r) === gv);
  if (!gv || rows.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: gv,
    resources: rows.map((r) => ({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, shortNames: r.shortNames })),
  };
}

function kubectl(args: string[], kubeconfig: string, home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-test-capture-'));
  let expected: unknown = {};
  let captured: { contentType: string; body: Buffer } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') {
        captured = { contentType: String(req.headers['content-type']), body: Buffer.concat(chunks) };
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(expected));
        return;
      }
      const found = req.method === 'GET' ? discovery(new URL(req.url ?? '/', 'http://x').pathname) : undefined;
      if (found) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(found));
        return;
      }
      res.writeHead(404, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `${req.url} not served by the capture server` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u, namespace: fixtures}}]\ncurrent-context: x\n`,
  );
  try {
    for (const [name, args] of Object.entries(COMMANDS)) {
      const dry = await kubectl([...args.slice(0, args.indexOf('--') < 0 ? args.length : args.indexOf('--')), '--dry-run=client', '-o', 'json', ...(args.includes('--') ? args.slice(args.indexOf('--')) : [])], kubeconfig, dir);
      if (dry.code !== 0) throw new Error(`${name}: dry run failed: ${dry.stderr}`);
      expected = JSON.parse(dry.stdout);
      captured = undefined;
      const real = await kubectl(args, kubeconfig, dir);
      if (real.code !== 0 || !captured) throw new Error(`${name}: kubectl failed (${real.code}): ${real.stderr}`);
      const { contentType, body } = captured as { contentType: string; body: Buffer };
      if (!contentType.startsWith('application/vnd.kubernetes.protobuf')) throw new Error(`${name}: sent ${contentType}, not protobuf`);
      writeFileSync(join(HERE, `${name}.pb`), body);
      writeFileSync(join(HERE, `${name}.json`), `${JSON.stringify(expected, null, 2)}\n`);
      console.log(`${name}: ${body.length} bytes`);
    }
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
