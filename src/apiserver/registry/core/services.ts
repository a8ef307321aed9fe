/**
 * Services: upstream's defaults (type, sessionAffinity, IP families, traffic
 * policies, port protocol and targetPort), validation (ports, clusterIP immutable,
 * type rules) and the TYPE / CLUSTER-IP / EXTERNAL-IP / PORT(S) columns. Address and
 * node-port allocation is not here: it needs storage, see service-allocation.ts.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../../api/errors.js';
import type { Mutable, StoredObject } from '../../../api/object.js';
import { AGE_COLUMN, ageCell, column, defaultStrategy } from '../default-strategy.js';
import type { Strategy } from '../strategy.js';

const asService = (obj: StoredObject) => obj as unknown as Mutable<Service>;
const TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

export function formatPorts(ports: ServicePort[] | undefined): string {
  if (!ports?.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

export const serviceStrategy: Strategy = {
  ...defaultStrategy,
  nameRule: 'dns1035',
  defaults(obj) {
    const svc = asService(obj);
    const spec = (svc.spec ??= {});
    spec.type ??= 'ClusterIP';
    if (spec.type !== 'ExternalName') {
      spec.sessionAffinity ??= 'None';
      spec.internalTrafficPolicy ??= 'Cluster';
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.ipFamilies ??= ['IPv4'];
    } else spec.sessionAffinity ??= 'None';
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
    if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  },
  prepareForCreate(obj) {
    asService(obj).status = { loadBalancer: {} };
  },
  validate: (obj) => validateService(asService(obj)),
  validateUpdate(obj, old, sub) {
    if (sub === 'status') return [];
    const errors = validateService(asService(obj));
    const before = asService(old).spec?.clusterIP;
    const now = asService(obj).spec?.clusterIP;
    if (before && before !== 'None' && now !== undefined && now !== before && asService(obj).spec?.type !== 'ExternalName') {
      errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: [now], detail: 'may not change once set' });
    }
    return errors;
  },
  columns: [
    column('Type', 'The type of service.'),
    column('Cluster-IP', 'The cluster IP of the service.'),
    column('External-IP', 'External IPs of the service.'),
    column('Port(s)', 'The ports the service listens on.'),
    AGE_COLUMN,
    column('Selector', 'The label selector of the service.', 1),
  ],
  cells(obj, now) {
    const svc = asService(obj);
    const spec = svc.spec ?? {};
    const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean);
    const external =
      spec.type === 'ExternalName'
        ? (spec.externalName ?? '<none>')
        : spec.type === 'LoadBalancer'
          ? [...ingress, ...(spec.externalIPs ?? [])].join(',') || '<pending>'
          : (spec.externalIPs ?? []).join(',') || '<none>';
    const selector = spec.selector && Object.keys(spec.selector).length ? Object.entries(spec.selector).map(([k, v]) => `${k}=${v}`).join(',') : '<none>';
    return [spec.type ?? 'ClusterIP', spec.clusterIP ?? '<none>', external, formatPorts(spec.ports), ageCell(obj, now), selector];
  },
};

function validateService(svc: Service): FieldError[] {
  const errors: FieldError[] = [];
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!TYPES.includes(type)) {
    errors.push({ type: 'FieldValueNotSupported', field: 'spec.type', value: type, detail: 'supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' });
  }
  if (type === 'ExternalName') {
    if (!spec.externalName) errors.push({ type: 'FieldValueRequired', field: 'spec.externalName', detail: '' });
  } else if (!spec.ports?.length && spec.clusterIP !== 'None') {
    errors.push({ type: 'FieldValueRequired', field: 'spec.ports', detail: '' });
  }
  if (type === 'NodePort' && spec.clusterIP === 'None') {
    errors.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', value: 'None', detail: 'may not be set to \'None\' for NodePort services' });
  }
  const names = new Set<string>();
  const multiple = (spec.ports?.length ?? 0) > 1;
  (spec.ports ?? []).forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    if (multiple && !p.name) errors.push({ type: 'FieldValueRequired', field: `${at}.name`, detail: '' });
    if (p.name) {
      if (names.has(p.name)) errors.push({ type: 'FieldValueDuplicate', field: `${at}.name`, value: p.name, detail: '' });
      names.add(p.name);
    }
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
      errors.push({ type: 'FieldValueInvalid', field: `${at}.port`, value: p.port, detail: 'must be between 1 and 65535, inclusive' });
    }
    if (p.protocol && !['TCP', 'UDP', 'SCTP'].includes(p.protocol)) {
      errors.push({ type: 'FieldValueNotSupported', field: `${at}.protocol`, value: p.protocol, detail: 'supported values: "SCTP", "TCP", "UDP"' });
    }
    if (typeof p.targetPort === 'number' && (p.targetPort < 1 || p.targetPort > 65535)) {
      errors.push({ type: 'FieldValueInvalid', field: `${at}.targetPort`, value: p.targetPort, detail: 'must be between 1 and 65535, inclusive' });
    }
    if (p.nodePort !== undefined && type !== 'NodePort' && type !== 'LoadBalancer' && p.nodePort !== 0) {
      errors.push({ type: 'FieldValueForbidden', field: `${at}.nodePort`, detail: 'may not be used when `type` is \'ClusterIP\'' });
    }
  });
  return errors;
}
