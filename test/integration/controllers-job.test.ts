/**
 * The Job and TTL-after-finished controllers on an in-process cluster (API server on
 * SQLite in a temp dir), with the node simulator binding pods and marking them Running,
 * and the test marking them Succeeded or Failed as a kubelet would: completions with
 * parallelism, work-queue Jobs, backoffLimit, Indexed Jobs, activeDeadlineSeconds,
 * suspend and resume, podFailurePolicy, and deletion after ttlSecondsAfterFinished
 * (with the garbage collector, for the Foreground deletion).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCE_TYPES, isNotFound, type Client, type RunningController } from '../../src/client/index.js';
import { startGarbageCollector } from '../../src/controllers/garbage-collector/garbage-collector.js';
import { startJobController } from '../../src/controllers/job/job-controller.js';
import { startTtlAfterFinishedController } from '../../src/controllers/ttl-after-finished/ttl-after-finished-controller.js';
import { silentLogger } from '../../src/util/logger.js';
import { NodeSimulator } from '../support/node-simulator.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { jobHelpers, jobManifest } from '../support/job-helpers.js';
import { waitFor } from '../support/wait.js';

const NS = 'default';
const FINALIZER = 'batch.kubernetes.io/job-tracking';
let cluster: InProcessCluster;
let client: Client;
let sim: NodeSimulator;
const controllers: RunningController[] = [];

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-job' });
  client = cluster.client;
  const informers = cluster.informers;
  controllers.push(
    // Failure backoff and event batching shortened from upstream's 10 s and 1 s so the tests do not wait them out.
    startJobController({ client, informers, logger: silentLogger, podFailureBackoffMs: 20, maxPodFailureBackoffMs: 100, syncBatchPeriodMs: 10 }),
    startTtlAfterFinishedController({ client, informers, logger: silentLogger }),
    startGarbageCollector({ client, informers, logger: silentLogger }),
  );
  informers.start();
  for (const c of controllers) assert.equal(await c.started, true);
  sim = await NodeSimulator.start({ client, nodes: 2, bind: true });
});

after(async () => {
  await sim?.stop();
  for (const c of controllers) await c.stop();
  await cluster?.stop();
});

const job = (name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job => jobManifest(NS, name, spec);

const { getJob, condition, podsOf, finish, finished } = jobHelpers(() => ({ client, sim }), NS);

const isRunning = (p: Pod) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;

/** Pods of the job the simulator has started, waiting for at least `min` of them. */
async function running(name: string, min = 1): Promise<Pod[]> {
  return waitFor(`${min} running pods of ${name}`, async () => {
    const pods = (await podsOf(name)).filter(isRunning);
    return pods.length >= min && pods;
  });
}

