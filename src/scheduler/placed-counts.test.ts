import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PlacedCounts } from './placed-counts.js';

function topology(labels: Record<string, Record<string, string>>) {
  return { epoch: 0, labelsOf: (node: string) => labels[node] };
}

const byValue = (counts: PlacedCounts, key: string) => Object.fromEntries(counts.domains(key).byValue);

it('counts pods per domain, kept current as pods come and go once built', () => {
  const topo = topology({ a1: { zone: 'a' }, a2: { zone: 'a' }, b1: { zone: 'b' }, bare: {} });
  const counts = new PlacedCounts(topo);
  counts.shift('a1', 1);
  counts.shift('b1', 1);
  assert.deepEqual(byValue(counts, 'zone'), { a: 1, b: 1 });
  counts.shift('a2', 1);
  counts.shift('a2', 1);
  counts.shift('bare', 1);
  assert.deepEqual(byValue(counts, 'zone'), { a: 3, b: 1 });
  assert.equal(counts.domains('zone').total, 4, 'a pod on a node without the key is not counted');
  assert.equal(counts.shift('b1', -1), 3);
  assert.deepEqual(byValue(counts, 'zone'), { a: 3 }, 'an emptied domain is dropped');
  assert.deepEqual(Object.fromEntries(counts.nodes), { a1: 1, a2: 2, bare: 1 });
});

it('rebuilds the counts when the topology epoch moves (a node relabelled or gone)', () => {
  const labels: Record<string, Record<string, string>> = { n1: { zone: 'a' }, n2: { zone: 'a' } };
  const topo = topology(labels);
  const counts = new PlacedCounts(topo);
  counts.shift('n1', 1);
  counts.shift('n2', 1);
  assert.deepEqual(byValue(counts, 'zone'), { a: 2 });
  labels['n2'] = { zone: 'b' };
  assert.deepEqual(byValue(counts, 'zone'), { a: 2 }, 'the same epoch serves the kept counts');
  topo.epoch++;
  assert.deepEqual(byValue(counts, 'zone'), { a: 1, b: 1 });
  delete labels['n1'];
  topo.epoch++;
  counts.shift('n2', 1);
  assert.deepEqual(byValue(counts, 'zone'), { b: 2 }, 'pods of unknown nodes are not counted');
});
