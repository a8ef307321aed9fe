/**
 * Indexed Jobs with per-index failure budgets and early success, on an in-process
 * cluster (API server on SQLite in a temp dir) with the node simulator binding pods and
 * marking them Running, and the test ending them as a kubelet would:
 * backoffLimitPerIndex with the failure-count annotation and status.failedIndexes,
 * maxFailedIndexes, the FailIndex podFailurePolicy action, successPolicy, and the API's
 * refusals of invalid combinations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { ApiError } from '../../src/api/errors.js';
import { RESOURCE_TYPES, type Client, type RunningController } from '../../src/client/index.js';
import { startJobController } from '../../src/controllers/job/job-controller.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { jobHelpers, jobManifest } from '../support/job-helpers.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const INDEX = 'batch.kubernetes.io/job-completion-index';
const FAILURES = 'batch.kubernetes.io/job-index-failure-count';
let cluster: InProcessCluster;
let client: Client;
let sim: NodeSimulator;
const controllers: RunningController[] = [];

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-job-per-index' });
  client = cluster.client;
  const informers = cluster.informers;
  // Failure backoff and event batching shortened from upstream's 10 s and 1 s so the tests do not wait them out.
  controllers.push(startJobController({ client, informers, logger: silentLogger, podFailureBackoffMs: 20, maxPodFailureBackoffMs: 100, syncBatchPeriodMs: 10 }));
  informers.start();
  for (const c of controllers) assert.equal(await c.started, true);
  sim = await NodeSimulator.start({ client, nodes: 2, bind: true });
});

after(async () => {
  await sim?.stop();
  for (const c of controllers) await c.stop();
  await cluster?.stop();
});

const indexedJob = (name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job => jobManifest(NS, name, { completionMode: 'Indexed', ...spec });

const { getJob, condition, podsOf, finish, finished } = jobHelpers(() => ({ client, sim }), NS);
const indexOf = (p: Pod) => p.metadata?.annotations?.[INDEX];

const isRunning = (p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;

/** The running pod of `index`, other than those named in `not`. */
async function runningAt(name: string, index: number, not: Pod[] = []): Promise<Pod> {
  const skip = new Set(not.map((p) => p.metadata!.name));
  return waitFor(`a running pod of ${name} index ${index}`, async () => (await podsOf(name)).find((p) => isRunning(p) && indexOf(p) === String(index) && !skip.has(p.metadata!.name)));
}

