import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { test, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { parse } from 'yaml';
import { ensureClusterPki, type ClusterPki } from './cluster-pki.js';
import type { ClientIdentity } from './client-auth.js';
import { renderKubeconfig, writeKubeconfig } from './kubeconfig.js';

const HOST = { hostname: 'skiff-test-host', addresses: ['127.0.0.1'] };

const kubectlOnPath = (process.env['PATH'] ?? '').split(delimiter).some((dir) => {
  try {
    accessSync(join(dir, 'kubectl'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});

async function setup(t: TestContext): Promise<{ dir: string; pki: ClusterPki }> {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return { dir, pki: await ensureClusterPki(join(dir, 'data'), { host: HOST }) };
}

interface KubeconfigDoc {
  apiVersion: string;
  kind: string;
  clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
  users: Array<{ name: string; user: { 'client-certificate-data': string; 'client-key-data': string } }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  'current-context': string;
}

const unb64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

/** A loopback HTTPS server with the serving cert that answers /version and records who called. */
async function versionServer(t: TestContext, pki: ClusterPki): Promise<{ url: string; callers: Array<ClientIdentity | null> }> {
  const callers: Array<ClientIdentity | null> = [];
  const server = createServer(
    { cert: pki.servingCertPem, key: pki.servingKeyPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerX509Certificate();
      callers.push(peer ? (pki.verifyClientCertificate(peer) ?? null) : null);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-skiff-test', platform: 'linux/amd64' }));
    },
  );
  t.after(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, callers };
}

function kubectl(args: string[], home: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // HOME points into the temp dir so kubectl's caches never touch the real ~/.kube.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    delete env['KUBECONFIG'];
    execFile('kubectl', args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

test('the kubeconfig inlines the CA and admin credentials under cluster skiff, user skiff-admin', async (t) => {
  const { pki } = await setup(t);
  const doc = parse(await renderKubeconfig({ server: 'https://127.0.0.1:6443', pki })) as KubeconfigDoc;
  assert.equal(doc.apiVersion, 'v1');
  assert.equal(doc.kind, 'Config');
  assert.deepEqual(doc.clusters.map((c) => [c.name, c.cluster.server]), [['skiff', 'https://127.0.0.1:6443']]);
  assert.equal(unb64(doc.clusters[0]?.cluster['certificate-authority-data']), pki.caCertPem);
  assert.equal(doc.users[0]?.name, 'skiff-admin');
  assert.equal(unb64(doc.users[0]?.user['client-certificate-data']), pki.adminCertPem);
  assert.equal(unb64(doc.users[0]?.user['client-key-data']), pki.adminKeyPem);
  assert.deepEqual(doc.contexts, [{ name: 'skiff', context: { cluster: 'skiff', user: 'skiff-admin' } }]);
  assert.equal(doc['current-context'], 'skiff');

  const named = parse(await renderKubeconfig({ server: 'https://10.0.0.1:6443', pki, context: 'lab' })) as KubeconfigDoc;
  assert.equal(named.contexts[0]?.name, 'lab');
  assert.equal(named['current-context'], 'lab');
  // Names a YAML reader could take for something else come back as the same strings.
  for (const context of ['yes', 'null', '1.5', 'a: b', '#x', 'it\'s "quoted"', '- dash', 'ünï', 'off']) {
    const odd = parse(await renderKubeconfig({ server: 'https://[::1]:6443', pki, context })) as KubeconfigDoc;
    assert.equal(odd['current-context'], context);
    assert.equal(odd.contexts[0]?.name, context);
    assert.equal(odd.clusters[0]?.cluster.server, 'https://[::1]:6443');
  }
  await assert.rejects(renderKubeconfig({ server: 'http://127.0.0.1:8080', pki }), /must be an https:\/\/ URL/);
  await assert.rejects(renderKubeconfig({ server: 'not a url', pki }), /is not a URL/);
});

test('writeKubeconfig writes 0600 atomically, replacing a looser existing file, creating parents', async (t) => {
  const { dir, pki } = await setup(t);
  const path = join(dir, 'home', '.kube', 'config');
  await writeKubeconfig(path, { server: 'https://127.0.0.1:6443', pki });
  assert.equal((await stat(path)).mode & 0o777, 0o600);

  await writeFile(path, 'old', { mode: 0o644 });
  await writeKubeconfig(path, { server: 'https://127.0.0.1:6444', pki });
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.match(await readFile(path, 'utf8'), /server: https:\/\/127\.0\.0\.1:6444/);
  assert.deepEqual(await readdir(join(dir, 'home', '.kube')), ['config'], 'no temp files left behind');
});

test('the real kubectl reads the kubeconfig', { skip: !kubectlOnPath && 'kubectl not on PATH' }, async (t) => {
  const { dir, pki } = await setup(t);
  // The kubectl on this machine is a dispatcher that asks the server's /version first; give it one on loopback.
  const server = await versionServer(t, pki);
  const path = join(dir, 'kubeconfig');
  await writeKubeconfig(path, { server: server.url, pki });
  const { stdout } = await kubectl(['config', 'view', '--kubeconfig', path, '--raw', '-o', 'jsonpath={.current-context}'], dir);
  assert.equal(stdout, 'skiff');
});

test('the real kubectl trusts the serving cert and authenticates as admin', { skip: !kubectlOnPath && 'kubectl not on PATH' }, async (t) => {
  const { dir, pki } = await setup(t);
  const server = await versionServer(t, pki);
  const path = join(dir, 'kubeconfig');
  await writeKubeconfig(path, { server: server.url, pki });
  const { stdout } = await kubectl(['version', '--kubeconfig', path, '-o', 'json'], dir);
  const version = JSON.parse(stdout) as { serverVersion?: { gitVersion?: string } };
  assert.equal(version.serverVersion?.gitVersion, 'v1.32.0-skiff-test');
  assert.ok(server.callers.length > 0);
  for (const caller of server.callers) assert.deepEqual(caller, { user: 'admin', groups: ['system:masters'] });
});
