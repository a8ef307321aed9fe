import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podRequests } from './resources.js';

const c = (name: string, cpu?: string, memory?: string, restartPolicy?: string) => {
  const requests: Record<string, string> = {};
  if (cpu) requests['cpu'] = cpu;
  if (memory) requests['memory'] = memory;
  return { name, image: 'x', resources: { requests }, ...(restartPolicy ? { restartPolicy } : {}) };
};

it('sums app containers and takes the largest init container as a floor', () => {
  const pod: Pod = { spec: { containers: [c('a', '100m', '1Mi'), c('b', '200m')], initContainers: [c('i1', '500m'), c('i2', '50m', '10Mi')] } };
  const r = podRequests(pod);
  assert.equal(r.get('cpu'), 500);
  assert.equal(r.get('memory'), 10 * 1024 * 1024);
});

it('adds sidecar init containers to the sum and to later init steps, plus overhead', () => {
  const pod: Pod = {
    spec: {
      containers: [c('app', '100m')],
      initContainers: [c('sidecar', '200m', undefined, 'Always'), c('init', '250m')],
      overhead: { cpu: '10m' },
    },
  };
  // app 100 + sidecar 200 = 300; init step = 250 + sidecar 200 = 450 → max 450, + 10 overhead.
  assert.equal(podRequests(pod).get('cpu'), 460);
});

it('substitutes upstream defaults for missing cpu/memory only when asked (scoring)', () => {
  const pod: Pod = { spec: { containers: [c('a'), c('b', '1')] } };
  assert.equal(podRequests(pod).get('cpu'), 1000);
  assert.equal(podRequests(pod).get('memory'), undefined);
  const nz = podRequests(pod, true);
  assert.equal(nz.get('cpu'), 1100);
  assert.equal(nz.get('memory'), 2 * 200 * 1024 * 1024);
});
