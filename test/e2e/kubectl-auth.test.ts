/**
 * The small APIs with the real kubectl: `auth whoami`, `auth can-i` (one action and
 * `--list`), `create token` (and using the token it prints), and `drain` / `cordon` /
 * `uncordon`, whose evictions honour a PodDisruptionBudget. whoami, can-i and
 * create token send protobuf bodies. Each step checks what the server stored or
 * answered, not only the exit code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { applyFixture, fails, getJson, namespaceManifest, ok, tableRows } from '../support/e2e-fixtures.js';

let env: SkiffEnv;
const NS = 'e2e-auth';

before(async () => {
  env = await startSkiff('auth');
  await applyFixture(env.kubectl, ['-f', '-'], namespaceManifest([NS]));
  await applyFixture(env.kubectl, ['-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }));
});
after(async () => {
  await env?.stop();
});

const run = (args: string[]) => env.kubectl.run(args);
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;

describe('kubectl auth', () => {
  it('whoami names the admin certificate user', async () => {
    const rows = tableRows(ok(await run(['auth', 'whoami'])).stdout);
    assert.deepEqual(rows[0], ['ATTRIBUTE', 'VALUE']);
    assert.deepEqual(rows.find((r) => r[0] === 'Username'), ['Username', 'admin']);
    assert.deepEqual(rows.find((r) => r[0] === 'Groups'), ['Groups', '[system:masters system:authenticated]']);
    const json = JSON.parse(ok(await run(['auth', 'whoami', '-o', 'json'])).stdout) as Record<string, any>;
    assert.equal(json['kind'], 'SelfSubjectReview');
    assert.equal(json['status'].userInfo.username, 'admin');
  });

  it('can-i answers yes for what the authorizer allows', async () => {
    assert.equal(ok(await run(['auth', 'can-i', 'create', 'pods', '-n', NS])).stdout.trim(), 'yes');
    assert.equal(ok(await run(['auth', 'can-i', 'delete', 'nodes'])).stdout.trim(), 'yes');
    assert.equal(ok(await run(['auth', 'can-i', 'get', '/healthz'])).stdout.trim(), 'yes');
  });

  it('can-i --list shows the rules (everything, today)', async () => {
    const rows = tableRows(ok(await run(['auth', 'can-i', '--list', '-n', NS])).stdout);
    assert.deepEqual(rows[0], ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    assert.ok(rows.some((r) => r[0] === '*.*' && r[3] === '[*]'), JSON.stringify(rows));
    // The non-resource row has an empty first cell, which the row split drops.
    assert.ok(rows.some((r) => r.join(' ') === '[*] [] [*]'), JSON.stringify(rows));
  });
});

describe('kubectl create token', () => {
  it('prints a token for the service account that the server accepts', async () => {
    const token = ok(await run(['create', 'token', 'robot', '-n', NS])).stdout.trim();
    const sa = await getJson(env.kubectl, ['serviceaccount', 'robot', '-n', NS]);
    const claims = claimsOf(token);
    assert.equal(claims['sub'], `system:serviceaccount:${NS}:robot`);
    assert.equal(claims['kubernetes.io'].serviceaccount.uid, sa.metadata.uid);
    assert.equal(claims['exp'] - claims['iat'], 3600);
    const rows = tableRows(ok(await run(['--token', token, 'auth', 'whoami'])).stdout);
    assert.deepEqual(rows.find((r) => r[0] === 'Username'), ['Username', `system:serviceaccount:${NS}:robot`]);
    ok(await run(['--token', token, 'get', 'pods', '-n', NS]));
  });

  it('honours --duration and --audience, and refuses a missing service account', async () => {
    const token = ok(await run(['create', 'token', 'robot', '-n', NS, '--duration', '20m', '--audience', 'vault'])).stdout.trim();
    const claims = claimsOf(token);
    assert.equal(claims['exp'] - claims['iat'], 1200);
    assert.deepEqual(claims['aud'], ['vault']);
    assert.match(fails(await run(['create', 'token', 'ghost', '-n', NS])), /serviceaccounts "ghost" not found/);
  });
});

describe('kubectl drain, cordon and uncordon', () => {
  const NODE = 'e2e-auth-node';
  const podManifest = (name: string, app: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app } },
    spec: { nodeName: NODE, containers: [{ name: 'c', image: 'busybox' }] },
  });
  const running = JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } });
  const exists = async (name: string) => (await run(['get', 'pod', name, '-n', NS, '-o', 'name'])).code === 0;

  it('evicts pods, stops at a disruption budget with upstream\'s message, and marks the node unschedulable', async () => {
    await applyFixture(env.kubectl, ['-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } }));
    await applyFixture(env.kubectl, ['-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [podManifest('free', 'free'), podManifest('kept', 'kept')] }));
    for (const p of ['free', 'kept']) ok(await run(['patch', 'pod', p, '-n', NS, '--subresource=status', '--type=merge', '-p', running]));
    await applyFixture(env.kubectl, ['-f', '-'], JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'kept-pdb', namespace: NS }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'kept' } } } }));
    const pdb = await getJson(env.kubectl, ['pdb', 'kept-pdb', '-n', NS]);
    const status = { observedGeneration: pdb.metadata.generation ?? 1, disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 };
    ok(await run(['patch', 'pdb', 'kept-pdb', '-n', NS, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]));

    const blocked = await run(['drain', NODE, '--force', '--grace-period=0', '--timeout=8s']);
    assert.notEqual(blocked.code, 0);
    assert.match(blocked.stderr, /Cannot evict pod as it would violate the pod's disruption budget/);
    assert.equal(await exists('free'), false);
    assert.equal(await exists('kept'), true);
    assert.equal((await getJson(env.kubectl, ['node', NODE])).spec.unschedulable, true);

    ok(await run(['delete', 'pdb', 'kept-pdb', '-n', NS]));
    const drained = ok(await run(['drain', NODE, '--force', '--grace-period=0', '--timeout=30s']));
    assert.match(drained.stdout, /pod\/kept evicted/);
    assert.match(drained.stdout, new RegExp(`node/${NODE} drained`));
    assert.equal(await exists('kept'), false);

    ok(await run(['uncordon', NODE]));
    assert.notEqual((await getJson(env.kubectl, ['node', NODE])).spec?.unschedulable, true);
    ok(await run(['cordon', NODE]));
    assert.equal((await getJson(env.kubectl, ['node', NODE])).spec.unschedulable, true);
  });
});