describe('Job backoffLimitPerIndex', () => {
  it('retries an index up to its own limit, then fails it and, once all indexes finished, the Job (FailedIndexes)', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('budget', { completions: 3, parallelism: 3, backoffLimitPerIndex: 1 }));
    const [p0, p1, p2] = [await runningAt('budget', 0), await runningAt('budget', 1), await runningAt('budget', 2)];
    assert.equal(p1.metadata?.annotations?.[FAILURES], '0', 'the first pod of an index has no failures behind it');
    assert.equal((await getJob('budget')).spec?.backoffLimit, 2147483647, 'backoffLimit defaults to MaxInt32 with backoffLimitPerIndex');
    await finish(p0, 'succeed');
    await finish(p2, 'succeed');
    await finish(p1, 'fail');
    const retry = await runningAt('budget', 1, [p1]);
    assert.equal(retry.metadata?.annotations?.[FAILURES], '1', 'the replacement carries the index failure count');
    const mid = await waitFor('completedIndexes 0,2', async () => {
      const j = await getJob('budget');
      return j.status?.completedIndexes === '0,2' && j;
    });
    assert.equal(mid.status?.failedIndexes, '', 'no index failed yet');
    assert.equal(condition(mid, 'Failed'), undefined);
    await finish(retry, 'fail');
    const failed = await finished('budget', 'Failed');
    assert.equal(failed.status?.failedIndexes, '1');
    assert.equal(failed.status?.completedIndexes, '0,2');
    assert.equal(condition(failed, 'FailureTarget')?.reason, 'FailedIndexes');
    assert.equal(condition(failed, 'Failed')?.reason, 'FailedIndexes');
    assert.equal(condition(failed, 'Failed')?.message, 'Job has failed indexes');
    assert.equal(failed.status?.failed, 2);
    assert.equal(failed.status?.succeeded, 2);
    assert.equal((await podsOf('budget')).length, 4, 'index 1 ran twice and no more');
  });

  it('fails the Job with MaxFailedIndexesExceeded on the first exhausted index past maxFailedIndexes, stopping the others', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('strict', { completions: 3, parallelism: 3, backoffLimitPerIndex: 0, maxFailedIndexes: 0 }));
    const p0 = await runningAt('strict', 0);
    await runningAt('strict', 1);
    await runningAt('strict', 2);
    await finish(p0, 'fail');
    const failed = await finished('strict', 'Failed');
    assert.equal(condition(failed, 'Failed')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(condition(failed, 'FailureTarget')?.reason, 'MaxFailedIndexesExceeded');
    assert.equal(failed.status?.failedIndexes, '0');
    assert.equal(failed.status?.active ?? 0, 0);
    assert.equal(failed.status?.failed, 3, 'the stopped pods count as failed');
    await waitFor('the other indexes stopped', async () => (await podsOf('strict')).every((p) => !isRunning(p)));
    assert.equal((await podsOf('strict')).filter((p) => indexOf(p) === '0').length, 1, 'index 0 was not retried');
  });

  it('fails an index at once on a FailIndex podFailurePolicy rule', async () => {
    await client.create<Job>(
      RESOURCE_TYPES.jobs,
      indexedJob('failindex', {
        completions: 2,
        parallelism: 2,
        backoffLimitPerIndex: 3,
        podReplacementPolicy: 'Failed',
        podFailurePolicy: { rules: [{ action: 'FailIndex', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } }] },
      }),
    );
    const p0 = await runningAt('failindex', 0);
    const p1 = await runningAt('failindex', 1);
    await finish(p0, 'fail', 42);
    const mid = await waitFor('failedIndexes 0', async () => {
      const j = await getJob('failindex');
      return j.status?.failedIndexes === '0' && j;
    });
    assert.equal(condition(mid, 'Failed'), undefined, 'index 1 still runs');
    await finish(p1, 'succeed');
    const failed = await finished('failindex', 'Failed');
    assert.equal(condition(failed, 'Failed')?.reason, 'FailedIndexes');
    assert.equal(failed.status?.completedIndexes, '1');
    assert.equal((await podsOf('failindex')).length, 2, 'the failed index got no replacement, despite 3 retries left');
  });
});

describe('Job successPolicy', () => {
  it('completes once succeededIndexes succeeded, deleting the pods of the other indexes', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('early', { completions: 3, parallelism: 3, successPolicy: { rules: [{ succeededIndexes: '0' }] } }));
    const p0 = await runningAt('early', 0);
    const others = [await runningAt('early', 1), await runningAt('early', 2)];
    await finish(p0, 'succeed');
    const done = await finished('early', 'Complete');
    const met = condition(done, 'SuccessCriteriaMet');
    assert.deepEqual([met?.reason, met?.message], ['SuccessPolicy', 'Matched rules at index 0']);
    assert.equal(condition(done, 'Complete')?.reason, 'SuccessPolicy');
    assert.equal(done.status?.completedIndexes, '0');
    assert.equal(done.status?.succeeded, 1);
    assert.equal(done.status?.active ?? 0, 0);
    assert.ok(done.status?.completionTime);
    const names = new Set(others.map((p) => p.metadata!.name));
    await waitFor('the other pods deleted', async () => !(await podsOf('early')).some((p) => names.has(p.metadata!.name)));
  });
});

