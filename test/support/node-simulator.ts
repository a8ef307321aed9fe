/**
 * Plays the nodes' part in tests and benchmarks without a kubelet, through the API only:
 * creates Ready Node objects with capacity, optionally binds unassigned pods to them
 * round-robin (when no scheduler runs), marks pods on its nodes Running and Ready
 * (automatically, or one by one on request), Failed or Succeeded, and finishes the
 * deletion of pods marked for graceful deletion, as a kubelet confirms it.
 *
 *   const sim = await NodeSimulator.start({ client, nodes: 3, bind: true });
 *   await sim.markFailed('default', 'pi-abcde', { exitCode: 1 });
 *   await sim.stop();
 */
import type { Node, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import { Client, InformerFactory, ItemExponentialFailureRateLimiter, RESOURCE_TYPES, WorkQueue, isNotFound, objectKey, runController, type RunningController } from '../../src/client/index.js';
import { ApiError } from '../../src/api/errors.js';
import { silentLogger } from '../../src/util/logger.js';

export interface NodeSimulatorOptions {
  client: Client;
  /** How many nodes (named `<prefix>-0`…), or their names. Default 1. */
  nodes?: number | string[];
  nodePrefix?: string;
  /** Bind pods that have no nodeName to the simulated nodes (no scheduler running). Default false. */
  bind?: boolean;
  /** Mark pods on the simulated nodes Running and Ready as they arrive: all (true), none (false), or those the function picks. Default true. */
  autoReady?: boolean | ((pod: Pod) => boolean);
  /** Delete pods marked for deletion at once, as a kubelet does once containers stopped. Default true. */
  finishDeletions?: boolean;
  /** Only pods of this namespace (default: all). */
  namespace?: string;
  capacity?: { cpu?: string; memory?: string; pods?: string };
  /** Concurrent API writes. Default 16. */
  workers?: number;
  /**
   * Renew each node's Lease in kube-node-lease every 10 s, as a kubelet does, so the node
   * lifecycle controller sees the nodes alive. Default true (benchmarks with thousands
   * of nodes and no controllers turn it off).
   */
  leases?: boolean;
}

/** A kubelet renews its Lease every 10 s (a quarter of its 40 s duration). */
const LEASE_RENEW_MS = 10_000;
const microTime = (d = new Date()) => d.toISOString().replace(/\.(\d+)Z$/, (_, ms: string) => `.${ms.padEnd(6, '0')}Z`);

const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d+Z$/, 'Z');

