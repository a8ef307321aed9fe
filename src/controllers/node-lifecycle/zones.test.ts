import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from 'kubernetes-types/core/v1.js';
import { TokenBucket, ZoneTainter, computeZoneState, zoneEvictionRate, zoneOf } from './zones.js';

const node = (ready: string, labels: Record<string, string> = {}): Node => ({ metadata: { name: 'n', labels }, status: { conditions: [{ type: 'Ready', status: ready }] } });
const nodes = (ready: number, notReady: number) => [...Array.from({ length: ready }, () => node('True')), ...Array.from({ length: notReady }, () => node('Unknown'))];
const rates = { nodeEvictionRate: 0.1, secondaryNodeEvictionRate: 0.01, largeClusterSizeThreshold: 50 };

describe('zones', () => {
  it('keys zones by region and zone labels', () => {
    assert.equal(zoneOf(node('True')), '');
    assert.equal(zoneOf(node('True', { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z' })), 'r:z');
  });

  it('computes the zone state', () => {
    assert.equal(computeZoneState(nodes(1, 1), 0.55), 'Normal');
    assert.equal(computeZoneState(nodes(0, 1), 0.55), 'FullDisruption');
    assert.equal(computeZoneState(nodes(1, 2), 0.55), 'Normal', 'two not ready never make a partial disruption');
    assert.equal(computeZoneState(nodes(2, 3), 0.55), 'PartialDisruption');
    assert.equal(computeZoneState(nodes(3, 3), 0.55), 'Normal');
    assert.equal(computeZoneState([], 0.55), 'Normal');
  });

  it('picks the rate for the state and size', () => {
    assert.equal(zoneEvictionRate('Normal', 10, rates), 0.1);
    assert.equal(zoneEvictionRate('FullDisruption', 10, rates), 0.1);
    assert.equal(zoneEvictionRate('PartialDisruption', 10, rates), 0);
    assert.equal(zoneEvictionRate('PartialDisruption', 51, rates), 0.01);
  });
});

describe('TokenBucket and ZoneTainter', () => {
  it('admits one node, then one every 1/qps seconds', () => {
    const tainter = new ZoneTainter(0.1, 0);
    for (const name of ['a', 'b', 'c']) tainter.add(name);
    tainter.add('a');
    assert.deepEqual(tainter.admit(0), ['a']);
    assert.deepEqual(tainter.admit(9_999), []);
    assert.equal(tainter.bucket.msUntilToken(9_999), 1);
    assert.deepEqual(tainter.admit(10_000), ['b']);
    tainter.remove('c');
    assert.equal(tainter.size, 0);
  });

  it('never admits at rate 0 and carries debt across a rate swap', () => {
    const zero = new TokenBucket(0, 0);
    assert.equal(zero.tryTake(1_000_000), false);
    assert.equal(zero.msUntilToken(0), undefined);
    const bucket = new TokenBucket(0.1, 0);
    assert.equal(bucket.tryTake(0), true);
    const faster = bucket.withRate(1, 100);
    assert.equal(faster.tryTake(100), false, 'a swap does not hand out a fresh token');
    assert.equal(faster.tryTake(1_100), true);
  });
});
