/**
 * The client suites again with etcd as the datastore: the kubectl suites (writes,
 * protobuf creates, server-side apply, the other imperative commands, rollouts, auth),
 * the Python client and @kubernetes/client-node run in a child test process with SKIFF_E2E_DATASTORE=etcd, so
 * every server they start (in-process or as a process) stores in an etcd of its own on loopback.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { requireEtcd } from '../support/etcd-server.js';
import { REPO_ROOT } from '../support/skiff-server.js';

const SUITES = [
  'test/e2e/kubectl-write.test.ts',
  'test/e2e/kubectl-server-side-apply.test.ts',
  'test/e2e/kubectl-create-more.test.ts',
  'test/e2e/kubectl-rollout.test.ts',
  'test/e2e/kubectl-auth.test.ts',
  'test/e2e/python-client.test.ts',
  'test/e2e/client-node.test.ts',
];

describe('client suites on etcd', { skip: !requireEtcd() }, () => {
  it('kubectl and the Python client pass against a server storing in etcd', async () => {
    // A child of a test file is told so through NODE_TEST_CONTEXT and would refuse to run files.
    const env: NodeJS.ProcessEnv = { ...process.env, SKIFF_E2E_DATASTORE: 'etcd', SKIFF_LOG_LEVEL: 'silent' };
    delete env['NODE_TEST_CONTEXT'];
    const result = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=600000', '--test-force-exit', ...SUITES.map((s) => join(REPO_ROOT, s))], {
        cwd: REPO_ROOT,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code, output }));
    });
    const failures = result.output.split('\n').filter((l) => /^\s*not ok /.test(l));
    assert.equal(result.code, 0, `suites failed on etcd:\n${failures.join('\n')}\n\n${result.output.slice(-8000)}`);
    assert.match(result.output, /^# pass [1-9]/m);
    assert.match(result.output, /^# fail 0$/m);
  });
});
