/**
 * The two kinds the replica controller serves: apps/v1 ReplicaSet (a metav1
 * LabelSelector) and core/v1 ReplicationController (a plain label map). Each is a
 * thin adapter over replica-controller.ts.
 */
import { labelSelectorFromObject, selectorFromSet, type MetaLabelSelector } from '../../api/labels.js';
import { RESOURCE_TYPES, type RunningController } from '../../client/index.js';
import { startReplicaController, type ReplicaControllerOptions, type ReplicaKind } from './replica-controller.js';

export const REPLICA_SET_KIND: ReplicaKind = {
  controllerName: 'replicaset',
  type: RESOURCE_TYPES.replicasets,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selector: (owner) => labelSelectorFromObject((owner.spec as { selector?: MetaLabelSelector } | undefined)?.selector),
};

export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  controllerName: 'replicationcontroller',
  type: RESOURCE_TYPES.replicationcontrollers,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selector: (owner) => selectorFromSet((owner.spec as { selector?: Record<string, string> } | undefined)?.selector),
};

type Options = Omit<ReplicaControllerOptions, 'kind'>;

export const startReplicaSetController = (options: Options): RunningController => startReplicaController({ ...options, kind: REPLICA_SET_KIND });

export const startReplicationController = (options: Options): RunningController => startReplicaController({ ...options, kind: REPLICATION_CONTROLLER_KIND });
