/**
 * pods/<name>/log through the API server to a node's kubelet endpoint: an in-process
 * cluster on SQLite, and a stand-in for the kubelet's HTTPS log endpoint on 127.0.0.1
 * (test/support/kubelet-log-endpoint.ts) with a serving cert from the cluster CA. The
 * Node says InternalIP 127.0.0.1 and the stand-in's port. Checked: the body over HTTP/2,
 * HTTP/1.1 and the in-process transport; the options as the kubelet receives them;
 * follow streaming before the kubelet ends; validation, container and node errors as
 * upstream words them; kubelet errors passed through; the client certificate presented;
 * kubelet certificate verification and insecureSkipTLSVerifyBackend.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeKubeconfig } from '../../src/apiserver/pki/index.js';
import { ApiClient } from '../support/api-client.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';
import { nodeForEndpoint, startKubeletLogEndpoint, type KubeletLogEndpoint } from '../support/kubelet-log-endpoint.js';

type Obj = Record<string, any>;

const NS = 'default';
const PODS = `/api/v1/namespaces/${NS}/pods`;
const log = (pod: string, query = '') => `${PODS}/${pod}/log${query ? `?${query}` : ''}`;

let cluster: InProcessCluster;
let api: ApiClient;
let kubelet: KubeletLogEndpoint;
let untrusted: KubeletLogEndpoint;
let h2: ClientHttp2Session;
let credentials: { ca: string; cert: string; key: string };

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-pod-log' });
  const kubeconfig = join(cluster.dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: cluster.server.url, pki: cluster.pki });
  api = new ApiClient(kubeconfig);
  credentials = { ca: cluster.pki.caCertPem, cert: cluster.pki.adminCertPem, key: cluster.pki.adminKeyPem };
  h2 = connect(cluster.server.url, credentials);
  h2.on('error', () => {});

  const ca = { certPem: readFileSync(cluster.pki.files.caCert, 'utf8'), keyPem: readFileSync(cluster.pki.files.caKey, 'utf8') };
  kubelet = await startKubeletLogEndpoint({ ca });
  untrusted = await startKubeletLogEndpoint({ ca, untrusted: true });
  await create('/api/v1/nodes', nodeForEndpoint('log-node', kubelet.port));
  await create('/api/v1/nodes', nodeForEndpoint('untrusted-node', untrusted.port));
  await create('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'addressless-node' }, status: { daemonEndpoints: { kubeletEndpoint: { Port: kubelet.port } } } });

  await pod('solo', [{ name: 'app', image: 'busybox' }], 'log-node');
  await pod('multi', [{ name: 'a', image: 'busybox' }, { name: 'b', image: 'busybox' }], 'log-node', [{ name: 'setup', image: 'busybox' }]);
  await pod('pending', [{ name: 'app', image: 'busybox' }]);
  await pod('orphan', [{ name: 'app', image: 'busybox' }], 'ghost-node');
  await pod('addressless', [{ name: 'app', image: 'busybox' }], 'addressless-node');
  await pod('guarded', [{ name: 'app', image: 'busybox' }], 'untrusted-node');
  await pod('failing', [{ name: 'app', image: 'busybox' }], 'log-node');

  kubelet.set(NS, 'solo', 'app', { body: 'line 1\nline 2\nline 3\n' });
  kubelet.set(NS, 'multi', 'b', { body: 'from b\n' });
  kubelet.set(NS, 'multi', 'setup', { body: 'from setup\n' });
  kubelet.set(NS, 'failing', 'app', { status: 400, body: 'container "app" in pod "failing" is waiting to start: ContainerCreating' });
  untrusted.set(NS, 'guarded', 'app', { body: 'guarded log\n' });
});

after(async () => {
  h2?.close();
  api?.close();
  await kubelet?.stop();
  await untrusted?.stop();
  await cluster?.stop();
});

async function create(path: string, body: Obj): Promise<void> {
  const res = await api.request('POST', path, body);
  assert.equal(res.status, 201, res.text);
}

/** A pod, bound to `node` through pods/binding as the scheduler would. */
async function pod(name: string, containers: Obj[], node?: string, initContainers?: Obj[]): Promise<void> {
  await create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers, ...(initContainers ? { initContainers } : {}) } });
  if (node) await create(`${PODS}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: node } });
}

interface Answer {
  status: number;
  contentType: string | undefined;
  text: string;
}

/** GET over HTTP/1.1 (no ALPN: the server falls back to HTTP/1.1). */
function http1(path: string): Promise<Answer> {
  const url = new URL(cluster.server.url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path, ...credentials }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A streaming GET: resolves `head` with the status, `until(text)` when that much has arrived. */
function streamH2(path: string) {
  let text = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const req = h2.request({ ':method': 'GET', ':path': path });
  const head = new Promise<number>((resolve) => req.once('response', (h) => resolve(Number(h[':status']))));
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    text += c;
    for (const w of [...waiters]) w();
  });
  const done = new Promise<string>((resolve) =>
    req.once('end', () => {
      ended = true;
      for (const w of [...waiters]) w();
      resolve(text);
    }),
  );
  req.end();
  return {
    head,
    done,
    ended: () => ended,
    until: (wanted: string) =>
      new Promise<string>((resolve, reject) => {
        const check = () => {
          if (text.includes(wanted)) {
            waiters.delete(check);
            resolve(text);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`stream ended without ${JSON.stringify(wanted)}: ${JSON.stringify(text)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    close: () => req.close(),
  };
}

