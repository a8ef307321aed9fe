import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexedGenerateName, podForJob } from './pod-template.js';
import { testJob } from './test-fixtures.js';

describe('podForJob', () => {
  it('owns the pod, tracks it with the finalizer and keeps template labels', () => {
    const job = testJob();
    job.spec!.template.metadata = { labels: { app: 'pi' }, finalizers: ['x/y'] };
    const pod = podForJob(job);
    assert.equal(pod.metadata?.generateName, 'pi-');
    assert.deepEqual(pod.metadata?.finalizers, ['x/y', 'batch.kubernetes.io/job-tracking']);
    assert.deepEqual(pod.metadata?.labels, { app: 'pi' });
    assert.deepEqual(pod.metadata?.ownerReferences, [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }]);
    assert.equal(pod.spec?.hostname, undefined);
  });

  it('gives an indexed pod its index as annotation, label, env, hostname and name', () => {
    const job = testJob({ completionMode: 'Indexed', completions: 3 });
    job.spec!.template.spec!.initContainers = [{ name: 'i', env: [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }] }];
    const pod = podForJob(job, 2);
    assert.equal(pod.metadata?.generateName, 'pi-2-');
    assert.equal(pod.metadata?.annotations?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(pod.metadata?.labels?.['batch.kubernetes.io/job-completion-index'], '2');
    assert.equal(pod.spec?.hostname, 'pi-2');
    assert.equal(pod.spec?.containers[0]?.env?.[0]?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
    assert.deepEqual(pod.spec?.initContainers?.[0]?.env, [{ name: 'JOB_COMPLETION_INDEX', value: 'mine' }], 'a container that sets it keeps its own');
    assert.equal(job.spec!.template.spec!.containers[0]!.env, undefined, 'the template is not modified');
  });

  it('shortens long job names so the index stays in the generated name', () => {
    const name = indexedGenerateName('a'.repeat(70), 123);
    assert.equal(name.length, 58);
    assert.ok(name.endsWith('-123-'));
  });
});
