/**
 * How strategic merge patch treats each field of the built-in kinds: which lists merge
 * by a key (containers by name, ports by containerPort …), which merge as sets
 * (finalizers), which retain only listed keys (a Deployment's strategy), and the type
 * of each nested object so the walk can continue. Fields not named here are plain:
 * maps merge, lists are replaced. These are facts of the Kubernetes API (its
 * patchMergeKey / patchStrategy tags), written down as a small type graph.
 */

export interface FieldMeta {
  /** The named type of the field's value (or of each list element). */
  type?: string;
  /** Lists: merge elements by this key. */
  mergeKey?: string;
  /** 'merge' (merge lists/sets), 'retainKeys', or both. */
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys';
}

export type TypeMeta = Record<string, FieldMeta>;

const merge = (mergeKey: string, type?: string): FieldMeta => ({ mergeKey, strategy: 'merge', ...(type ? { type } : {}) });
const t = (type: string): FieldMeta => ({ type });

const CONDITIONS = merge('type');

export const TYPES: Record<string, TypeMeta> = {
  ObjectMeta: { finalizers: { strategy: 'merge' }, ownerReferences: merge('uid') },
  PodTemplateSpec: { metadata: t('ObjectMeta'), spec: t('PodSpec') },
  PodSpec: {
    containers: merge('name', 'Container'),
    initContainers: merge('name', 'Container'),
    ephemeralContainers: merge('name', 'Container'),
    volumes: { mergeKey: 'name', strategy: 'merge,retainKeys', type: 'Volume' },
    imagePullSecrets: merge('name'),
    hostAliases: merge('ip'),
    topologySpreadConstraints: merge('topologyKey'),
    resourceClaims: { mergeKey: 'name', strategy: 'merge,retainKeys' },
    schedulingGates: merge('name'),
    affinity: t('Affinity'),
  },
  Volume: {},
  Affinity: {},
  Container: {
    ports: merge('containerPort'),
    env: merge('name'),
    volumeMounts: merge('mountPath'),
    volumeDevices: merge('devicePath'),
    resizePolicy: {},
  },
  PodStatus: { conditions: CONDITIONS, podIPs: merge('ip'), hostIPs: merge('ip') },
  ServiceSpec: { ports: merge('port') },
  ServiceStatus: { conditions: CONDITIONS },
  NodeSpec: {},
  NodeStatus: { addresses: merge('type'), conditions: CONDITIONS },
  DeploymentSpec: { template: t('PodTemplateSpec'), strategy: { strategy: 'retainKeys' } },
  DeploymentStatus: { conditions: CONDITIONS },
  ReplicaSetSpec: { template: t('PodTemplateSpec') },
  StatefulSetSpec: { template: t('PodTemplateSpec') },
  DaemonSetSpec: { template: t('PodTemplateSpec'), updateStrategy: { strategy: 'retainKeys' } },
  JobSpec: { template: t('PodTemplateSpec') },
  JobStatus: { conditions: CONDITIONS },
  CronJobSpec: { jobTemplate: t('JobTemplateSpec') },
  JobTemplateSpec: { metadata: t('ObjectMeta'), spec: t('JobSpec') },
  ReplicationControllerSpec: { template: t('PodTemplateSpec') },
  PersistentVolumeSpec: { persistentVolumeSource: {} },
  NamespaceStatus: { conditions: CONDITIONS },
  ConditionsStatus: { conditions: CONDITIONS },
};

/** Top-level fields of each kind. Every kind's metadata is ObjectMeta. */
const KIND_ROOTS: Record<string, TypeMeta> = {
  Pod: { spec: t('PodSpec'), status: t('PodStatus') },
  PodTemplate: { template: t('PodTemplateSpec') },
  Service: { spec: t('ServiceSpec'), status: t('ServiceStatus') },
  Node: { spec: t('NodeSpec'), status: t('NodeStatus') },
  Namespace: { status: t('NamespaceStatus') },
  ReplicationController: { spec: t('ReplicationControllerSpec'), status: t('ConditionsStatus') },
  Deployment: { spec: t('DeploymentSpec'), status: t('DeploymentStatus') },
  ReplicaSet: { spec: t('ReplicaSetSpec'), status: t('ConditionsStatus') },
  StatefulSet: { spec: t('StatefulSetSpec'), status: t('ConditionsStatus') },
  DaemonSet: { spec: t('DaemonSetSpec'), status: t('ConditionsStatus') },
  Job: { spec: t('JobSpec'), status: t('JobStatus') },
  CronJob: { spec: t('CronJobSpec') },
  PersistentVolumeClaim: { status: t('ConditionsStatus') },
  HorizontalPodAutoscaler: { status: t('ConditionsStatus') },
  PodDisruptionBudget: { status: t('ConditionsStatus') },
};

export function rootMeta(kind: string): TypeMeta {
  return { metadata: t('ObjectMeta'), ...(KIND_ROOTS[kind] ?? {}) };
}

export function typeMeta(name: string | undefined): TypeMeta | undefined {
  return name === undefined ? undefined : TYPES[name];
}
