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
import {
  controllerRevisionStrategy,
  endpointSliceStrategy,
  eventsV1Strategy,
  horizontalPodAutoscalerStrategy,
  ingressClassStrategy,
  ingressStrategy,
  leaseStrategy,
  limitRangeStrategy,
  networkPolicyStrategy,
  podDisruptionBudgetStrategy,
  podTemplateStrategy,
  priorityClassStrategy,
  resourceQuotaStrategy,
  roleBindingStrategy,
  roleStrategy,
  storageClassStrategy,
} from './other-kinds.js';

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
  '/LimitRange': limitRangeStrategy,
  '/ResourceQuota': resourceQuotaStrategy,
  '/PodTemplate': podTemplateStrategy,
  'apps/ControllerRevision': controllerRevisionStrategy,
  'networking.k8s.io/Ingress': ingressStrategy,
  'networking.k8s.io/IngressClass': ingressClassStrategy,
  'networking.k8s.io/NetworkPolicy': networkPolicyStrategy,
  'storage.k8s.io/StorageClass': storageClassStrategy,
  'coordination.k8s.io/Lease': leaseStrategy,
  'discovery.k8s.io/EndpointSlice': endpointSliceStrategy,
  'events.k8s.io/Event': eventsV1Strategy,
  'rbac.authorization.k8s.io/Role': roleStrategy,
  'rbac.authorization.k8s.io/ClusterRole': roleStrategy,
  'rbac.authorization.k8s.io/RoleBinding': roleBindingStrategy,
  'rbac.authorization.k8s.io/ClusterRoleBinding': roleBindingStrategy,
  'scheduling.k8s.io/PriorityClass': priorityClassStrategy,
  'policy/PodDisruptionBudget': podDisruptionBudgetStrategy,
  'autoscaling/HorizontalPodAutoscaler': horizontalPodAutoscalerStrategy,
};

export function strategyFor(info: ResourceInfo): Strategy {
  return STRATEGIES[`${info.group}/${info.kind}`] ?? defaultStrategy;
}
