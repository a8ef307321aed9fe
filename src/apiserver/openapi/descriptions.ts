/**
 * Skiff's own words for the OpenAPI schemas that `kubectl explain` shows: one line per
 * top-level kind, a few lines for the fields people read most (Pod, Container,
 * Deployment, Service, object metadata), and a generator for everything else that
 * builds a plain sentence from the type and field names. Only the schema generator
 * (scripts/gen-openapi-schemas.ts) reads this module; the server serves its output.
 */

/** Top-level kinds and the handful of shared types every document reaches. */
export const TYPE_DESCRIPTIONS: Record<string, string> = {
  Namespace: 'A named scope that groups namespaced objects and their names, quotas and policies.',
  Pod: 'One or more containers scheduled together onto a node, sharing its network identity and volumes.',
  Service: 'A stable virtual address and DNS name in front of the pods its selector picks.',
  Endpoints: 'The addresses and ports that currently back a service (legacy form of EndpointSlice).',
  ConfigMap: 'Plain configuration data, as string or binary values, for pods to read as files or variables.',
  Secret: 'Sensitive data such as passwords, tokens or keys, stored separately from pod definitions.',
  PersistentVolume: 'A piece of cluster storage, provisioned by an administrator or a storage class.',
  PersistentVolumeClaim: 'A request for storage by a user, bound to a matching persistent volume.',
  Node: 'A machine that runs pods: its configuration, capacity and reported condition.',
  Event: 'A record of something that happened to an object, for people and tools to inspect.',
  ServiceAccount: 'An identity for processes that run in pods, with the secrets and tokens they use.',
  ComponentStatus: 'The health of a control plane component (deprecated upstream, still served).',
  LimitRange: 'Per-namespace default, minimum and maximum resource amounts for pods and containers.',
  ResourceQuota: 'Caps on the total resources and object counts a namespace may use.',
  PodTemplate: 'A stored pod template that other objects can copy pods from.',
  ReplicationController: 'Keeps a given number of pod copies running (predecessor of ReplicaSet).',
  Deployment: 'Declares a desired set of identical pods and rolls changes out through replica sets.',
  ReplicaSet: 'Keeps a given number of pods matching a selector running at all times.',
  StatefulSet: 'Runs pods with stable names, ordered rollout and per-pod persistent storage.',
  DaemonSet: 'Runs one copy of a pod on every node that matches its node selection.',
  ControllerRevision: 'An immutable snapshot of a controller state, used for rollbacks.',
  Job: 'Runs pods until a given number of them finish successfully.',
  CronJob: 'Creates jobs on a repeating schedule written in cron syntax.',
  Ingress: 'Rules that route external HTTP and HTTPS traffic to services by host and path.',
  IngressClass: 'Names an ingress controller and its parameters, for ingresses to select.',
  NetworkPolicy: 'Which traffic may reach and leave the pods a selector picks.',
  StorageClass: 'A kind of storage that persistent volumes can be provisioned from on demand.',
  Lease: 'A lightweight lock with a holder and a renewal time, used for leader election and heartbeats.',
  EndpointSlice: 'A subset of the network endpoints behind a service.',
  Role: 'A namespaced set of permissions on API resources.',
  SelfSubjectReview: 'Asks who the caller is: the server answers with the user it authenticated the request as.',
  TokenReview: 'Asks the server to check a bearer token and say which user, if any, it stands for.',
  SubjectAccessReview: 'Asks whether a given user or group may perform an action, as the authorizer in force decides.',
  SelfSubjectAccessReview: 'Asks whether the caller may perform an action, as the authorizer in force decides.',
  LocalSubjectAccessReview: 'A subject access review limited to one namespace, created in that namespace.',
  SelfSubjectRulesReview: 'Asks which actions the caller may perform in a namespace.',
  RoleBinding: 'Grants the permissions of a role or cluster role to subjects within one namespace.',
  ClusterRole: 'A set of permissions that applies across the whole cluster or within any namespace.',
  ClusterRoleBinding: 'Grants the permissions of a cluster role to subjects cluster-wide.',
  PriorityClass: 'Maps a priority class name to the integer priority of pods that name it.',
  PodDisruptionBudget: 'Limits how many pods of a group voluntary disruptions may take down at once.',
  HorizontalPodAutoscaler: 'Scales a workload between a minimum and a maximum replica count from observed metrics.',
  Binding: 'Ties a pod to a node; the scheduler creates one to place a pod.',
  Eviction: 'A request to remove a pod while respecting its disruption budgets.',
  Scale: 'The desired and observed replica count of a scalable workload.',
  TokenRequest: 'Asks for a short-lived token for a service account.',
  ObjectMeta: 'Metadata that every persisted object carries: names, labels, annotations and bookkeeping.',
  ListMeta: 'Metadata of a list response: its resource version and continuation token.',
  Status: 'The outcome of an API call that returns no object, usually an error.',
  DeleteOptions: 'Options that control how a delete is carried out.',
  LabelSelector: 'Picks objects by their labels; all given terms must match.',
  Condition: 'One observed aspect of an object state, with a type, a status and the time it last changed.',
  OwnerReference: 'Points at an object that owns this one, for garbage collection.',
  ManagedFieldsEntry: 'Which fields a manager set through which operation, for server-side apply.',
  WatchEvent: 'One change delivered by a watch: its type and the object involved.',
  Time: 'A point in time, written as an RFC 3339 string at second precision.',
  MicroTime: 'A point in time, written as an RFC 3339 string at microsecond precision.',
  Quantity: 'A decimal amount with an optional unit suffix, such as 500m, 2, 128Mi or 1G.',
  IntOrString: 'Either an integer or a string, such as a port number or a port name, or a count or a percentage.',
  RawExtension: 'An embedded object, kept as it was sent.',
  FieldsV1: 'A set of field paths in the managed-fields encoding.',
  Patch: 'A patch body; its format depends on the request content type.',
  PodSpec: 'The desired state of a pod: its containers, volumes and where and how it runs.',
  PodStatus: 'What the system last observed about a pod.',
  Container: 'One container of a pod: its image, command, environment, ports and resources.',
  ContainerPort: 'A network port a container listens on.',
  DeploymentSpec: 'The desired state of a deployment.',
  DeploymentStatus: 'What the deployment controller last observed.',
  ServiceSpec: 'The desired behaviour of a service.',
  ServicePort: 'One port a service exposes and where it forwards to.',
  PodTemplateSpec: 'The pods a controller creates: their metadata and spec.',
};

