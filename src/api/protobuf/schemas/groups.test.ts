import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RESOURCES, apiVersionOf } from '../../resources.js';
import { SchemaRegistry, type FieldDef, type SchemaPackage } from '../schema.js';
import { metaV1 } from './meta-v1.js';
import { SCHEMA_PACKAGES } from './index.js';

/**
 * Checks of the group tables (everything except core/v1 and meta/v1) on their own, so a
 * mistake in one of them shows up here even before every package is listed in index.ts.
 * References into core are left to schema.test.ts, which sees the whole set.
 */
const GROUPS: readonly SchemaPackage[] = SCHEMA_PACKAGES.filter((p) => p.package !== 'core' && p.package !== 'meta');

const registry = new SchemaRegistry([metaV1, ...GROUPS]);
const intoCore = (ref: string): boolean => ref.startsWith('core.');

test('the group tables parse and resolve every reference outside core', () => {
  assert.deepEqual(registry.problems.filter((p) => !/ refers to core\./.test(p)), []);
});

test('every served kind outside core/v1 has a group table whose closure resolves', () => {
  const missing: string[] = [];
  for (const r of RESOURCES) {
    const apiVersion = apiVersionOf(r);
    if (apiVersion === 'v1') continue;
    const message = registry.kind(apiVersion, r.kind);
    if (!message) {
      missing.push(`${apiVersion} ${r.kind}`);
      continue;
    }
    const unresolved = registry.unresolvedFrom(message).filter((ref) => !intoCore(ref));
    if (unresolved.length) missing.push(`${apiVersion} ${r.kind} reaches undefined ${unresolved.join(', ')}`);
  }
  assert.deepEqual(missing, []);
});

test('the posted subresource bodies of the groups have tables', () => {
  for (const [apiVersion, kind] of [
    ['autoscaling/v1', 'Scale'],
    ['policy/v1', 'Eviction'],
    ['authentication.k8s.io/v1', 'TokenRequest'],
  ] as const) {
    assert.ok(registry.kind(apiVersion, kind), `${apiVersion} ${kind}`);
  }
});

function field(message: string, name: string): FieldDef {
  const def = registry.message(message);
  assert.ok(def, `${message} is defined`);
  const f = def.byName.get(name);
  assert.ok(f, `${message} has field ${name}`);
  return f;
}

function describe(f: FieldDef): string {
  const inner = f.value.kind === 'scalar' ? f.value.scalar : f.value.kind === 'special' ? f.value.special : f.value.ref;
  return `${f.number} ${f.repeated ? '[]' : ''}${f.map ? 'map:' : ''}${f.pointer ? '*' : ''}${inner}`;
}

