import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { planManage, podsByNode } from './manage.js';
import { NOW_MS, daemonPod, daemonSet, names, node } from './fixtures.test-suite.js';

const noBackoff = () => undefined;
const plan = (ds = daemonSet(), nodes = [node('n1'), node('n2')], pods: Pod[] = [], failedPodBackoff: (n: string) => number | undefined = noBackoff) =>
  planManage({ ds, nodes, nodeToPods: podsByNode(pods), hash: 'new', nowMs: NOW_MS, failedPodBackoff });

describe('DaemonSet core loop', () => {
  it('creates a pod on each fitting node without one', () => {
    const p = plan(daemonSet(), [node('n1'), node('n2'), node('tainted', {}, [{ key: 'k', effect: 'NoSchedule' }])], [daemonPod('n1')]);
    assert.deepEqual(p.create, ['n2']);
    assert.deepEqual(p.delete, []);
  });

  it('deletes pods from nodes that stopped fitting, and extras beyond the oldest', () => {
    const ds = daemonSet();
    ds.spec!.template.spec!.nodeSelector = { role: 'edge' };
    const off = daemonPod('n2');
    const oldest = daemonPod('n1', { createdSecondsAgo: 500 });
    const extra = daemonPod('n1', { createdSecondsAgo: 10 });
    const p = plan(ds, [node('n1', { role: 'edge' }), node('n2')], [extra, oldest, off]);
    assert.deepEqual(p.create, []);
    assert.deepEqual(p.delete.sort(), names([extra, off]).sort());
  });

  it('keeps pods on a node tainted NoSchedule but evicts for NoExecute', () => {
    const a = daemonPod('a');
    const b = daemonPod('b');
    const p = plan(daemonSet(), [node('a', {}, [{ key: 'k', effect: 'NoSchedule' }]), node('b', {}, [{ key: 'k', effect: 'NoExecute' }])], [a, b]);
    assert.deepEqual(p.delete, names([b]));
  });

  it('deletes failed pods behind a backoff, and succeeded ones', () => {
    const failed = daemonPod('n1', { phase: 'Failed' });
    const done = daemonPod('n2', { phase: 'Succeeded' });
    const p = plan(daemonSet(), [node('n1'), node('n2')], [failed, done]);
    assert.deepEqual(p.delete, names([failed, done]));
    assert.deepEqual(p.events.map((e) => e.reason), ['FailedDaemonPod', 'SucceededDaemonPod']);
    const waiting = plan(daemonSet(), [node('n1')], [failed], () => 4000);
    assert.deepEqual(waiting.delete, []);
    assert.equal(waiting.retryAfterMs, 4000);
  });

  it('ignores pods already being deleted and finished pods on their way out', () => {
    const p = plan(daemonSet(), [node('n1')], [daemonPod('n1', { deleting: true })]);
    assert.deepEqual(p, { create: [], delete: [], onMissingNodes: [], events: [] });
    const gone = plan(daemonSet(), [node('n1')], [daemonPod('n1', { deleting: true, phase: 'Failed' })]);
    assert.deepEqual(gone.create, ['n1']);
  });

  it('deletes unbound pods for vanished nodes and reports bound ones', () => {
    const unbound = daemonPod('gone', { bound: false });
    const bound = daemonPod('gone2');
    const p = plan(daemonSet(), [node('n1')], [daemonPod('n1'), unbound, bound]);
    assert.deepEqual(p.delete, names([unbound]));
    assert.deepEqual(names(p.onMissingNodes), names([bound]));
  });

  it('while surging keeps one old and one new pod until the new one is available', () => {
    const ds = daemonSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    const old = daemonPod('n1', { hash: 'old', createdSecondsAgo: 500 });
    const fresh = daemonPod('n1', { hash: 'new', ready: false });
    assert.deepEqual(plan(ds, [node('n1')], [old, fresh]).delete, []);
    const ready = daemonPod('n1', { hash: 'new', ready: true });
    assert.deepEqual(plan(ds, [node('n1')], [old, ready]).delete, names([old]));
    const third = daemonPod('n1', { hash: 'old', createdSecondsAgo: 5 });
    assert.deepEqual(plan(ds, [node('n1')], [old, fresh, third]).delete, names([third]));
  });
});