export class NodeSimulator {
  readonly nodeNames: string[];
  private readonly informers: InformerFactory;
  // Retries come quickly and stay quick: a busy API server (429) must not park a pod for minutes.
  private readonly queue = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(10, 1000) });
  private controller: RunningController | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private nextNode = 0;
  private nextIp = 0;
  private readonly ips = new Map<string, string>();

  private constructor(private readonly options: NodeSimulatorOptions) {
    const prefix = options.nodePrefix ?? 'sim-node';
    const nodes = options.nodes ?? 1;
    this.nodeNames = typeof nodes === 'number' ? Array.from({ length: nodes }, (_, i) => `${prefix}-${i}`) : nodes;
    this.informers = new InformerFactory(options.client, { logger: silentLogger, ...(options.namespace ? { namespace: options.namespace } : {}) });
  }

  static async start(options: NodeSimulatorOptions): Promise<NodeSimulator> {
    const sim = new NodeSimulator(options);
    await sim.createNodes();
    if (options.leases !== false) await sim.startLeases();
    sim.run();
    await sim.informers.waitForCacheSync();
    return sim;
  }

  private get client(): Client {
    return this.options.client;
  }

  private async createNodes(): Promise<void> {
    const cap = { cpu: '32', memory: '128Gi', pods: '110', ...this.options.capacity };
    await Promise.all(
      this.nodeNames.map(async (name, i) => {
        const node: Node = {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'skiff.dev/simulated': 'true' } },
          spec: {},
          status: {
            capacity: { cpu: cap.cpu, memory: cap.memory, pods: cap.pods, 'ephemeral-storage': '100Gi' },
            allocatable: { cpu: cap.cpu, memory: cap.memory, pods: cap.pods, 'ephemeral-storage': '100Gi' },
            conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'simulated node is ready', lastHeartbeatTime: rfc3339(), lastTransitionTime: rfc3339() }],
            addresses: [
              { type: 'InternalIP', address: `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}` },
              { type: 'Hostname', address: name },
            ],
            nodeInfo: { architecture: 'amd64', operatingSystem: 'linux', kubeletVersion: 'v1.32.0-sim', kubeProxyVersion: '', containerRuntimeVersion: 'sim://1', kernelVersion: '', osImage: 'simulated', machineID: '', systemUUID: '', bootID: '' },
          },
        };
        try {
          await this.client.create<Node>(RESOURCE_TYPES.nodes, node);
        } catch (err) {
          if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
        }
      }),
    );
  }

  private run(): void {
    const informer = this.informers.informerFor<Pod>(RESOURCE_TYPES.pods);
    const enqueue = (pod: Pod) => this.queue.add(objectKey(pod));
    informer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, p) => enqueue(p) });
    const lister = informer.lister();
    this.controller = runController({
      name: 'node-simulator',
      queue: this.queue,
      workers: this.options.workers ?? 16,
      waitFor: [this.informers],
      logger: silentLogger,
      reconcile: async (key) => {
        const pod = lister.get(key);
        if (pod) await this.handle(pod);
      },
    });
    this.informers.start();
  }

  private ours(pod: Pod): boolean {
    return !!pod.spec?.nodeName && this.nodeNames.includes(pod.spec.nodeName);
  }

  private async handle(pod: Pod): Promise<void> {
    try {
      if (pod.metadata?.deletionTimestamp) {
        if ((this.options.finishDeletions ?? true) && this.ours(pod)) {
          await this.client.delete(RESOURCE_TYPES.pods, pod.metadata.name!, { namespace: pod.metadata.namespace!, gracePeriodSeconds: 0 });
        }
        return;
      }
      if (!pod.spec?.nodeName) {
        if (this.options.bind && (pod.spec?.schedulerName ?? 'default-scheduler') === 'default-scheduler') await this.bind(pod);
        return;
      }
      const auto = this.options.autoReady ?? true;
      const wanted = typeof auto === 'function' ? auto(pod) : auto;
      if (wanted && this.ours(pod) && (pod.status?.phase ?? 'Pending') === 'Pending') await this.setRunning(pod, true);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /**
   * Binds through pods/binding as a scheduler does, choosing nodes round-robin; a server
   * without that subresource gets spec.nodeName set by an update instead.
   */
  private async bind(pod: Pod): Promise<void> {
    const node = this.nodeNames[this.nextNode++ % this.nodeNames.length]!;
    const { name, namespace } = pod.metadata as { name: string; namespace: string };
    try {
      await this.client.createSubresource(RESOURCE_TYPES.pods, name, 'binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } }, { namespace });
    } catch (err) {
      if (!(err instanceof ApiError) || (err.code !== 404 && err.code !== 405)) throw err;
      await this.client.update<Pod>(RESOURCE_TYPES.pods, { ...pod, spec: { ...pod.spec!, nodeName: node } });
    }
  }

  private podIp(pod: Pod): string {
    const key = pod.metadata?.uid ?? objectKey(pod);
    let ip = this.ips.get(key);
    if (!ip) {
      const n = this.nextIp++;
      ip = `10.42.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
      this.ips.set(key, ip);
    }
    return ip;
  }

  private hostIp(pod: Pod): string {
    const i = Math.max(0, this.nodeNames.indexOf(pod.spec?.nodeName ?? ''));
    return `10.99.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  }

  private async writeStatus(pod: Pod, status: PodStatus): Promise<void> {
    await this.client.updateStatus<Pod>(RESOURCE_TYPES.pods, { ...pod, status });
  }

  private async setRunning(pod: Pod, ready: boolean): Promise<void> {
    const now = rfc3339();
    const flag = ready ? 'True' : 'False';
    const conditions: PodCondition[] = [
      { type: 'PodReadyToStartContainers', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'Ready', status: flag, lastTransitionTime: now },
      { type: 'ContainersReady', status: flag, lastTransitionTime: now },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
    ];
    const startedAt = pod.status?.startTime ?? now;
    await this.writeStatus(pod, {
      ...pod.status,
      phase: 'Running',
      conditions,
      hostIP: this.hostIp(pod),
      hostIPs: [{ ip: this.hostIp(pod) }],
      podIP: this.podIp(pod),
      podIPs: [{ ip: this.podIp(pod) }],
      startTime: startedAt,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `sim://${c.image ?? ''}`,
        containerID: `sim://${pod.metadata?.uid ?? ''}/${c.name}`,
        ready,
        started: true,
        restartCount: 0,
        state: { running: { startedAt } },
      })),
    });
  }

  private async finish(pod: Pod, phase: 'Succeeded' | 'Failed', exitCode: number, reason: string): Promise<void> {
    const now = rfc3339();
    await this.writeStatus(pod, {
      ...pod.status,
      phase,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'False', reason: 'PodCompleted', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'False', reason: 'PodCompleted', lastTransitionTime: now },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      ],
      hostIP: this.hostIp(pod),
      podIP: this.podIp(pod),
      startTime: pod.status?.startTime ?? now,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        image: c.image ?? '',
        imageID: `sim://${c.image ?? ''}`,
        containerID: `sim://${pod.metadata?.uid ?? ''}/${c.name}`,
        ready: false,
        started: false,
        restartCount: 0,
        state: { terminated: { exitCode, reason, startedAt: pod.status?.startTime ?? now, finishedAt: now } },
      })),
    });
  }

  private async fresh(namespace: string, name: string): Promise<Pod> {
    return this.client.get<Pod>(RESOURCE_TYPES.pods, name, { namespace });
  }

  /** Marks a bound pod Running and Ready (or Running and not Ready). */
  async markReady(namespace: string, name: string, ready = true): Promise<void> {
    await this.setRunning(await this.fresh(namespace, name), ready);
  }

  async markSucceeded(namespace: string, name: string): Promise<void> {
    await this.finish(await this.fresh(namespace, name), 'Succeeded', 0, 'Completed');
  }

  async markFailed(namespace: string, name: string, options: { exitCode?: number; reason?: string } = {}): Promise<void> {
    await this.finish(await this.fresh(namespace, name), 'Failed', options.exitCode ?? 1, options.reason ?? 'Error');
  }

  /** Stops watching; the Node objects stay (delete them with the cluster). */
  /** Creates each node's Lease and renews them all every 10 s until stop(). */
  private async startLeases(): Promise<void> {
    await Promise.all(
      this.nodeNames.map(async (name) => {
        try {
          await this.client.create(RESOURCE_TYPES.leases, {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace: 'kube-node-lease' },
            spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime() },
          });
        } catch (err) {
          if (!(err instanceof Error && /already exists/i.test(err.message))) throw err;
        }
      }),
    );
    this.leaseTimer = setInterval(() => {
      for (const name of this.nodeNames) {
        // A missed renewal is retried at the next tick, as a kubelet would.
        this.client.patch(RESOURCE_TYPES.leases, name, 'merge', { spec: { renewTime: microTime() } }, { namespace: 'kube-node-lease' }).catch(() => {});
      }
    }, LEASE_RENEW_MS);
    this.leaseTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.leaseTimer);
    await this.controller?.stop();
    await this.informers.stop();
  }
}