/** Hand-written field descriptions by "Type.field"; these win over FIELD_DESCRIPTIONS. */
export const TYPE_FIELD_DESCRIPTIONS: Record<string, string> = {
  'Pod.spec': 'The desired state of the pod.',
  'Pod.status': 'What the system last observed about the pod. Written by the kubelet and the scheduler.',
  'PodSpec.containers': 'The containers of the pod. At least one; they start together and share the pod network.',
  'PodSpec.initContainers': 'Containers that run to completion one by one, in order, before the regular containers start.',
  'PodSpec.ephemeralContainers': 'Temporary containers added to a running pod for debugging.',
  'PodSpec.volumes': 'Volumes that containers of this pod can mount, by name.',
  'PodSpec.restartPolicy': 'When containers are restarted after they exit: Always, OnFailure or Never. Defaults to Always.',
  'PodSpec.nodeName': 'The node the pod is bound to. Set by the scheduler; setting it yourself skips scheduling.',
  'PodSpec.nodeSelector': 'Node labels that a node must carry for the pod to be scheduled onto it.',
  'PodSpec.serviceAccountName': 'The service account the pod runs as.',
  'PodSpec.terminationGracePeriodSeconds': 'Seconds between the stop signal and a forced kill when the pod is deleted. Defaults to 30.',
  'PodSpec.hostNetwork': 'Run the pod in the node network namespace instead of its own.',
  'PodSpec.affinity': 'Rules that attract the pod to, or keep it away from, certain nodes and other pods.',
  'PodSpec.tolerations': 'Taints the pod tolerates, so that it may run on nodes carrying them.',
  'PodSpec.dnsPolicy': 'How the pod resolves names: ClusterFirst (default), Default, ClusterFirstWithHostNet or None.',
  'PodSpec.securityContext': 'Security settings shared by all containers of the pod.',
  'PodSpec.imagePullSecrets': 'Secrets holding registry credentials for pulling the images of this pod.',
  'PodSpec.schedulerName': 'The scheduler responsible for the pod. Defaults to the default scheduler.',
  'PodSpec.priorityClassName': 'The priority class whose priority the pod gets.',
  'PodSpec.activeDeadlineSeconds': 'Seconds the pod may stay active before the system fails it.',
  'PodStatus.phase': 'Where the pod is in its life: Pending, Running, Succeeded, Failed or Unknown.',
  'PodStatus.conditions': 'Observed conditions such as PodScheduled, Initialized, ContainersReady and Ready.',
  'PodStatus.podIP': 'The IP address the pod got; empty until one is assigned.',
  'PodStatus.podIPs': 'All IP addresses of the pod, at most one per address family.',
  'PodStatus.hostIP': 'The IP address of the node the pod runs on.',
  'PodStatus.startTime': 'When the kubelet accepted the pod, before its images were pulled.',
  'PodStatus.containerStatuses': 'One entry per regular container with its state and restart count.',
  'PodStatus.qosClass': 'The quality-of-service class derived from the resource requests and limits.',
  'Container.name': 'The container name, a DNS label unique within the pod.',
  'Container.image': 'The image to run, by registry reference.',
  'Container.command': 'The entrypoint to run instead of the image one. Not run in a shell; $(VAR) references are expanded.',
  'Container.args': 'Arguments to the entrypoint, replacing the image defaults. $(VAR) references are expanded.',
  'Container.env': 'Environment variables to set in the container.',
  'Container.envFrom': 'Sources whose keys all become environment variables. Explicit env entries win.',
  'Container.ports': 'Ports the container listens on. Informational; any port the process opens is reachable.',
  'Container.resources': 'Compute resources the container requests and its limits.',
  'Container.volumeMounts': 'Pod volumes to mount into the container file system.',
  'Container.imagePullPolicy': 'When to pull the image: Always, IfNotPresent or Never.',
  'Container.livenessProbe': 'A periodic check; the container is restarted when it fails.',
  'Container.readinessProbe': 'A periodic check; the pod receives service traffic only while it succeeds.',
  'Container.startupProbe': 'A check that must succeed before the other probes start.',
  'Container.workingDir': 'The working directory of the entrypoint. Defaults to the image setting.',
  'Container.securityContext': 'Security settings of this container; they override the pod-level ones.',
  'Container.lifecycle': 'Actions the system runs right after the container starts and before it stops.',
  'Container.stdin': 'Keep a standard input stream open for the container.',
  'Container.tty': 'Allocate a terminal for the container; needs stdin as well.',
  'ContainerPort.containerPort': 'The port number inside the pod network namespace, 1 to 65535.',
  'ContainerPort.protocol': 'TCP (default), UDP or SCTP.',
  'ContainerPort.name': 'A name for the port that services can refer to, unique within the pod.',
  'ContainerPort.hostPort': 'A port on the node that forwards to this port. Rarely needed.',
  'ContainerPort.hostIP': 'The node address the host port binds to.',
  'Deployment.spec': 'The desired state of the deployment.',
  'Deployment.status': 'What the deployment controller last observed.',
  'DeploymentSpec.replicas': 'How many pods to run. Defaults to 1.',
  'DeploymentSpec.selector': 'Which pods belong to the deployment. Must match the template labels and cannot change.',
  'DeploymentSpec.template': 'The pods the deployment creates.',
  'DeploymentSpec.strategy': 'How old pods are replaced by new ones: RollingUpdate (default) or Recreate.',
  'DeploymentSpec.minReadySeconds': 'Seconds a new pod must stay ready before it counts as available.',
  'DeploymentSpec.revisionHistoryLimit': 'How many old replica sets to keep for rollbacks. Defaults to 10.',
  'DeploymentSpec.paused': 'Stop rolling out template changes until unpaused.',
  'DeploymentSpec.progressDeadlineSeconds': 'Seconds without progress before the rollout is reported as failed. Defaults to 600.',
  'DeploymentStatus.replicas': 'Pods of this deployment that exist, old and new.',
  'DeploymentStatus.updatedReplicas': 'Pods that run the current template.',
  'DeploymentStatus.readyReplicas': 'Pods whose ready condition is true.',
  'DeploymentStatus.availableReplicas': 'Pods that have been ready for at least the minimum ready seconds.',
  'DeploymentStatus.unavailableReplicas': 'Pods still needed for the deployment to be fully available.',
  'DeploymentStatus.conditions': 'Observed conditions such as Available and Progressing.',
  'Service.spec': 'The desired behaviour of the service.',
  'Service.status': 'The observed state of the service, such as its load balancer addresses.',
  'ServiceSpec.type': 'How the service is exposed: ClusterIP (default), NodePort, LoadBalancer or ExternalName.',
  'ServiceSpec.selector': 'Labels of the pods that receive the traffic. Without a selector, endpoints are managed by hand.',
  'ServiceSpec.ports': 'The ports the service exposes.',
  'ServiceSpec.clusterIP': 'The virtual IP of the service, allocated when empty; None makes a headless service.',
  'ServiceSpec.clusterIPs': 'The virtual IPs of the service, at most one per address family.',
  'ServiceSpec.externalName': 'The DNS name an ExternalName service aliases.',
  'ServiceSpec.sessionAffinity': 'ClientIP keeps each client on one pod; None (default) spreads connections.',
  'ServiceSpec.externalTrafficPolicy': 'Whether external traffic may go to pods on other nodes (Cluster) or only to local ones (Local).',
  'ServicePort.name': 'The port name, required when the service has more than one port.',
  'ServicePort.port': 'The port the service listens on.',
  'ServicePort.targetPort': 'The pod port traffic goes to, by number or by container port name. Defaults to port.',
  'ServicePort.protocol': 'TCP (default), UDP or SCTP.',
  'ServicePort.nodePort': 'The port opened on every node for NodePort and LoadBalancer services; allocated when empty.',
  'ObjectMeta.name': 'The object name, unique per kind within its namespace.',
  'ObjectMeta.namespace': 'The namespace the object lives in; empty for cluster-scoped kinds.',
  'ObjectMeta.labels': 'Key-value pairs that selectors match on.',
  'ObjectMeta.annotations': 'Key-value pairs for tools and people; not used for selection.',
  'ObjectMeta.uid': 'A unique identifier the server assigns at creation.',
  'ObjectMeta.resourceVersion': 'An opaque version that changes with every write; send it back for optimistic concurrency.',
  'ObjectMeta.generation': 'A counter the server increments on each change of the desired state.',
  'ObjectMeta.creationTimestamp': 'When the server created the object.',
  'ObjectMeta.deletionTimestamp': 'When deletion was requested; the object goes once its finalizers are gone.',
  'ObjectMeta.ownerReferences': 'Objects this one depends on; when all owners go, it is garbage collected.',
  'ObjectMeta.finalizers': 'Names of cleanups that must finish before the object is removed.',
  'ObjectMeta.generateName': 'A prefix the server completes with random characters when name is empty.',
  'ObjectMeta.managedFields': 'Which manager owns which fields; maintained by the server.',
};

