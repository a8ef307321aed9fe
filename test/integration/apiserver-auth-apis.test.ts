/**
 * The small APIs clients call, against an API server built here on SQLite and spoken
 * to over HTTPS/HTTP2 with JSON bodies: discovery and OpenAPI entries, SelfSubjectReview
 * (`kubectl auth whoami`) for certificate, static-token and service-account users,
 * TokenRequest (`kubectl create token`) and the tokens it issues, TokenReview of valid,
 * expired, wrong-audience and orphaned tokens, the access and rules reviews
 * (`kubectl auth can-i`), and service-account issuer discovery.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiServer } from '../../src/apiserver/server.js';
import { ensureClusterPki, writeKubeconfig } from '../../src/apiserver/pki/index.js';
import type { UserInfo } from '../../src/apiserver/authn.js';
import type { Attributes, AuthorizationResult, Authorizer } from '../../src/apiserver/authz/authorizer.js';
import { AlwaysAllowAuthenticated } from '../../src/apiserver/authz/always-allow-authenticated.js';
import { openBackend } from '../../src/storage/open.js';
import type { Backend } from '../../src/storage/backend.js';
import { silentLogger } from '../../src/util/logger.js';
import { ApiClient } from '../support/api-client.js';

type Obj = Record<string, any>;

const dir = mkdtempSync(join(tmpdir(), 'skiff-test-auth-apis-'));
const STATIC_TOKEN = 'static-token-for-alice';
const alice: UserInfo = { name: 'alice', uid: 'alice-uid-1', groups: ['developers'] };
const MALLORY_TOKEN = 'static-token-for-mallory';
const mallory: UserInfo = { name: 'mallory', groups: [] };

/** Today's policy, except that mallory may only read: shows the chain and the reviews ask the authorizer in force. */
class ReadOnlyMallory implements Authorizer {
  private readonly base = new AlwaysAllowAuthenticated();
  async authorize(user: UserInfo, attributes: Attributes): Promise<AuthorizationResult> {
    if (user.name === 'mallory' && !['get', 'list', 'watch'].includes(attributes.verb) && !(attributes.resourceRequest && attributes.apiGroup.startsWith('authorization.k8s.io'))) {
      return { decision: 'deny', reason: 'mallory is read-only' };
    }
    return this.base.authorize(user, attributes);
  }
  rulesFor(user: UserInfo, namespace: string) {
    return this.base.rulesFor(user, namespace);
  }
}
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** Added to the server's clock: lets a test age tokens without waiting. */
let clockOffsetMs = 0;
let storage: Backend;
let pki: Awaited<ReturnType<typeof ensureClusterPki>>;
let server: ApiServer;
let kubeconfig: string;
let admin: ApiClient;
let anon: ApiClient;
const servers: ApiServer[] = [];

async function newServer(): Promise<ApiServer> {
  const s = new ApiServer({
    storage,
    tls: { key: pki.servingKeyPem, cert: pki.servingCertPem, ca: pki.caCertPem },
    verifyClientCertificate: (cert) => pki.verifyClientCertificate(cert),
    tokens: new Map([
      [STATIC_TOKEN, alice],
      [MALLORY_TOKEN, mallory],
    ]),
    authorizer: new ReadOnlyMallory(),
    bindAddress: '127.0.0.1',
    port: 0,
    advertiseAddress: '127.0.0.1',
    serviceCidr: '10.43.0.0/16',
    logger: silentLogger,
    now: () => new Date(Date.now() + clockOffsetMs),
    serviceAccountKeys: { privateKeyPem: pki.serviceAccountKeyPem, publicKeysPem: pki.serviceAccountPublicKeyPem },
  });
  await s.start();
  servers.push(s);
  return s;
}

before(async () => {
  pki = await ensureClusterPki(dir, { serviceIp: '10.43.0.1' });
  storage = await openBackend(`sqlite://${join(dir, 'state.db')}`);
  server = await newServer();
  kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: server.url, pki });
  admin = new ApiClient(kubeconfig);
  anon = new ApiClient(kubeconfig, { anonymous: true });
});

