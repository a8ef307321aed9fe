/**
 * `npm run bench -- apply` (also run by `-- apiserver`): what server-side apply costs
 * the API server per request on a 50-container Deployment, against a JSON merge patch
 * of the same change (the reference, measured in the same run). Both sides include
 * the managedFields bookkeeping the server does for the write: an Update entry for the
 * merge patch, the apply merge and conflict check for SSA. Pure functions, one core.
 */
import { applyMergePatch } from '../src/api/patch/merge-patch.js';
import { FieldManager } from '../src/apiserver/registry/field-manager.js';
import { findResource } from '../src/api/resources.js';
import type { KubeObject } from '../src/api/object.js';
import { log, nowMs, round } from './lib/measure.js';

const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 1500);

function deployment(image: string): KubeObject {
  const containers = Array.from({ length: 50 }, (_, i) => ({
    name: `c${i}`,
    image: i === 0 ? image : `registry.local/app-${i}:1.0`,
    ports: [{ name: `p${i}`, containerPort: 8000 + i, protocol: 'TCP' }],
    env: [
      { name: 'MODE', value: 'production' },
      { name: 'INDEX', value: String(i) },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
  }));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'big', namespace: 'default', labels: { app: 'big' } },
    spec: { replicas: 3, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers } } },
  };
}

function perCallUs(fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
  let calls = 0;
  const start = nowMs();
  while (nowMs() - start < PHASE_MS) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
  }
  return ((nowMs() - start) * 1000) / calls;
}

export async function run(): Promise<void> {
  log('# server-side apply benchmark (50-container Deployment, per request, one core)');
  const info = findResource('apps', 'v1', 'deployments')!;
  const fields = new FieldManager(info, true, () => '2026-01-01T00:00:00Z');
  const ref = { group: 'apps', resource: 'deployments', name: 'big' };
  // The live object as the first apply left it (with its managedFields).
  const live = fields.apply(undefined, deployment('nginx:1.27'), 'kubectl', false, '', ref);
  const changed = deployment('nginx:1.28');
  const ssa = perCallUs(() => fields.apply(structuredClone(live), changed, 'kubectl', false, '', ref));
  const mergePatch = { spec: { template: { spec: { containers: (changed['spec'] as { template: { spec: { containers: unknown[] } } }).template.spec.containers } } } };
  const merge = perCallUs(() => {
    const next = applyMergePatch(structuredClone(live), mergePatch) as KubeObject;
    fields.trackWrite(next, live, 'kubectl-patch', '');
    return next;
  });
  const mergeOnly = perCallUs(() => applyMergePatch(structuredClone(live), mergePatch));
  log(`server-side apply: ${round(ssa)} µs/request   merge patch (+ Update tracking): ${round(merge)} µs/request   ratio ${round(ssa / merge)}x`);
  log(`merge patch alone (no managedFields): ${round(mergeOnly)} µs/request — the rest is field tracking`);
  log(JSON.stringify({ bench: 'apply', ssa_us: round(ssa), merge_patch_us: round(merge), merge_patch_untracked_us: round(mergeOnly), ratio: round(ssa / merge) }));
}