/** Hand-written descriptions by field name, for fields that mean the same on every type. */
export const FIELD_DESCRIPTIONS: Record<string, string> = {
  apiVersion: 'The group and version of the schema this object follows, such as v1 or apps/v1.',
  kind: 'The kind of the object, in CamelCase, such as Pod.',
  metadata: 'Standard object metadata.',
  items: 'The objects of the list.',
  conditions: 'The latest observations of the object state.',
  observedGeneration: 'The metadata generation the controller last acted on.',
};

/** "terminationGracePeriodSeconds" → "termination grace period seconds"; keeps acronyms ("podIP" → "pod IP"). */
export function words(identifier: string): string {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(' ')
    .map((w) => (/^[A-Z][a-z]/.test(w) ? w.toLowerCase() : w))
    .join(' ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The description of a named type, e.g. ('PodSpec', 'core/v1'). */
export function describeType(typeName: string, apiVersion: string): string {
  const own = TYPE_DESCRIPTIONS[typeName];
  if (own) return own;
  if (typeName.endsWith('List') && TYPE_DESCRIPTIONS[typeName.slice(0, -4)]) return `A list of ${typeName.slice(0, -4)} objects.`;
  return `${capitalise(words(typeName))} (${apiVersion}).`;
}

/** The description of one field; `readOnly` fields are those the server sets. */
export function describeField(typeName: string, field: string, readOnly: boolean): string {
  const own = TYPE_FIELD_DESCRIPTIONS[`${typeName}.${field}`] ?? FIELD_DESCRIPTIONS[field];
  if (own) return own;
  if (field === 'spec') return `The desired state of the ${words(typeName)}.`;
  if (field === 'status') return `What the system last observed about the ${words(typeName)}. Read-only.`;
  const text = `${capitalise(words(field))} of the ${words(typeName)}.`;
  return readOnly ? `${text} Set by the server; read-only.` : text;
}
