/**
 * The node IPAM controller with the range allocator (upstream pkg/controller/nodeipam):
 * gives each Node one pod range from the cluster CIDR in spec.podCIDR and
 * spec.podCIDRs, exactly once. Ranges already on nodes are occupied as the informer
 * lists them, before the first allocation, so a restarted controller never hands out a
 * range twice; a deleted node's range goes back to the pool. When the pool is empty the
 * node gets a CIDRNotAvailable event and waits for a range to be freed.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import {
  Client,
  EventRecorder,
  InformerFactory,
  RESOURCE_TYPES,
  WorkQueue,
  deletedObject,
  isNotFound,
  runController,
  type ObjectReference,
  type RunningController,
} from '../../client/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { CidrSet } from './cidr-set.js';

export interface NodeIpamControllerOptions {
  client: Client;
  informers: InformerFactory;
  logger: Logger;
  clock?: Clock;
  /** The range pods get addresses from. Default 10.42.0.0/16. */
  clusterCidr?: string;
  /** Prefix length of each node's range. Default 24. */
  nodeCidrMaskSize?: number;
  workers?: number;
}

export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

const podCidrsOf = (node: Node): string[] => {
  const cidrs = node.spec?.podCIDRs?.length ? [...node.spec.podCIDRs] : node.spec?.podCIDR ? [node.spec.podCIDR] : [];
  return cidrs;
};

/** Upstream refers to nodes in events by name, with the name as UID. */
const nodeRef = (name: string): ObjectReference => ({ apiVersion: 'v1', kind: 'Node', name, uid: name });

export function startNodeIpamController(options: NodeIpamControllerOptions): RunningController {
  const { client, informers } = options;
  const logger = options.logger.child({ controller: 'node-ipam' });
  const cidrs = new CidrSet(options.clusterCidr ?? DEFAULT_CLUSTER_CIDR, options.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE);
  const recorder = new EventRecorder(client, { component: 'cidrAllocator' }, { logger, ...(options.clock ? { clock: options.clock } : {}) });
  const queue = new WorkQueue<string>();
  const nodeInformer = informers.informerFor<Node>(RESOURCE_TYPES.nodes);
  const nodes = nodeInformer.lister();
  // Ranges given but not yet seen on the node in the cache: a second reconcile re-sends the same one.
  const inFlight = new Map<string, string>();
  // Nodes waiting for a range while the pool is empty.
  const starved = new Set<string>();

  const observe = (node: Node) => {
    const name = node.metadata!.name!;
    const existing = podCidrsOf(node);
    for (const cidr of existing) {
      if (!cidrs.occupy(cidr)) logger.warn({ node: name, cidr }, 'node pod CIDR is outside the cluster CIDR; left alone');
    }
    if (existing.length) inFlight.delete(name);
    else queue.add(name);
  };

  nodeInformer.addEventHandler({
    onAdd: observe,
    onUpdate: (_old, node) => observe(node),
    onDelete: (value) => {
      const node = deletedObject(value);
      const name = node.metadata!.name!;
      const freed = [...podCidrsOf(node), ...(inFlight.has(name) ? [inFlight.get(name)!] : [])];
      inFlight.delete(name);
      starved.delete(name);
      for (const cidr of freed) if (cidrs.release(cidr)) logger.info({ node: name, cidr }, 'released pod CIDR');
      for (const waiting of starved) queue.add(waiting);
    },
  });

  const controller = runController({
    name: 'node-ipam',
    queue,
    workers: options.workers ?? 1,
    waitFor: [informers],
    // runController names the controller in its own logs.
    logger: options.logger,
    async reconcile(name) {
      const node = nodes.get(name);
      if (!node || podCidrsOf(node).length) {
        starved.delete(name);
        return undefined;
      }
      let cidr = inFlight.get(name);
      if (!cidr) {
        cidr = cidrs.allocateNext();
        if (!cidr) {
          starved.add(name);
          logger.warn({ node: name, clusterCidr: options.clusterCidr ?? DEFAULT_CLUSTER_CIDR }, 'no pod CIDR available for node');
          recorder.event(nodeRef(name), 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
          return undefined;
        }
        inFlight.set(name, cidr);
      }
      starved.delete(name);
      try {
        await client.patch(RESOURCE_TYPES.nodes, name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
        logger.info({ node: name, cidr }, 'assigned pod CIDR');
      } catch (err) {
        if (isNotFound(err)) {
          inFlight.delete(name);
          cidrs.release(cidr);
          return undefined;
        }
        throw err;
      }
      return undefined;
    },
  });

  return {
    started: controller.started,
    done: controller.done,
    async stop() {
      await controller.stop();
      await recorder.stop();
    },
  };
}