describe('Job controller', () => {
  it('completes after `completions` successes, never running more than `parallelism` pods', async () => {
    const created = await client.create<Job>(RESOURCE_TYPES.jobs, job('three', { completions: 3, parallelism: 2 }));
    let maxActive = 0;
    let succeeded = 0;
    while (succeeded < 3) {
      const pods = await running('three');
      const live = (await podsOf('three')).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '') && !p.metadata?.deletionTimestamp);
      maxActive = Math.max(maxActive, live.length);
      await finish(pods[0]!, 'succeed');
      succeeded++;
      if (succeeded < 3) await waitFor('the next pod', async () => (await podsOf('three')).filter(isRunning).length >= Math.min(2, 3 - succeeded));
    }
    const done = await finished('three', 'Complete');
    assert.ok(maxActive <= 2, `at most 2 active, saw ${maxActive}`);
    assert.equal(done.status?.succeeded, 3);
    assert.equal(done.status?.failed ?? 0, 0);
    assert.equal(done.status?.active ?? 0, 0);
    assert.equal(condition(done, 'SuccessCriteriaMet')?.reason, 'CompletionsReached');
    assert.equal(condition(done, 'Complete')?.reason, 'CompletionsReached');
    assert.ok(done.status?.startTime && done.status.completionTime);
    const pods = await podsOf('three');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.equal(p.status?.phase, 'Succeeded');
      assert.ok(!p.metadata?.finalizers?.includes(FINALIZER), 'the tracking finalizer is removed once counted');
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/controller-uid'], created.metadata!.uid);
      assert.equal(p.metadata?.labels?.['controller-uid'], created.metadata!.uid);
      assert.equal(p.metadata?.labels?.['job-name'], 'three');
      assert.deepEqual(p.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.controller]), [['Job', 'three', true]]);
    }
  });

  it('runs a work queue (completions unset) until one pod succeeded and the rest finished', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('queue', { parallelism: 2 }));
    const [a, b] = await running('queue', 2);
    await finish(a!, 'succeed');
    await waitFor('succeeded counted', async () => (await getJob('queue')).status?.succeeded === 1);
    const mid = await getJob('queue');
    assert.equal(condition(mid, 'Complete'), undefined, 'not complete while a pod still runs');
    assert.equal((await podsOf('queue')).length, 2, 'no new pod after the first success');
    await finish(b!, 'succeed');
    const done = await finished('queue', 'Complete');
    assert.equal(done.status?.succeeded, 2);
  });

  it('fails with BackoffLimitExceeded after backoffLimit + 1 failed pods', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('flaky', { backoffLimit: 2 }));
    for (let i = 0; i < 3; i++) {
      const seen = new Set((await podsOf('flaky')).filter((p) => p.status?.phase === 'Failed').map((p) => p.metadata!.name));
      const pod = (await running('flaky')).find((p) => !seen.has(p.metadata!.name))!;
      await finish(pod, 'fail');
      if (i < 2) await waitFor('a replacement', async () => (await podsOf('flaky')).some((p) => p.metadata!.name !== pod.metadata!.name && !seen.has(p.metadata!.name) && isRunning(p)));
    }
    const failed = await finished('flaky', 'Failed');
    assert.equal(condition(failed, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(failed, 'FailureTarget')?.reason, 'BackoffLimitExceeded');
    assert.equal(failed.status?.failed, 3);
    assert.equal(failed.status?.completionTime, undefined);
    assert.equal((await podsOf('flaky')).length, 3);
  });

  it('runs each index of an Indexed Job until it succeeds once', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    const pods = await running('idx', 3);
    const byIndex = new Map(pods.map((p) => [p.metadata!.annotations!['batch.kubernetes.io/job-completion-index']!, p]));
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    for (const [i, p] of byIndex) {
      assert.equal(p.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], i);
      assert.equal(p.spec?.hostname, `idx-${i}`);
      assert.match(p.metadata!.name!, new RegExp(`^idx-${i}-[a-z0-9]{5}$`));
      assert.deepEqual(p.spec?.containers[0]?.env?.find((e) => e.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    }
    await finish(byIndex.get('0')!, 'succeed');
    await finish(byIndex.get('1')!, 'fail');
    const retry = await waitFor('index 1 again', async () =>
      (await podsOf('idx')).find((p) => isRunning(p) && p.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'] === '1' && p.metadata.name !== byIndex.get('1')!.metadata!.name),
    );
    await waitFor('completedIndexes 0', async () => (await getJob('idx')).status?.completedIndexes === '0');
    await finish(byIndex.get('2')!, 'succeed');
    await finish(retry, 'succeed');
    const done = await finished('idx', 'Complete');
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.equal(done.status?.succeeded, 3);
    assert.equal(done.status?.failed, 1);
    assert.equal((await podsOf('idx')).length, 4, 'index 0 and 2 ran once, index 1 twice');
  });

  it('fails with DeadlineExceeded past activeDeadlineSeconds, deleting its pods', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('slow', { activeDeadlineSeconds: 1, parallelism: 2, completions: 2 }));
    // Not waiting for the pods to run: on a loaded machine the deadline can pass before the
    // simulator starts them, and a pod still pending when it does is stopped and counted alike.
    // failed === 2 below proves both pods were created and stopped by the deadline.
    await waitFor('2 pods of slow', async () => (await podsOf('slow')).length >= 2 || condition(await getJob('slow'), 'Failed'));
    const failed = await finished('slow', 'Failed');
    assert.equal(condition(failed, 'Failed')?.reason, 'DeadlineExceeded');
    assert.equal(failed.status?.active ?? 0, 0);
    assert.equal(failed.status?.failed, 2, 'pods stopped by the deadline count as failed');
    await waitFor('pods deleted', async () => (await podsOf('slow')).length === 0);
  });

  it('creates no pods while suspended, deletes them on suspend and restarts the clock on resume', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('nap', { suspend: true, parallelism: 2, completions: 4 }));
    const suspended = await waitFor('Suspended', async () => {
      const j = await getJob('nap');
      return condition(j, 'Suspended') && j;
    });
    assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
    assert.equal(suspended.status?.startTime, undefined);
    assert.equal((await podsOf('nap')).length, 0);

    await client.patch(RESOURCE_TYPES.jobs, 'nap', 'merge', { spec: { suspend: false } }, { namespace: NS });
    await running('nap', 2);
    const resumed = await waitFor('resumed', async () => {
      const j = await getJob('nap');
      const resumedNow = j.status?.conditions?.some((c) => c.type === 'Suspended' && c.status === 'False' && c.reason === 'JobResumed');
      return resumedNow && j.status?.startTime ? j : undefined;
    });
    assert.ok(resumed.status?.startTime);

    await client.patch(RESOURCE_TYPES.jobs, 'nap', 'merge', { spec: { suspend: true } }, { namespace: NS });
    await waitFor('pods gone', async () => (await podsOf('nap')).length === 0);
    const again = await waitFor('suspended again', async () => {
      const j = await getJob('nap');
      return condition(j, 'Suspended') && (j.status?.active ?? 0) === 0 && j;
    });
    assert.equal(again.status?.failed ?? 0, 0, 'pods deleted for suspension are not failures');
    assert.equal(condition(again, 'Failed'), undefined);
  });

  it('applies podFailurePolicy: Ignore does not count, FailJob fails the Job at once', async () => {
    await client.create<Job>(
      RESOURCE_TYPES.jobs,
      job('policy', {
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onExitCodes: { operator: 'In', values: [5] } },
            { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42] } },
          ],
        },
      }),
    );
    const [first] = await running('policy');
    await finish(first!, 'fail', 5);
    const second = await waitFor('a replacement', async () => (await podsOf('policy')).find((p) => isRunning(p) && p.metadata!.name !== first!.metadata!.name));
    assert.equal((await getJob('policy')).status?.failed ?? 0, 0, 'an ignored failure is not counted');
    await finish(second, 'fail', 42);
    const failed = await finished('policy', 'Failed');
    assert.equal(condition(failed, 'Failed')?.reason, 'PodFailurePolicy');
    assert.match(condition(failed, 'Failed')?.message ?? '', /Container c for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 1/);
    assert.equal(failed.status?.failed, 1);
  });
});

