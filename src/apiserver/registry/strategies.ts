/**
 * Which strategy each kind uses: one line per kind (DESIGN.md §7). Kinds not listed
 * use the default strategy.
 */
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy } from './default-strategy.js';
import type { Strategy } from './strategy.js';
import { podStrategy } from './core/pods.js';
import { serviceStrategy } from './core/services.js';
import {
  componentStatusStrategy,
  configMapStrategy,
  endpointsStrategy,
  eventStrategy,
  namespaceStrategy,
  nodeStrategy,
  persistentVolumeClaimStrategy,
  persistentVolumeStrategy,
  secretStrategy,
  serviceAccountStrategy,
} from './core/simple-kinds.js';
import {
  cronJobStrategy,
  daemonSetStrategy,
  deploymentStrategy,
  jobStrategy,
  replicaSetStrategy,
  replicationControllerStrategy,
  statefulSetStrategy,
} from './apps/workloads.js';

const STRATEGIES: Record<string, Strategy> = {
  '/Pod': podStrategy,
  '/Service': serviceStrategy,
  '/ConfigMap': configMapStrategy,
  '/Secret': secretStrategy,
  '/Namespace': namespaceStrategy,
  '/ServiceAccount': serviceAccountStrategy,
  '/Endpoints': endpointsStrategy,
  '/Event': eventStrategy,
  '/Node': nodeStrategy,
  '/PersistentVolume': persistentVolumeStrategy,
  '/PersistentVolumeClaim': persistentVolumeClaimStrategy,
  '/ComponentStatus': componentStatusStrategy,
  '/ReplicationController': replicationControllerStrategy,
  'apps/Deployment': deploymentStrategy,
  'apps/ReplicaSet': replicaSetStrategy,
  'apps/StatefulSet': statefulSetStrategy,
  'apps/DaemonSet': daemonSetStrategy,
  'batch/Job': jobStrategy,
  'batch/CronJob': cronJobStrategy,
};

export function strategyFor(info: ResourceInfo): Strategy {
  return STRATEGIES[`${info.group}/${info.kind}`] ?? defaultStrategy;
}