/** A release handle for a held follow stream. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('pods/log streams the kubelet log', () => {
  it('returns the whole body as text/plain over HTTP/2, HTTP/1.1 and in-process', async () => {
    const res = await api.request('GET', log('solo'), undefined, { accept: '*/*' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.text, 'line 1\nline 2\nline 3\n');

    const one = await http1(log('solo'));
    assert.deepEqual(one, { status: 200, contentType: 'text/plain', text: 'line 1\nline 2\nline 3\n' });

    const inProcess = await cluster.transport().request('GET', log('solo'));
    assert.equal(inProcess.status, 200);
    assert.equal(inProcess.headers['content-type'], 'text/plain');
    assert.equal(inProcess.body.toString('utf8'), 'line 1\nline 2\nline 3\n');
  });

  it('passes the options to the kubelet path, re-encoded as upstream does', async () => {
    const before = kubelet.requests.length;
    const res = await api.request('GET', log('solo', 'container=app&timestamps=true&tailLines=2&sinceSeconds=60&limitBytes=4096&previous=false'));
    assert.equal(res.status, 200, res.text);
    const seen = kubelet.requests.slice(before);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.path, `/containerLogs/${NS}/solo/app`);
    assert.equal(seen[0]!.query, 'limitBytes=4096&sinceSeconds=60&tailLines=2&timestamps=true');

    await api.request('GET', log('solo', 'sinceTime=2026-01-02T03:04:05Z&previous=true'));
    assert.equal(kubelet.requests.at(-1)!.query, 'previous=true&sinceTime=2026-01-02T03%3A04%3A05Z');
  });

  it('follow=true streams lines before the kubelet ends (HTTP/2)', async () => {
    const held = gate();
    kubelet.set(NS, 'solo', 'app', { body: 'first\n', hold: held.promise, rest: 'second\n' });
    const stream = streamH2(log('solo', 'follow=true'));
    try {
      assert.equal(await stream.head, 200);
      assert.equal(await stream.until('first\n'), 'first\n');
      assert.equal(stream.ended(), false, 'still open while the kubelet holds the stream');
      held.open();
      assert.equal(await stream.done, 'first\nsecond\n');
    } finally {
      held.open();
      stream.close();
      kubelet.set(NS, 'solo', 'app', { body: 'line 1\nline 2\nline 3\n' });
    }
  });

  it('follow=true streams over HTTP/1.1 too, and a client that leaves ends the kubelet call', async () => {
    const held = gate();
    kubelet.set(NS, 'solo', 'app', { body: 'early\n', hold: held.promise, rest: 'late\n' });
    const url = new URL(cluster.server.url);
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const req = httpsRequest({ host: url.hostname, port: url.port, path: log('solo', 'follow=true'), ...credentials }, (res) => {
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['content-type'], 'text/plain');
          res.setEncoding('utf8');
          res.once('data', (c: string) => {
            resolve(c);
            req.destroy();
          });
        });
        req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
        req.end();
      });
      assert.equal(first, 'early\n');
      const call = kubelet.requests.at(-1)!;
      await waitFor('the kubelet call to end', () => call.state === 'aborted');
    } finally {
      held.open();
      kubelet.set(NS, 'solo', 'app', { body: 'line 1\nline 2\nline 3\n' });
    }
  });

  it('presents the API server kubelet-client certificate to the kubelet', async () => {
    await api.request('GET', log('solo'));
    const last = kubelet.requests.at(-1)!;
    const expected = new X509Certificate(cluster.pki.kubeletClientCertPem);
    assert.ok(last.clientCertificate, 'a client certificate was presented');
    assert.ok(Buffer.compare(last.clientCertificate, expected.raw) === 0, 'it is the kubelet-client certificate');
    assert.equal(last.clientSubject?.CN, 'kube-apiserver-kubelet-client');
  });
});