describe('Job deletion', () => {
  it('lets the pods of a deleted running Job go: their tracking finalizers are removed', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('doomed', { parallelism: 2, completions: 2 }));
    const pods = await running('doomed', 2);
    assert.ok(pods.every((p) => p.metadata?.finalizers?.includes(FINALIZER)));
    await client.delete(RESOURCE_TYPES.jobs, 'doomed', { namespace: NS, propagationPolicy: 'Background' });
    await waitFor('pods gone', async () => (await podsOf('doomed')).length === 0);
  });

  it('leaves the pods of an Orphan deletion running, without owner or tracking finalizer', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('orphaner'));
    const [pod] = await running('orphaner');
    await client.delete(RESOURCE_TYPES.jobs, 'orphaner', { namespace: NS, propagationPolicy: 'Orphan' });
    const orphan = await waitFor('the orphan released', async () => {
      const p = await client.get<Pod>(RESOURCE_TYPES.pods, pod!.metadata!.name!, { namespace: NS });
      return !p.metadata?.finalizers?.includes(FINALIZER) && !p.metadata?.ownerReferences?.length && p;
    });
    assert.equal(orphan.status?.phase, 'Running', 'the orphan itself keeps running');
    await client.delete(RESOURCE_TYPES.pods, pod!.metadata!.name!, { namespace: NS });
  });
});

describe('TTL-after-finished controller', () => {
  it('deletes a finished Job (and its pods) ttlSecondsAfterFinished after it finished', async () => {
    await client.create<Job>(RESOURCE_TYPES.jobs, job('short-lived', { ttlSecondsAfterFinished: 1 }));
    const [pod] = await running('short-lived');
    await finish(pod!, 'succeed');
    const done = await finished('short-lived', 'Complete');
    await waitFor('the Job deleted', async () => {
      try {
        await getJob('short-lived');
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    const completedAt = Date.parse(condition(done, 'Complete')!.lastTransitionTime!);
    assert.ok(Date.now() >= completedAt + 1000, 'not before the TTL ran out');
    await waitFor('its pods deleted', async () => (await podsOf('short-lived')).length === 0);
    // A finished Job without a TTL stays.
    assert.ok(condition(await getJob('three'), 'Complete'));
  });
});
