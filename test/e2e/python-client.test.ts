/**
 * The official Python client (Debian package python3-kubernetes) against Skiff: the
 * script in clients/python_suite.py runs CRUD, patches, selector lists and a watch
 * stream, and the test checks what it left in the store. Locally a machine without the
 * package skips loudly; under CI=true a missing client is a failure (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, startSkiff, type SkiffEnv } from '../support/skiff-server.js';
import { getJson } from '../support/e2e-fixtures.js';
import { pythonClientMissing, runPython } from '../support/python-client.js';

const missing = pythonClientMissing();
if (missing && process.env['CI'] === 'true') throw new Error(`CI=true but the Python kubernetes client is missing: ${missing}`);
if (missing) console.warn(`SKIPPING python client suite: ${missing}`);

describe('python kubernetes client', { skip: missing }, () => {
  let env: SkiffEnv;
  before(async () => {
    env = await startSkiff('python');
  });
  after(async () => {
    await env?.stop();
  });

  it('CRUD, patch, selectors and watch.stream work as against upstream', async () => {
    const result = await runPython(join(REPO_ROOT, 'test/e2e/clients/python_suite.py'), [env.kubeconfig, 'py-suite']);
    assert.equal(result.code, 0, `python suite failed:\n${result.stdout}\n${result.stderr}`);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { ok: boolean; checks: string[] };
    assert.ok(summary.ok);
    assert.ok(summary.checks.length >= 19, summary.checks.join(', '));
    const cm = await getJson(env.kubectl, ['configmap', 'py-cm', '-n', 'py-suite']);
    assert.deepEqual(cm.data, { k: 'v2', extra: '2' });
    const dep = await getJson(env.kubectl, ['deployment', 'py-web', '-n', 'py-suite']);
    assert.equal(dep.spec.replicas, 3);
  });
});