after(async () => {
  admin?.close();
  anon?.close();
  for (const s of servers) await s.stop();
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const whoami = (headers: Record<string, string> = {}, client = admin) =>
  client.request<Obj>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: { creationTimestamp: null }, status: { userInfo: {} } }, headers);
const tokenReview = (token: string, audiences?: string[]) =>
  admin.request<Obj>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });
const claimsOf = (token: string): Obj => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Obj;

async function createServiceAccount(namespace: string, name: string): Promise<Obj> {
  const res = await admin.request<Obj>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  assert.equal(res.status, 201, res.text);
  return res.body;
}

async function requestToken(namespace: string, name: string, spec: Obj = {}): Promise<{ status: number; body: Obj; token: string }> {
  const res = await admin.request<Obj>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  return { status: res.status, body: res.body, token: res.body['status']?.token ?? '' };
}

describe('discovery and OpenAPI', () => {
  it('lists the review kinds, serviceaccounts/token, pods/eviction and bindings, all create-only', async () => {
    const agg = await admin.request<Obj>('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    const group = (name: string) => agg.body['items'].find((g: Obj) => g.metadata.name === name);
    const resources = (name: string) => group(name).versions[0].resources as Obj[];
    const authn = resources('authentication.k8s.io');
    assert.deepEqual(authn.map((r) => r['resource']).sort(), ['selfsubjectreviews', 'tokenreviews']);
    for (const r of authn) {
      assert.deepEqual(r['verbs'], ['create']);
      assert.equal(r['scope'], 'Cluster');
    }
    const authz = resources('authorization.k8s.io');
    assert.deepEqual(authz.map((r) => r['resource']).sort(), ['localsubjectaccessreviews', 'selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews']);
    assert.equal(authz.find((r) => r['resource'] === 'localsubjectaccessreviews')!['scope'], 'Namespaced');

    const core = await admin.request<Obj>('GET', '/api/v1');
    const byName = new Map<string, Obj>(core.body['resources'].map((r: Obj) => [r['name'], r]));
    assert.deepEqual(byName.get('serviceaccounts/token')!['verbs'], ['create']);
    assert.equal(byName.get('serviceaccounts/token')!['kind'], 'TokenRequest');
    assert.equal(byName.get('serviceaccounts/token')!['group'], 'authentication.k8s.io');
    assert.deepEqual(byName.get('pods/eviction')!['verbs'], ['create']);
    assert.equal(byName.get('pods/eviction')!['group'], 'policy');
    assert.deepEqual(byName.get('bindings')!['verbs'], ['create']);
    assert.deepEqual(byName.get('pods/binding')!['verbs'], ['create']);
  });

  it('serves OpenAPI v3 documents with schemas for the review kinds', async () => {
    const root = await admin.request<Obj>('GET', '/openapi/v3');
    for (const gv of ['apis/authentication.k8s.io/v1', 'apis/authorization.k8s.io/v1']) {
      const url = root.body['paths'][gv]?.serverRelativeURL as string;
      assert.ok(url, gv);
      const doc = await admin.request<Obj>('GET', url);
      assert.equal(doc.status, 200);
      const schemas = doc.body['components'].schemas as Obj;
      const kinds = gv.includes('authentication') ? ['SelfSubjectReview', 'TokenReview'] : ['SubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'LocalSubjectAccessReview'];
      for (const kind of kinds) {
        const name = `io.k8s.api.${gv.split('/')[1]!.split('.')[0]}.v1.${kind}`;
        assert.ok(schemas[name], name);
        assert.ok(schemas[name]['x-kubernetes-group-version-kind'].some((g: Obj) => g['kind'] === kind));
      }
    }
  });
});

describe('SelfSubjectReview (kubectl auth whoami)', () => {
  it('names the client-certificate user', async () => {
    const res = await whoami();
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body['kind'], 'SelfSubjectReview');
    assert.equal(res.body['apiVersion'], 'authentication.k8s.io/v1');
    assert.deepEqual(res.body['status'].userInfo, { username: 'admin', groups: ['system:masters', 'system:authenticated'] });
  });

  it('names a static-token user with uid and groups', async () => {
    const res = await whoami(bearer(STATIC_TOKEN), anon);
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body['status'].userInfo, { username: 'alice', uid: 'alice-uid-1', groups: ['developers', 'system:authenticated'] });
  });

  it('is refused to anonymous callers', async () => {
    assert.equal((await whoami({}, anon)).status, 401);
  });
});