describe('pods/log errors', () => {
  const status = async (path: string) => {
    const res = await api.request<Obj>('GET', path);
    return { code: res.status, body: res.body };
  };

  it('validates PodLogOptions: 422 Invalid, worded as upstream', async () => {
    const negative = await status(log('solo', 'tailLines=-1'));
    assert.equal(negative.code, 422);
    assert.deepEqual(negative.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'PodLogOptions "solo" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
      reason: 'Invalid',
      details: { name: 'solo', kind: 'PodLogOptions', causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'tailLines' }] },
      code: 422,
    });
    const both = await status(log('solo', 'sinceSeconds=10&sinceTime=2026-01-02T03:04:05Z'));
    assert.equal(both.code, 422);
    assert.equal(both.body['message'], 'PodLogOptions "solo" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
    assert.equal((await status(log('solo', 'limitBytes=0'))).code, 422);
    assert.equal((await status(log('solo', 'sinceSeconds=-5'))).code, 422);
    // Validation comes before the pod is looked up, as in LogREST.Get.
    assert.equal((await status(log('missing', 'tailLines=-1'))).code, 422);
    const bad = await status(log('solo', 'tailLines=many'));
    assert.equal(bad.code, 400);
    assert.equal(bad.body['reason'], 'BadRequest');
  });

  it('chooses the container as upstream: 400 when ambiguous or unknown', async () => {
    const ambiguous = await status(log('multi'));
    assert.equal(ambiguous.code, 400);
    assert.equal(ambiguous.body['reason'], 'BadRequest');
    assert.equal(ambiguous.body['message'], 'a container name must be specified for pod multi, choose one of: [setup a b]');
    const unknown = await status(log('multi', 'container=zzz'));
    assert.equal(unknown.code, 400);
    assert.equal(unknown.body['message'], 'container zzz is not valid for pod multi');
    assert.equal((await api.request('GET', log('multi', 'container=b'))).text, 'from b\n');
    assert.equal((await api.request('GET', log('multi', 'container=setup'))).text, 'from setup\n');
  });

  it('a missing pod is 404; an unscheduled one is 204 with no body (LogLocation has no location)', async () => {
    const missing = await status(log('missing'));
    assert.equal(missing.code, 404);
    assert.equal(missing.body['message'], 'pods "missing" not found');
    const pending = await api.request('GET', log('pending'));
    assert.equal(pending.status, 204);
    assert.equal(pending.text, '');
  });

  it('a missing node is 404; a node without a usable address is a reason-less 500', async () => {
    const ghost = await status(log('orphan'));
    assert.equal(ghost.code, 404);
    assert.equal(ghost.body['message'], 'nodes "ghost-node" not found');
    const addressless = await status(log('addressless'));
    assert.equal(addressless.code, 500);
    assert.equal(addressless.body['reason'], undefined);
    assert.equal(addressless.body['message'], 'no preferred addresses found; known addresses: []');
  });

  it("passes the kubelet's errors through as Statuses", async () => {
    const waiting = await status(log('failing'));
    assert.equal(waiting.code, 400);
    assert.equal(waiting.body['reason'], 'BadRequest');
    assert.equal(waiting.body['message'], 'container "app" in pod "failing" is waiting to start: ContainerCreating');
    // The stand-in knows no log for this pod's container: its 404 becomes upstream's generic NotFound.
    const unknown = await status(log('multi', 'container=a'));
    assert.equal(unknown.code, 404);
    assert.equal(unknown.body['reason'], 'NotFound');
    assert.equal(unknown.body['message'], 'the server could not find the requested resource ( pods/log multi)');
    assert.deepEqual(unknown.body['details'], { name: 'multi', kind: 'pods/log' });
  });

  it("verifies the kubelet's serving certificate unless insecureSkipTLSVerifyBackend=true", async () => {
    const refused = await status(log('guarded'));
    assert.equal(refused.code, 500);
    assert.equal(refused.body['reason'], undefined);
    assert.match(String(refused.body['message']), new RegExp(`^Get "https://127\\.0\\.0\\.1:${untrusted.port}/containerLogs/${NS}/guarded/app": `));
    assert.equal(untrusted.requests.length, 0, 'no request reached an unverified kubelet');
    const skipped = await api.request('GET', log('guarded', 'insecureSkipTLSVerifyBackend=true'));
    assert.equal(skipped.status, 200, skipped.text);
    assert.equal(skipped.text, 'guarded log\n');
    assert.equal(untrusted.requests.at(-1)!.query, '', 'insecureSkipTLSVerifyBackend is not forwarded');
  });
});
