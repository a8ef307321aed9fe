/**
 * `npm run bench -- protobuf`: what decoding a Kubernetes protobuf body costs per object,
 * against JSON.parse of the same object's JSON (the reference, measured in the same run),
 * for a stored-looking Pod and Deployment (server-set metadata, managedFields, status).
 * Encoding is reported too, against JSON.stringify, as the price of protobuf responses.
 */
import { decodeProtobufObject, encodeProtobufObject } from '../src/api/protobuf/codec.js';
import { log, nowMs, round } from './lib/measure.js';

const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 1500);

const meta = (name: string, labels: Record<string, string>) => ({
  name,
  namespace: 'default',
  uid: '6f1c2a4e-8d3b-4c55-9a1e-0b7d2f3c4e5a',
  resourceVersion: '123456',
  generation: 2,
  creationTimestamp: '2024-05-01T12:00:00Z',
  labels,
  annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","kind":"Example"}' },
  managedFields: [
    { manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1', time: '2024-05-01T12:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } }, 'f:spec': {} } },
  ],
});

const containers = [
  {
    name: 'nginx',
    image: 'nginx:1.27',
    ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    env: [
      { name: 'MODE', value: 'production' },
      { name: 'LOG_LEVEL', value: 'info' },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
    readinessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  },
  {
    name: 'sidecar',
    image: 'busybox:1.36',
    command: ['sleep', '3600'],
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  },
];

const podSpec = {
  containers,
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  serviceAccountName: 'default',
  securityContext: {},
  schedulerName: 'default-scheduler',
  tolerations: [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ],
};

const POD = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: meta('web-7d9c5b8f6-abcde', { app: 'web', 'pod-template-hash': '7d9c5b8f6' }),
  spec: { ...podSpec, nodeName: 'node-1' },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Ready', status: 'True', lastTransitionTime: '2024-05-01T12:00:05Z' },
      { type: 'PodScheduled', status: 'True', lastTransitionTime: '2024-05-01T12:00:00Z' },
    ],
    hostIP: '10.0.0.11',
    podIP: '10.42.0.17',
    podIPs: [{ ip: '10.42.0.17' }],
    startTime: '2024-05-01T12:00:01Z',
    containerStatuses: containers.map((c) => ({
      name: c.name,
      state: { running: { startedAt: '2024-05-01T12:00:03Z' } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: c.image,
      imageID: `docker.io/library/${c.image}@sha256:0123456789abcdef`,
      containerID: 'containerd://0123456789abcdef',
      started: true,
    })),
    qosClass: 'Burstable',
  },
};

const DEPLOYMENT = {
  kind: 'Deployment',
  apiVersion: 'apps/v1',
  metadata: meta('web', { app: 'web' }),
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    revisionHistoryLimit: 10,
    progressDeadlineSeconds: 600,
  },
  status: {
    observedGeneration: 2,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: '2024-05-01T12:00:10Z', lastTransitionTime: '2024-05-01T12:00:10Z', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: '2024-05-01T12:00:10Z', lastTransitionTime: '2024-05-01T12:00:00Z', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet "web-7d9c5b8f6" has successfully progressed.' },
    ],
  },
};

/** Microseconds per call of `op`, after a warm-up, over PHASE_MS. */
function perCallUs(op: () => unknown): number {
  const warm = nowMs() + Math.min(300, PHASE_MS / 5);
  while (nowMs() < warm) op();
  let calls = 0;
  const start = nowMs();
  const end = start + PHASE_MS;
  while (nowMs() < end) {
    for (let i = 0; i < 100; i++) op();
    calls += 100;
  }
  return ((nowMs() - start) * 1000) / calls;
}

export async function run(): Promise<void> {
  log('# protobuf benchmark (decode per object, one core, same run)');
  const out: Record<string, number> = {};
  for (const [label, obj] of [
    ['pod', POD],
    ['deployment', DEPLOYMENT],
  ] as const) {
    const pb = encodeProtobufObject(obj, { strict: true });
    const json = Buffer.from(JSON.stringify(obj));
    const decodePb = perCallUs(() => decodeProtobufObject(pb));
    const parseJson = perCallUs(() => JSON.parse(json.toString('utf8')));
    const encodePb = perCallUs(() => encodeProtobufObject(obj));
    const stringify = perCallUs(() => JSON.stringify(obj));
    log(`\n## ${label}: protobuf ${pb.length} bytes, JSON ${json.length} bytes`);
    log(`decode protobuf: ${round(decodePb)} µs/object   JSON.parse: ${round(parseJson)} µs/object   ratio ${round(decodePb / parseJson)}x`);
    log(`encode protobuf: ${round(encodePb)} µs/object   JSON.stringify: ${round(stringify)} µs/object   ratio ${round(encodePb / stringify)}x`);
    Object.assign(out, {
      [`${label}_protobuf_bytes`]: pb.length,
      [`${label}_json_bytes`]: json.length,
      [`${label}_decode_us`]: round(decodePb),
      [`${label}_json_parse_us`]: round(parseJson),
      [`${label}_decode_ratio`]: round(decodePb / parseJson),
      [`${label}_encode_us`]: round(encodePb),
      [`${label}_json_stringify_us`]: round(stringify),
      [`${label}_encode_ratio`]: round(encodePb / stringify),
    });
  }
  log(JSON.stringify({ bench: 'protobuf', ...out }));
}