describe('TokenRequest (kubectl create token)', () => {
  it('issues a JWT with upstream claims that authenticates as the service account', async () => {
    const sa = await createServiceAccount('default', 'builder');
    const { status, body, token } = await requestToken('default', 'builder');
    assert.equal(status, 201, JSON.stringify(body));
    assert.equal(body['kind'], 'TokenRequest');
    assert.equal(body['metadata'].name, 'builder');
    assert.deepEqual(body['spec'].audiences, [ISSUER]);
    assert.equal(body['spec'].expirationSeconds, 3600);
    const claims = claimsOf(token);
    assert.equal(claims['iss'], ISSUER);
    assert.equal(claims['sub'], 'system:serviceaccount:default:builder');
    assert.deepEqual(claims['aud'], [ISSUER]);
    assert.equal(claims['exp'] - claims['iat'], 3600);
    assert.equal(claims['nbf'], claims['iat']);
    assert.match(claims['jti'], /^[0-9a-f-]{36}$/);
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'default', serviceaccount: { name: 'builder', uid: sa['metadata'].uid } });
    assert.equal(Date.parse(body['status'].expirationTimestamp) / 1000, claims['exp']);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Obj;
    assert.equal(header['alg'], 'ES256');
    assert.ok(header['kid']);

    const me = await whoami(bearer(token), anon);
    assert.equal(me.status, 201, me.text);
    assert.equal(me.body['status'].userInfo.username, 'system:serviceaccount:default:builder');
    assert.equal(me.body['status'].userInfo.uid, sa['metadata'].uid);
    assert.deepEqual(me.body['status'].userInfo.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.deepEqual(me.body['status'].userInfo.extra, { 'authentication.kubernetes.io/credential-id': [`JTI=${claims['jti']}`] });

    // The token works for ordinary API calls too.
    const pods = await anon.request<Obj>('GET', '/api/v1/namespaces/default/pods', undefined, bearer(token));
    assert.equal(pods.status, 200, pods.text);
    assert.equal(pods.body['kind'], 'PodList');
  });

  it('honours expirationSeconds and audiences, and refuses what upstream refuses', async () => {
    await createServiceAccount('default', 'ranger');
    const long = await requestToken('default', 'ranger', { expirationSeconds: 7200, audiences: ['vault'] });
    assert.equal(long.status, 201);
    const claims = claimsOf(long.token);
    assert.equal(claims['exp'] - claims['iat'], 7200);
    assert.deepEqual(claims['aud'], ['vault']);
    // Not meant for the API server: refused there.
    assert.equal((await anon.request('GET', '/api/v1/namespaces/default/pods', undefined, bearer(long.token))).status, 401);

    const short = await requestToken('default', 'ranger', { expirationSeconds: 599 });
    assert.equal(short.status, 422);
    assert.equal(short.body['reason'], 'Invalid');
    assert.match(short.body['message'], /spec\.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes/);

    const missing = await requestToken('default', 'nobody');
    assert.equal(missing.status, 404);
    assert.equal(missing.body['message'], 'serviceaccounts "nobody" not found');

    const wrongKind = await requestToken('default', 'ranger', { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'x' } });
    assert.equal(wrongKind.status, 400);
    assert.match(wrongKind.body['message'], /cannot bind token to object of type/);
  });

  it('binds a token to a pod: its claims name the pod, and deleting the pod invalidates it', async () => {
    await createServiceAccount('default', 'runner');
    const pod = await admin.request<Obj>('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'runner-pod' },
      spec: { serviceAccountName: 'runner', containers: [{ name: 'c', image: 'busybox' }] },
    });
    assert.equal(pod.status, 201, pod.text);
    const podUid = pod.body['metadata'].uid as string;
    const otherSa = await requestToken('default', 'builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod' } });
    assert.equal(otherSa.status, 400);
    const badUid = await requestToken('default', 'runner', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod', uid: 'not-the-uid' } });
    assert.equal(badUid.status, 409);

    const { status, token } = await requestToken('default', 'runner', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod', uid: podUid } });
    assert.equal(status, 201);
    assert.deepEqual(claimsOf(token)['kubernetes.io'].pod, { name: 'runner-pod', uid: podUid });
    const review = await tokenReview(token);
    assert.equal(review.body['status'].authenticated, true);
    assert.deepEqual(review.body['status'].user.extra['authentication.kubernetes.io/pod-name'], ['runner-pod']);
    assert.deepEqual(review.body['status'].user.extra['authentication.kubernetes.io/pod-uid'], [podUid]);

    // The kubelet's 3607 s pod-bound request is valid for a year and warned about after the hour;
    // the status still reports the hour. Another lifetime, or a foreign audience, is not extended.
    const before = Date.now() + clockOffsetMs;
    const kubelet = await requestToken('default', 'runner', { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod', uid: podUid } });
    assert.equal(kubelet.status, 201);
    const kc = claimsOf(kubelet.token);
    assert.equal((kc['exp'] as number) - (kc['iat'] as number), 365 * 24 * 3600);
    assert.equal(kc['kubernetes.io'].warnafter, (kc['iat'] as number) + 3607);
    const reported = Date.parse(kubelet.body['status'].expirationTimestamp as string);
    assert.ok(Math.abs(reported - (before + 3607_000)) < 5_000, `expirationTimestamp ${kubelet.body['status'].expirationTimestamp}`);
    clockOffsetMs += 2 * 3600_000;
    try {
      assert.equal((await tokenReview(kubelet.token)).body['status'].authenticated, true, 'still valid after the requested hour');
    } finally {
      clockOffsetMs -= 2 * 3600_000;
    }
    const plain = claimsOf((await requestToken('default', 'runner', { expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod' } })).token);
    assert.equal((plain['exp'] as number) - (plain['iat'] as number), 3600);
    assert.equal(plain['kubernetes.io'].warnafter, undefined);
    const foreign = claimsOf((await requestToken('default', 'runner', { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'runner-pod' } })).token);
    assert.equal((foreign['exp'] as number) - (foreign['iat'] as number), 3607);

    assert.equal((await admin.request('DELETE', '/api/v1/namespaces/default/pods/runner-pod')).status, 200);
    const after = await tokenReview(token);
    assert.notEqual(after.body['status'].authenticated, true);
    assert.equal(after.body['status'].error, 'service account token has been invalidated');
  });

  it('tokens survive a restart with the same signing key', async () => {
    const { token } = await requestToken('default', 'builder');
    const restarted = await newServer();
    const config = join(dir, 'kubeconfig-restarted');
    await writeKubeconfig(config, { server: restarted.url, pki });
    const client = new ApiClient(config, { anonymous: true });
    try {
      const res = await client.request<Obj>('GET', '/api/v1/namespaces/default/serviceaccounts/builder', undefined, bearer(token));
      assert.equal(res.status, 200, res.text);
    } finally {
      client.close();
    }
  });
});

describe('TokenReview', () => {
  it('authenticates a valid token and reports user and audiences', async () => {
    const { token } = await requestToken('default', 'builder');
    const res = await tokenReview(token);
    assert.equal(res.status, 201, res.text);
    const status = res.body['status'];
    assert.equal(status.authenticated, true);
    assert.equal(status.user.username, 'system:serviceaccount:default:builder');
    assert.deepEqual(status.audiences, [ISSUER]);
    assert.equal(status.error, undefined);
  });

  it('refuses an expired token', async () => {
    const { token } = await requestToken('default', 'builder', { expirationSeconds: 600 });
    clockOffsetMs = 2 * 3600 * 1000;
    try {
      const res = await tokenReview(token);
      assert.equal(res.status, 201);
      assert.notEqual(res.body['status'].authenticated, true);
      assert.equal(res.body['status'].error, 'service account token has expired');
      assert.equal((await anon.request('GET', '/api/v1/namespaces', undefined, bearer(token))).status, 401);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('checks audiences: the asked-for ones, or the API server\'s', async () => {
    const { token } = await requestToken('default', 'builder', { audiences: ['vault', 'minio'] });
    const wrong = await tokenReview(token);
    assert.notEqual(wrong.body['status'].authenticated, true);
    assert.equal(wrong.body['status'].error, `token audiences ["vault" "minio"] is invalid for the target audiences ["${ISSUER}"]`);
    const right = await tokenReview(token, ['minio']);
    assert.equal(right.body['status'].authenticated, true);
    assert.deepEqual(right.body['status'].audiences, ['minio']);
  });

  it('refuses a token whose service account was deleted or recreated', async () => {
    await createServiceAccount('default', 'ephemeral');
    const { token } = await requestToken('default', 'ephemeral');
    assert.equal((await tokenReview(token)).body['status'].authenticated, true);
    assert.equal((await admin.request('DELETE', '/api/v1/namespaces/default/serviceaccounts/ephemeral')).status, 200);
    const deleted = await tokenReview(token);
    assert.notEqual(deleted.body['status'].authenticated, true);
    assert.equal(deleted.body['status'].error, 'serviceaccounts "ephemeral" not found');
    const again = await createServiceAccount('default', 'ephemeral');
    const recreated = await tokenReview(token);
    assert.notEqual(recreated.body['status'].authenticated, true);
    assert.match(recreated.body['status'].error, new RegExp(`service account UID \\(${again['metadata'].uid}\\) does not match claim`));
  });

  it('refuses a forged or tampered token, and answers a static token', async () => {
    const { token } = await requestToken('default', 'builder');
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = claimsOf(token);
    claims['sub'] = 'system:serviceaccount:kube-system:admin';
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assert.notEqual((await tokenReview(tampered)).body['status'].authenticated, true);
    assert.equal((await anon.request('GET', '/api/v1/namespaces', undefined, bearer(tampered))).status, 401);
    assert.notEqual((await tokenReview(`${h}.${p}.${s.slice(0, -4)}AAAA`)).body['status'].authenticated, true);
    const unknown = await tokenReview('not-a-token');
    assert.equal(unknown.status, 201);
    assert.notEqual(unknown.body['status'].authenticated, true);
    const stat = await tokenReview(STATIC_TOKEN);
    assert.equal(stat.body['status'].authenticated, true);
    assert.equal(stat.body['status'].user.username, 'alice');
  });

  it('requires a token', async () => {
    const res = await admin.request<Obj>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} });
    assert.equal(res.status, 400);
    assert.equal(res.body['message'], 'token is required for TokenReview in authentication');
  });
});

describe('access reviews (kubectl auth can-i)', () => {
  const ssar = (spec: Obj, headers: Record<string, string> = {}, client = admin) =>
    client.request<Obj>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec }, headers);

  it('SelfSubjectAccessReview: authenticated callers may do anything today', async () => {
    const res = await ssar({ resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body['status'].allowed, true);
    assert.equal(res.body['status'].denied, undefined);
    assert.equal((await ssar({ nonResourceAttributes: { path: '/healthz', verb: 'get' } }, bearer(STATIC_TOKEN), anon)).body['status'].allowed, true);
  });

  it('SubjectAccessReview asks about another subject; anonymous is not allowed', async () => {
    const sar = (spec: Obj) => admin.request<Obj>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec });
    const bob = await sar({ user: 'bob', groups: ['system:authenticated'], resourceAttributes: { verb: 'delete', resource: 'nodes' } });
    assert.equal(bob.status, 201);
    assert.equal(bob.body['status'].allowed, true);
    const anonymous = await sar({ user: 'system:anonymous', groups: ['system:unauthenticated'], resourceAttributes: { verb: 'get', resource: 'pods' } });
    assert.equal(anonymous.body['status'].allowed, false);
    const neither = await sar({ user: 'bob' });
    assert.equal(neither.status, 422);
    assert.match(neither.body['message'], /exactly one of nonResourceAttributes or resourceAttributes must be specified/);
    const nobody = await sar({ resourceAttributes: { verb: 'get', resource: 'pods' } });
    assert.equal(nobody.status, 422);
    assert.match(nobody.body['message'], /at least one of user or group must be specified/);
  });

  it('LocalSubjectAccessReview must ask about its own namespace', async () => {
    const lsar = (ns: string, attrNs: string) =>
      admin.request<Obj>('POST', `/apis/authorization.k8s.io/v1/namespaces/${ns}/localsubjectaccessreviews`, {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'LocalSubjectAccessReview',
        metadata: { namespace: ns },
        spec: { user: 'carol', resourceAttributes: { namespace: attrNs, verb: 'list', resource: 'secrets' } },
      });
    const ok = await lsar('default', 'default');
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body['status'].allowed, true);
    const mismatch = await lsar('default', 'kube-system');
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body['message'], 'spec.resourceAttributes.namespace must match namespace: default');
  });

  it('SelfSubjectRulesReview lists what the authorizer grants (kubectl auth can-i --list)', async () => {
    const ssrr = (spec: Obj) => admin.request<Obj>('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec });
    const res = await ssrr({ namespace: 'default' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.body['status'], {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
    const none = await ssrr({});
    assert.equal(none.status, 400);
    assert.equal(none.body['message'], 'no namespace on request');
  });

  it('the request chain and the reviews both ask the authorizer in force', async () => {
    const denied = await anon.request<Obj>('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'm' } }, bearer(MALLORY_TOKEN));
    assert.equal(denied.status, 403);
    assert.equal(denied.body['reason'], 'Forbidden');
    assert.equal(denied.body['message'], 'configmaps is forbidden: User "mallory" cannot create resource "configmaps" in API group "" in the namespace "default": mallory is read-only');
    assert.equal((await anon.request('GET', '/api/v1/namespaces/default/configmaps', undefined, bearer(MALLORY_TOKEN))).status, 200);
    const review = await ssar({ resourceAttributes: { namespace: 'default', verb: 'create', resource: 'configmaps' } }, bearer(MALLORY_TOKEN), anon);
    assert.equal(review.status, 201, review.text);
    assert.deepEqual(review.body['status'], { allowed: false, denied: true, reason: 'mallory is read-only' });
    const sar = await admin.request<Obj>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'mallory', resourceAttributes: { verb: 'get', resource: 'pods' } },
    });
    assert.equal(sar.body['status'].allowed, true);
  });

  it('reviews are create-only and never stored', async () => {
    assert.equal((await admin.request('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status, 405);
    assert.equal((await admin.request('GET', '/apis/authentication.k8s.io/v1/tokenreviews/x')).status, 405);
  });
});

describe('service-account issuer discovery', () => {
  it('serves the OpenID configuration and the keys that verify issued tokens', async () => {
    const config = await admin.request<Obj>('GET', '/.well-known/openid-configuration');
    assert.equal(config.status, 200);
    assert.equal(config.body['issuer'], ISSUER);
    assert.equal(config.body['jwks_uri'], `https://127.0.0.1:${server.port}/openid/v1/jwks`);
    assert.deepEqual(config.body['response_types_supported'], ['id_token']);
    assert.deepEqual(config.body['subject_types_supported'], ['public']);
    assert.deepEqual(config.body['id_token_signing_alg_values_supported'], ['ES256']);
    const jwks = await admin.request<Obj>('GET', '/openid/v1/jwks');
    assert.equal(jwks.status, 200);
    assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
    const [key] = jwks.body['keys'] as Obj[];
    assert.equal(key!['use'], 'sig');
    assert.equal(key!['alg'], 'ES256');
    assert.equal(key!['kty'], 'EC');

    const { token } = await requestToken('default', 'builder');
    const [h, p, s] = token.split('.') as [string, string, string];
    assert.equal(JSON.parse(Buffer.from(h, 'base64url').toString())['kid'], key!['kid']);
    const publicKey = createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')));
  });
});
