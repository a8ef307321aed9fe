/**
 * Helpers shared by the Job integration tests: read a Job and its conditions, list its
 * pods, end a pod as its kubelet would (through the node simulator) and wait for the Job
 * to finish. `cluster` is read on each call, since tests set it up in `before`.
 */
import type { Job, JobCondition } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { RESOURCE_TYPES, isConflict, type Client } from '../../src/client/index.js';
import type { NodeSimulator } from './node-simulator.js';
import { waitFor } from './wait.js';

/** A Job of one busybox container (restartPolicy Never) whose pods are labelled app=<name>; `spec` adds to it. */
export function jobManifest(namespace: string, name: string, spec: Partial<NonNullable<Job['spec']>> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace },
    spec: {
      template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      ...spec,
    },
  };
}

export function jobHelpers(cluster: () => { client: Client; sim: NodeSimulator }, namespace: string) {
  const getJob = (name: string) => cluster().client.get<Job>(RESOURCE_TYPES.jobs, name, { namespace });
  const condition = (j: Job, type: string): JobCondition | undefined => j.status?.conditions?.find((c) => c.type === type && c.status === 'True');

  async function podsOf(name: string): Promise<Pod[]> {
    return (await cluster().client.list<Pod>(RESOURCE_TYPES.pods, { namespace, labelSelector: `batch.kubernetes.io/job-name=${name}` })).items;
  }

  /** Ends a pod as its kubelet would, retrying if the simulator wrote its status at the same moment. */
  async function finish(pod: Pod, outcome: 'succeed' | 'fail', exitCode = 1): Promise<void> {
    await waitFor(`${pod.metadata!.name} finished`, async () => {
      try {
        const { sim } = cluster();
        if (outcome === 'succeed') await sim.markSucceeded(namespace, pod.metadata!.name!);
        else await sim.markFailed(namespace, pod.metadata!.name!, { exitCode });
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    });
  }

  async function finished(name: string, type: 'Complete' | 'Failed'): Promise<Job> {
    return waitFor(`${name} ${type}`, async () => {
      const j = await getJob(name);
      return condition(j, type) && j;
    });
  }

  return { getJob, condition, podsOf, finish, finished };
}