test('fields whose numbers, names or presence are easy to get wrong match upstream', () => {
  // Facts read off the upstream definitions: numbers out of declaration order, JSON names
  // that differ from the proto field name, and Go pointers / tags without omitempty.
  const facts: [string, string, string][] = [
    ['apps.DeploymentStatus', 'readyReplicas', '7 int32'],
    ['apps.DeploymentStatus', 'collisionCount', '8 *int32'],
    ['apps.DeploymentCondition', 'lastUpdateTime', '6 Time'],
    ['apps.DeploymentSpec', 'progressDeadlineSeconds', '9 *int32'],
    ['apps.ReplicaSetSpec', 'minReadySeconds', '4 int32'],
    ['apps.DaemonSetSpec', 'revisionHistoryLimit', '6 *int32'],
    ['apps.DaemonSetStatus', 'numberReady', '4 *int32'],
    ['apps.StatefulSetSpec', 'volumeClaimTemplates', '4 []core.PersistentVolumeClaim'],
    ['apps.StatefulSetStatus', 'collisionCount', '9 *int32'],
    ['apps.ControllerRevision', 'data', '2 RawExtension'],
    ['batch.JobSpec', 'podFailurePolicy', '11 batch.PodFailurePolicy'],
    ['batch.JobSpec', 'successPolicy', '16 batch.SuccessPolicy'],
    ['batch.JobSpec', 'backoffLimit', '7 *int32'],
    ['batch.JobSpec', 'suspend', '10 *bool'],
    ['batch.JobStatus', 'terminating', '11 *int32'],
    ['batch.CronJobSpec', 'timeZone', '8 *string'],
    ['batch.CronJobSpec', 'schedule', '1 *string'],
    ['batch.CronJobStatus', 'lastScheduleTime', '4 Time'],
    ['autoscalingv1.HorizontalPodAutoscalerSpec', 'maxReplicas', '3 *int32'],
    ['autoscalingv1.ScaleStatus', 'replicas', '1 *int32'],
    ['autoscalingv2.HPAScalingRules', 'stabilizationWindowSeconds', '3 *int32'],
    ['autoscalingv2.MetricSpec', 'containerResource', '7 autoscalingv2.ContainerResourceMetricSource'],
    ['autoscalingv2.MetricTarget', 'averageUtilization', '4 *int32'],
    ['networking.IngressSpec', 'ingressClassName', '4 *string'],
    ['networking.IngressBackend', 'service', '4 networking.IngressServiceBackend'],
    ['networking.HTTPIngressPath', 'pathType', '3 *string'],
    ['networking.IngressClassParametersReference', 'apiGroup', '1 *string'],
    ['networking.IngressLoadBalancerIngress', 'ports', '4 []networking.IngressPortStatus'],
    ['policy.PodDisruptionBudgetStatus', 'disruptedPods', '2 map:Time'],
    ['policy.PodDisruptionBudgetStatus', 'disruptionsAllowed', '3 *int32'],
    ['rbac.Subject', 'apiGroup', '2 string'],
    ['rbac.RoleRef', 'apiGroup', '1 *string'],
    ['scheduling.PriorityClass', 'value', '2 *int32'],
    ['storage.StorageClass', 'allowedTopologies', '8 []core.TopologySelectorTerm'],
    ['storage.VolumeAttachmentStatus', 'attached', '1 *bool'],
    ['coordination.LeaseSpec', 'renewTime', '4 MicroTime'],
    ['discovery.EndpointSlice', 'addressType', '4 *string'],
    ['discovery.EndpointConditions', 'ready', '1 *bool'],
    ['events.Event', 'deprecatedSource', '12 core.EventSource'],
    ['events.EventSeries', 'count', '1 *int32'],
    ['authentication.TokenReviewStatus', 'audiences', '4 []string'],
    ['authentication.TokenRequestSpec', 'expirationSeconds', '4 *int64'],
    ['authentication.BoundObjectReference', 'uid', '4 string'],
    ['authorization.SubjectAccessReviewStatus', 'denied', '4 bool'],
    ['authorization.SubjectAccessReviewStatus', 'allowed', '1 *bool'],
    ['authorization.SubjectRulesReviewStatus', 'incomplete', '3 *bool'],
  ];
  const wrong = facts
    .map(([m, n, want]) => ({ at: `${m}.${n}`, want, have: describe(field(m, n)) }))
    .filter((f) => f.have !== f.want);
  assert.deepEqual(wrong, []);
});

test('inlined embeds and bare-array wrappers are marked', () => {
  const rule = registry.message('networking.IngressRule');
  assert.ok(rule);
  const inlined = rule.byNumber.get(2);
  assert.ok(inlined);
  assert.equal(inlined.name, null);
  assert.equal(inlined.value.kind === 'message' && inlined.value.ref, 'networking.IngressRuleValue');
  for (const name of ['authentication.ExtraValue', 'authorization.ExtraValue']) {
    assert.equal(registry.message(name)?.array, true, name);
  }
  assert.equal(describe(field('authentication.UserInfo', 'extra')), '4 map:authentication.ExtraValue');
  assert.equal(describe(field('authorization.SubjectAccessReviewSpec', 'extra')), '5 map:authorization.ExtraValue');
});
