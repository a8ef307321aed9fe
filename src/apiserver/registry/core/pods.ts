/**
 * Pods: upstream's defaults (restartPolicy, dnsPolicy, grace period, scheduler, image
 * pull policy from the tag, termination message path …), the initial Pending status
 * with its QoS class, the narrow set of spec fields an update may change, graceful
 * deletion, the READY/STATUS/RESTARTS columns and the selectable fields.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../../api/errors.js';
import { jsonEqual, type Mutable, type StoredObject } from '../../../api/object.js';
import { humanDuration } from '../../../api/human-duration.js';
import { AGE_COLUMN, ageCell, column, defaultStrategy, orNone } from '../default-strategy.js';
import type { Strategy } from '../strategy.js';
import { validateContainers } from './containers.js';

const asPod = (obj: StoredObject) => obj as unknown as Mutable<Pod>;

export function defaultContainer(c: Container): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  if (!c.imagePullPolicy && c.image) {
    const ref = c.image.split('@')[0]!;
    const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
    const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
    c.imagePullPolicy = c.image.includes('@') ? 'IfNotPresent' : tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
  }
  for (const p of c.ports ?? []) p.protocol ??= 'TCP';
}

export function defaultPodSpec(spec: NonNullable<Pod['spec']>): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  spec.enableServiceLinks ??= true;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

/** Guaranteed when every container's requests equal its limits for cpu and memory; BestEffort when none set any. */
export function qosClass(spec: NonNullable<Pod['spec']>): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (l === undefined || q === undefined || String(q) !== String(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const MUTABLE_SPEC_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec with the fields a pod update may change blanked out, to compare the rest. */
function immutablePart(spec: Pod['spec']): unknown {
  if (!spec) return spec;
  const copy = structuredClone(spec);
  for (const c of copy.containers ?? []) delete (c as Partial<Container>).image;
  for (const c of copy.initContainers ?? []) delete (c as Partial<Container>).image;
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  // Binding sets the node once; the scheduler's nominated node lives in status.
  delete copy.nodeName;
  return copy;
}

/** STATUS column: the phase, refined by container states and deletion, as kubectl shows it. */
function podStatusReason(pod: Pod): string {
  let reason = pod.status?.reason ?? pod.status?.phase ?? 'Pending';
  const init = pod.status?.initContainerStatuses ?? [];
  let initializing = false;
  init.forEach((s, i) => {
    if (initializing || s.state?.terminated?.exitCode === 0) return;
    if (s.state?.terminated) reason = s.state.terminated.reason ? `Init:${s.state.terminated.reason}` : `Init:ExitCode:${s.state.terminated.exitCode}`;
    else if (s.state?.waiting?.reason && s.state.waiting.reason !== 'PodInitializing') reason = `Init:${s.state.waiting.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? 0}`;
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const s of [...(pod.status?.containerStatuses ?? [])].reverse()) {
      if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
      else if (s.state?.terminated?.reason) reason = s.state.terminated.reason;
      else if (s.state?.terminated) reason = s.state.terminated.signal ? `Signal:${s.state.terminated.signal}` : `ExitCode:${s.state.terminated.exitCode}`;
      else if (s.ready && s.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }
  if (pod.metadata?.deletionTimestamp) reason = pod.status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

function restarts(pod: Pod, now: Date): string {
  let count = 0;
  let last: number | undefined;
  for (const s of [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]) {
    count += s.restartCount ?? 0;
    const finished = s.lastState?.terminated?.finishedAt;
    if (finished) last = Math.max(last ?? 0, Date.parse(finished));
  }
  return last !== undefined && count > 0 ? `${count} (${humanDuration(now.getTime() - last)} ago)` : String(count);
}

export const podStrategy: Strategy = {
  ...defaultStrategy,
  defaults(obj) {
    const pod = asPod(obj);
    if (!pod.spec) return;
    defaultPodSpec(pod.spec);
    // Only pods (not templates): a container naming a limit but no request requests its limit.
    for (const c of [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])]) {
      const limits = c.resources?.limits;
      if (!limits) continue;
      const requests = (c.resources!.requests ??= {});
      for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
    }
  },
  prepareForCreate(obj) {
    const pod = asPod(obj);
    pod.status = { phase: 'Pending', qosClass: pod.spec ? qosClass(pod.spec) : 'BestEffort' };
  },
  validate(obj) {
    const pod = asPod(obj);
    if (!pod.spec) return [{ type: 'FieldValueRequired', field: 'spec', detail: '' }];
    return validatePodSpec(pod.spec, 'spec');
  },
  validateUpdate(obj, old, subresource) {
    const errors: FieldError[] = [];
    const pod = asPod(obj);
    const before = asPod(old);
    if (subresource === '' && !jsonEqual(immutablePart(pod.spec), immutablePart(before.spec))) {
      errors.push({ type: 'FieldValueForbidden', field: 'spec', detail: MUTABLE_SPEC_MESSAGE });
    }
    if (before.spec?.nodeName && pod.spec?.nodeName !== before.spec.nodeName) {
      errors.push({ type: 'FieldValueForbidden', field: 'spec.nodeName', detail: 'field is immutable once set' });
    }
    if (pod.spec) errors.push(...validatePodSpec(pod.spec, 'spec'));
    return errors;
  },
  columns: [
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    column('IP', 'IP address allocated to the pod.', 1),
    column('Node', 'Name of the Node this pod is assigned to.', 1),
    column('Nominated Node', 'Name of the node the scheduler nominated for this pod, when it preempted others.', 1),
    column('Readiness Gates', 'Readiness gates of the pod, ready out of total.', 1),
  ],
  cells(obj, now) {
    const pod = asPod(obj);
    const total = pod.spec?.containers?.length ?? 0;
    const ready = (pod.status?.containerStatuses ?? []).filter((s) => s.ready).length;
    const gates = pod.spec?.readinessGates ?? [];
    const gatesReady = gates.filter((g) => pod.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')).length;
    return [
      `${ready}/${total}`,
      podStatusReason(pod),
      restarts(pod, now),
      ageCell(obj, now),
      orNone(pod.status?.podIP),
      orNone(pod.spec?.nodeName),
      orNone(pod.status?.nominatedNodeName),
      gates.length ? `${gatesReady}/${gates.length}` : '<none>',
    ];
  },
  selectableFields(obj) {
    const pod = asPod(obj);
    return {
      'spec.nodeName': pod.spec?.nodeName ?? '',
      'spec.restartPolicy': pod.spec?.restartPolicy ?? '',
      'spec.schedulerName': pod.spec?.schedulerName ?? '',
      'spec.serviceAccountName': pod.spec?.serviceAccountName ?? '',
      'spec.hostNetwork': String(pod.spec?.hostNetwork ?? false),
      'status.phase': pod.status?.phase ?? '',
      'status.podIP': pod.status?.podIP ?? '',
      'status.nominatedNodeName': pod.status?.nominatedNodeName ?? '',
    };
  },
  gracefulDeletion(obj, requested) {
    const pod = asPod(obj);
    // Nothing runs an unscheduled or finished pod: it goes at once.
    if (!pod.spec?.nodeName || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return 0;
    const grace = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    return grace < 0 ? 1 : grace;
  },
};

export function validatePodSpec(spec: NonNullable<Pod['spec']>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  errors.push(...validateContainers(spec.containers, `${path}.containers`, true));
  if (spec.initContainers) errors.push(...validateContainers(spec.initContainers, `${path}.initContainers`, false));
  const policies = ['Always', 'OnFailure', 'Never'];
  if (spec.restartPolicy && !policies.includes(spec.restartPolicy)) {
    errors.push({ type: 'FieldValueNotSupported', field: `${path}.restartPolicy`, value: spec.restartPolicy, detail: `supported values: "Always", "OnFailure", "Never"` });
  }
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (spec.dnsPolicy && !dnsPolicies.includes(spec.dnsPolicy)) {
    errors.push({ type: 'FieldValueNotSupported', field: `${path}.dnsPolicy`, value: spec.dnsPolicy, detail: 'supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"' });
  }
  if (spec.terminationGracePeriodSeconds !== undefined && spec.terminationGracePeriodSeconds < 0) {
    errors.push({ type: 'FieldValueInvalid', field: `${path}.terminationGracePeriodSeconds`, value: spec.terminationGracePeriodSeconds, detail: 'must be greater than or equal to 0' });
  }
  const volumeNames = new Set<string>();
  (spec.volumes ?? []).forEach((v, i) => {
    if (!v.name) errors.push({ type: 'FieldValueRequired', field: `${path}.volumes[${i}].name`, detail: '' });
    else if (volumeNames.has(v.name)) errors.push({ type: 'FieldValueDuplicate', field: `${path}.volumes[${i}].name`, value: v.name, detail: '' });
    volumeNames.add(v.name);
  });
  return errors;
}
