/**
 * HorizontalPodAutoscaler between autoscaling/v1 (served) and autoscaling/v2 (stored),
 * as upstream converts it: v1's targetCPUUtilizationPercentage is v2's CPU Utilization
 * Resource metric and v1's currentCPUUtilizationPercentage the matching current
 * metric; what v1 cannot say (other metrics, behavior, conditions) travels in the
 * `autoscaling.alpha.kubernetes.io/*` annotations so that v2 → v1 → v2 loses nothing.
 */
import { cloneJson, isPlainObject, type KubeObject } from '../object.js';

type Obj = Record<string, unknown>;
const METRICS = 'autoscaling.alpha.kubernetes.io/metrics';
const CURRENT_METRICS = 'autoscaling.alpha.kubernetes.io/current-metrics';
const CONDITIONS = 'autoscaling.alpha.kubernetes.io/conditions';
const BEHAVIOR = 'autoscaling.alpha.kubernetes.io/behavior';

const isCpuUtilization = (m: Obj, key: 'target' | 'current'): boolean => {
  const resource = m['resource'] as Obj | undefined;
  const inner = resource?.[key] as Obj | undefined;
  return m['type'] === 'Resource' && resource?.['name'] === 'cpu' && (key === 'current' ? inner?.['averageUtilization'] !== undefined : inner?.['type'] === 'Utilization');
};

function annotations(obj: KubeObject): Record<string, string> {
  const meta = (obj.metadata ??= {});
  return (meta.annotations ??= {}) as Record<string, string>;
}

function takeJson(obj: KubeObject, key: string): unknown {
  const a = obj.metadata?.annotations as Record<string, string> | undefined;
  const text = a?.[key];
  if (text === undefined) return undefined;
  delete a![key];
  if (Object.keys(a!).length === 0) delete obj.metadata!.annotations;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** v2 object → v1 object (apiVersion set to autoscaling/v1). */
export function hpaV2ToV1(v2: KubeObject): KubeObject {
  const out = cloneJson(v2);
  out.apiVersion = 'autoscaling/v1';
  const spec = (isPlainObject(out['spec']) ? out['spec'] : (out['spec'] = {})) as Obj;
  const metrics = (spec['metrics'] ?? []) as Obj[];
  const cpu = metrics.find((m) => isCpuUtilization(m, 'target'));
  const others = metrics.filter((m) => m !== cpu);
  delete spec['metrics'];
  if (cpu) spec['targetCPUUtilizationPercentage'] = ((cpu['resource'] as Obj)['target'] as Obj)['averageUtilization'];
  if (others.length) annotations(out)[METRICS] = JSON.stringify(others);
  if (spec['behavior'] !== undefined) {
    annotations(out)[BEHAVIOR] = JSON.stringify(spec['behavior']);
    delete spec['behavior'];
  }
  if (isPlainObject(out['status'])) {
    const status = out['status'] as Obj;
    const current = (status['currentMetrics'] ?? []) as Obj[];
    const cpuNow = current.find((m) => isCpuUtilization(m, 'current'));
    const rest = current.filter((m) => m !== cpuNow);
    delete status['currentMetrics'];
    if (cpuNow) status['currentCPUUtilizationPercentage'] = ((cpuNow['resource'] as Obj)['current'] as Obj)['averageUtilization'];
    if (rest.length) annotations(out)[CURRENT_METRICS] = JSON.stringify(rest);
    if (status['conditions'] !== undefined) {
      annotations(out)[CONDITIONS] = JSON.stringify(status['conditions']);
      delete status['conditions'];
    }
  }
  return out;
}

/** v1 object → v2 object (apiVersion set to autoscaling/v2). */
export function hpaV1ToV2(v1: KubeObject): KubeObject {
  const out = cloneJson(v1);
  out.apiVersion = 'autoscaling/v2';
  const spec = (isPlainObject(out['spec']) ? out['spec'] : (out['spec'] = {})) as Obj;
  const metrics: Obj[] = [];
  const target = spec['targetCPUUtilizationPercentage'];
  delete spec['targetCPUUtilizationPercentage'];
  if (target !== undefined && target !== null) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: target } } });
  const others = takeJson(out, METRICS);
  if (Array.isArray(others)) metrics.push(...(others as Obj[]));
  if (metrics.length) spec['metrics'] = metrics;
  const behavior = takeJson(out, BEHAVIOR);
  if (behavior !== undefined) spec['behavior'] = behavior;
  const currentRest = takeJson(out, CURRENT_METRICS);
  const conditions = takeJson(out, CONDITIONS);
  if (isPlainObject(out['status']) || currentRest !== undefined || conditions !== undefined) {
    const status = (isPlainObject(out['status']) ? out['status'] : (out['status'] = {})) as Obj;
    const current: Obj[] = [];
    const now = status['currentCPUUtilizationPercentage'];
    delete status['currentCPUUtilizationPercentage'];
    if (now !== undefined && now !== null) current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: now } } });
    if (Array.isArray(currentRest)) current.push(...(currentRest as Obj[]));
    if (current.length) status['currentMetrics'] = current;
    if (conditions !== undefined) status['conditions'] = conditions;
  }
  return out;
}
