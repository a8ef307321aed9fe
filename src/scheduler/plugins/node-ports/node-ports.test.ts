import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { cacheWith, filterAll, makeNode, makePod, onNode, snapshotOf } from '../../../../test/support/scheduler-fixtures.js';
import { ERR_REASON, newNodePorts } from './node-ports.js';

const withPort = (name: string, hostPort: number, protocol = 'TCP', hostIP?: string): Pod => {
  const pod = makePod(name);
  pod.spec!.containers[0]!.ports = [{ containerPort: 80, hostPort, protocol, ...(hostIP ? { hostIP } : {}) }];
  return pod;
};

it('NodePorts rejects host port conflicts by protocol and IP', () => {
  const snap = snapshotOf(cacheWith([makeNode('a'), makeNode('b')], [onNode(withPort('web', 8080), 'a'), onNode(withPort('dns', 53, 'UDP', '10.0.0.1'), 'b')]));
  const got = filterAll(newNodePorts(), withPort('p', 8080), snap);
  assert.deepEqual(got.get('a'), { code: 'Unschedulable', reasons: [ERR_REASON] });
  assert.equal(got.get('b'), undefined);
  assert.equal(filterAll(newNodePorts(), withPort('udp', 8080, 'UDP'), snap).get('a'), undefined);
  assert.equal(filterAll(newNodePorts(), withPort('other-ip', 53, 'UDP', '10.0.0.2'), snap).get('b'), undefined);
  assert.ok(filterAll(newNodePorts(), withPort('any-ip', 53, 'UDP'), snap).get('b'));
});
