import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import { desiredLabels, desiredSubsets, truncateSubsets } from './endpoints.js';
import { findPort, shouldPodBeInEndpoints } from './pod-endpoints.js';

const svc = (spec: Service['spec'], labels: Record<string, string> = {}): Service => ({ metadata: { name: 'web', namespace: 'ns', labels }, spec: { selector: { app: 'web' }, ...spec } });

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; terminating?: boolean; ports?: Record<string, number>; phase?: string; restartPolicy?: string; hostname?: string; subdomain?: string } = {}): Pod {
  return {
    metadata: { name, namespace: 'ns', uid: `uid-${name}`, ...(opts.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: {
      nodeName: 'n1',
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.subdomain ? { subdomain: opts.subdomain } : {}),
      containers: [{ name: 'c', ports: Object.entries(opts.ports ?? {}).map(([n, p]) => ({ name: n, containerPort: p })) }],
    },
    status: { ...(ip ? { podIP: ip } : {}), phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }] },
  };
}

describe('desiredSubsets', () => {
  const http = { name: 'http', port: 80, targetPort: 'http' };
  it('splits ready and not-ready pods and leaves out terminating and IP-less ones', () => {
    const subsets = desiredSubsets(svc({ ports: [http] }), [
      pod('a', '10.0.0.2', { ready: true, ports: { http: 8080 } }),
      pod('b', '10.0.0.1', { ready: false, ports: { http: 8080 } }),
      pod('c', '10.0.0.3', { ready: true, terminating: true, ports: { http: 8080 } }),
      pod('d', undefined, { ready: true, ports: { http: 8080 } }),
    ]);
    assert.equal(subsets.length, 1);
    assert.deepEqual(subsets[0]!.addresses?.map((a) => a.ip), ['10.0.0.2']);
    assert.deepEqual(subsets[0]!.notReadyAddresses?.map((a) => a.ip), ['10.0.0.1']);
    assert.deepEqual(subsets[0]!.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.equal(subsets[0]!.addresses![0]!.targetRef?.uid, 'uid-a');
  });
  it('packs pods by their resolved ports and skips pods lacking a named port', () => {
    const subsets = desiredSubsets(svc({ ports: [http] }), [pod('a', '10.0.0.1', { ready: true, ports: { http: 8080 } }), pod('b', '10.0.0.2', { ready: true, ports: { http: 9090 } }), pod('c', '10.0.0.3', { ready: true })]);
    assert.deepEqual(subsets.map((s) => [s.addresses?.map((a) => a.ip), s.ports?.map((p) => p.port)]), [[['10.0.0.1'], [8080]], [['10.0.0.2'], [9090]]]);
  });
  it('publishes not-ready and terminating pods as ready with publishNotReadyAddresses', () => {
    const subsets = desiredSubsets(svc({ ports: [{ port: 53 }], publishNotReadyAddresses: true }), [pod('a', '10.0.0.1'), pod('b', '10.0.0.2', { terminating: true })]);
    assert.deepEqual(subsets[0]!.addresses?.map((a) => a.ip), ['10.0.0.1', '10.0.0.2']);
  });
  it('lists a headless service without ports, with hostnames for pods in its subdomain', () => {
    const subsets = desiredSubsets(svc({ clusterIP: 'None' }), [pod('a', '10.0.0.1', { ready: true, hostname: 'a', subdomain: 'web' }), pod('b', '10.0.0.2', { ready: true, hostname: 'b', subdomain: 'other' })]);
    assert.deepEqual(subsets, [
      {
        addresses: [
          { ip: '10.0.0.1', hostname: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'a', uid: 'uid-a' } },
          { ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'ns', name: 'b', uid: 'uid-b' } },
        ],
      },
    ]);
    assert.deepEqual(desiredLabels(svc({ clusterIP: 'None' }, { team: 'x' })), { team: 'x', 'service.kubernetes.io/headless': '' });
  });
});

describe('pod helpers', () => {
  it('drops finished pods per their restart policy', () => {
    assert.equal(shouldPodBeInEndpoints(pod('a', '10.0.0.1', { phase: 'Succeeded', restartPolicy: 'OnFailure' }), false), false);
    assert.equal(shouldPodBeInEndpoints(pod('a', '10.0.0.1', { phase: 'Failed', restartPolicy: 'OnFailure' }), false), true);
    assert.equal(shouldPodBeInEndpoints(pod('a', '10.0.0.1', { phase: 'Failed', restartPolicy: 'Never' }), false), false);
    assert.equal(shouldPodBeInEndpoints(pod('a', '10.0.0.1', { terminating: true }), true), true);
  });
  it('resolves numeric, defaulted and named target ports', () => {
    const p = pod('a', '10.0.0.1', { ports: { web: 8080 } });
    assert.equal(findPort(p, { port: 80, targetPort: 9000 }), 9000);
    assert.equal(findPort(p, { port: 80 }), 80);
    assert.equal(findPort(p, { port: 80, targetPort: 'web' }), 8080);
    assert.equal(findPort(p, { port: 80, targetPort: 'web', protocol: 'UDP' }), undefined);
    assert.equal(findPort(p, { port: 80, targetPort: 'nope' }), undefined);
  });
});

describe('truncateSubsets', () => {
  it('keeps ready addresses first up to the cap', () => {
    const addr = (ip: string) => ({ ip });
    const subsets = [
      { addresses: [addr('1'), addr('2')], notReadyAddresses: [addr('3')], ports: [{ port: 1 }] },
      { addresses: [addr('4')], ports: [{ port: 2 }] },
    ];
    assert.deepEqual(truncateSubsets(subsets, 5), { subsets, truncated: false });
    const { subsets: out, truncated } = truncateSubsets(subsets, 3);
    assert.equal(truncated, true);
    assert.deepEqual(out.map((s) => [s.addresses?.map((a) => a.ip), s.notReadyAddresses?.map((a) => a.ip)]), [[['1', '2'], undefined], [['4'], undefined]]);
  });
});