describe('Job validation of per-index fields', () => {
  /** The field paths of a create's 422, failing the test if it was accepted or refused otherwise. */
  async function refusedFields(name: string, spec: Partial<NonNullable<Job['spec']>>): Promise<string[]> {
    try {
      await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob(name, spec));
    } catch (err) {
      assert.ok(err instanceof ApiError, String(err));
      assert.equal(err.code, 422, err.message);
      assert.equal(err.reason, 'Invalid');
      return (err.details?.causes ?? []).map((c) => c.field ?? '');
    }
    assert.fail(`${name} was accepted`);
  }

  it('refuses backoffLimitPerIndex and maxFailedIndexes outside their rules', async () => {
    assert.deepEqual(await refusedFields('v-nonindexed', { completionMode: 'NonIndexed', backoffLimitPerIndex: 1, maxFailedIndexes: 0 }), ['spec.backoffLimitPerIndex', 'spec.maxFailedIndexes']);
    assert.deepEqual(await refusedFields('v-negative', { completions: 2, backoffLimitPerIndex: -1 }), ['spec.backoffLimitPerIndex']);
    assert.deepEqual(await refusedFields('v-no-limit', { completions: 2, maxFailedIndexes: 1 }), ['spec.backoffLimitPerIndex']);
    assert.deepEqual(await refusedFields('v-too-many', { completions: 2, backoffLimitPerIndex: 1, maxFailedIndexes: 3 }), ['spec.maxFailedIndexes']);
    assert.deepEqual(await refusedFields('v-huge', { completions: 200_000, parallelism: 1, backoffLimitPerIndex: 1 }), ['spec.maxFailedIndexes']);
  });

  it('refuses FailIndex without backoffLimitPerIndex', async () => {
    const podFailurePolicy = { rules: [{ action: 'Count', onExitCodes: { operator: 'In', values: [1] } }, { action: 'FailIndex', onExitCodes: { operator: 'In', values: [2] } }] };
    assert.deepEqual(await refusedFields('v-failindex', { completions: 2, podReplacementPolicy: 'Failed', podFailurePolicy }), ['spec.podFailurePolicy.rules[1].action']);
  });

  it('refuses podFailurePolicy rules as upstream words it, and accepts a valid policy', async () => {
    try {
      await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('v-pfp', { completions: 2, podFailurePolicy: { rules: [{ action: 'FailJob' } as never] } }));
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof ApiError && err.code === 422, String(err));
      assert.match(err.message, /Job\.batch "v-pfp" is invalid: spec\.podFailurePolicy\.rules\[0\]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required$/);
    }
    const valid = { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }, { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'NotIn', values: [0, 3] } }] };
    assert.deepEqual(await refusedFields('v-pfp-count', { completions: 2, podFailurePolicy: { rules: [...valid.rules, { action: 'Bogus', onExitCodes: { operator: 'In', values: [2, 1, 1, 0] } }] } }), [
      'spec.podFailurePolicy.rules[2].action',
      'spec.podFailurePolicy.rules[2].onExitCodes.values[2]',
      'spec.podFailurePolicy.rules[2].onExitCodes.values[3]',
      'spec.podFailurePolicy.rules[2].onExitCodes.values',
    ]);
    await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('v-pfp-ok', { completions: 2, podFailurePolicy: valid }));
    await client.delete(RESOURCE_TYPES.jobs, 'v-pfp-ok', { namespace: 'default', propagationPolicy: 'Background' });
  });

  it('refuses a successPolicy that is not for an Indexed Job or whose rules cannot hold', async () => {
    assert.deepEqual(await refusedFields('v-sp-mode', { completionMode: 'NonIndexed', completions: 2, successPolicy: { rules: [{ succeededCount: 1 }] } }), ['spec.successPolicy']);
    assert.deepEqual(await refusedFields('v-sp-empty', { completions: 2, successPolicy: { rules: [] } }), ['spec.successPolicy.rules']);
    const rules = Array.from({ length: 21 }, () => ({ succeededCount: 1 }));
    assert.deepEqual(await refusedFields('v-sp-21', { completions: 2, successPolicy: { rules } }), ['spec.successPolicy.rules']);
    assert.deepEqual(await refusedFields('v-sp-none', { completions: 2, successPolicy: { rules: [{}] } }), ['spec.successPolicy.rules[0]']);
    assert.deepEqual(
      await refusedFields('v-sp-bad', { completions: 4, successPolicy: { rules: [{ succeededIndexes: '0,4' }, { succeededIndexes: '2,1' }, { succeededIndexes: '0-1', succeededCount: 3 }, { succeededCount: 5 }] } }),
      ['spec.successPolicy.rules[0].succeededIndexes', 'spec.successPolicy.rules[1].succeededIndexes', 'spec.successPolicy.rules[2].succeededCount', 'spec.successPolicy.rules[3].succeededCount'],
    );
  });

  it('keeps successPolicy immutable', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, indexedJob('v-immutable', { completions: 2, suspend: true, successPolicy: { rules: [{ succeededCount: 1 }] } }));
    await assert.rejects(
      client.patch(RESOURCE_TYPES.jobs, 'v-immutable', 'merge', { spec: { successPolicy: { rules: [{ succeededCount: 2 }] } } }, { namespace: NS }),
      (err: unknown) => err instanceof ApiError && err.code === 422 && (err.details?.causes ?? []).some((c) => c.field === 'spec.successPolicy'),
    );
  });
});
