/**
 * The Endpoints and EndpointSlice controllers on an in-process cluster (ApiServer on
 * SQLite in a temp dir). The test plays the kubelet: it binds pods to a node name at
 * creation and writes their IPs and readiness through pods/status.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { silentLogger } from '../../src/util/logger.js';
import { type Client, RESOURCE_TYPES, isNotFound, type RunningController } from '../../src/client/index.js';
import { startEndpointsController } from '../../src/controllers/endpoints/endpoints-controller.js';
import { startEndpointSliceController } from '../../src/controllers/endpointslice/endpointslice-controller.js';
import { startInProcessCluster, type InProcessCluster } from '../support/in-process-cluster.js';
import { waitFor } from '../support/wait.js';

let cluster: InProcessCluster;
let client: Client;
let controllers: RunningController[] = [];

const NS = 'default';
const { pods: PODS, services: SERVICES, endpoints: ENDPOINTS, endpointslices: SLICES } = RESOURCE_TYPES;

before(async () => {
  cluster = await startInProcessCluster({ label: 'test-endpoints', autoCompaction: false });
  client = cluster.client;
  const informers = cluster.informers;
  controllers = [
    startEndpointsController({ client, informers, logger: silentLogger }),
    startEndpointSliceController({ client, informers, logger: silentLogger, apiServerEndpoints: [{ ip: '127.0.0.1', port: 6443 }] }),
  ];
  informers.start();
  for (const c of controllers) assert.equal(await c.started, true);
});

after(async () => {
  for (const c of controllers) await c.stop();
  await cluster?.stop();
});


function service(name: string, spec: Service['spec']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels: { team: 'blue' } }, spec };
}

function pod(name: string, labels: Record<string, string>, ports: { name: string; containerPort: number }[] = []): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'busybox', ports: ports.map((p) => ({ ...p, protocol: 'TCP' })) }] },
  };
}

/** What the kubelet would report: running with an IP, Ready or not. */
async function setStatus(name: string, ip: string, ready: boolean): Promise<void> {
  const current = await client.get<Pod>(PODS, name, { namespace: NS });
  await client.updateStatus<Pod>(PODS, {
    ...current,
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
}

async function endpointsOf(name: string): Promise<Endpoints | undefined> {
  try {
    return await client.get<Endpoints>(ENDPOINTS, name, { namespace: NS });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function slicesOf(name: string): Promise<EndpointSlice[]> {
  return (await client.list<EndpointSlice>(SLICES, { namespace: NS, labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

/** Endpoints in a compact comparable form: `ready|notReady ip ports`. */
function summary(ep: Endpoints | undefined): string[] {
  return (ep?.subsets ?? [])
    .flatMap((s) => {
      const ports = (s.ports ?? []).map((p) => `${p.name ?? ""}:${p.port}`).sort().join(',');
      return [...(s.addresses ?? []).map((a) => `ready ${a.ip} ${ports}`), ...(s.notReadyAddresses ?? []).map((a) => `notReady ${a.ip} ${ports}`)];
    })
    .sort();
}

function sliceSummary(slices: EndpointSlice[]): string[] {
  return slices
    .flatMap((s) => {
      const ports = (s.ports ?? []).map((p) => `${p.name ?? ""}:${p.port}`).sort().join(',');
      return (s.endpoints ?? []).map((e) => `${e.addresses.join()} ${ports} r=${e.conditions?.ready} s=${e.conditions?.serving} t=${e.conditions?.terminating}`);
    })
    .sort();
}

describe('endpoints and endpoint slices', () => {
  it('follow pods through ready, not ready and terminating, with named ports resolved per pod', { timeout: 90_000 }, async () => {
    const svc = await client.create(
      SERVICES,
      service('web', {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090, targetPort: 9100 },
        ],
      }),
    );
    await client.create(PODS, pod('web-1', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]));
    await client.create(PODS, pod('web-2', { app: 'web' }, [{ name: 'http', containerPort: 8081 }]));
    await client.create(PODS, pod('other', { app: 'other' }, [{ name: 'http', containerPort: 8080 }]));

    // No pod has an IP yet: empty Endpoints and a placeholder slice.
    await waitFor('empty endpoints', async () => (await endpointsOf('web')) !== undefined);
    assert.deepEqual(summary(await endpointsOf('web')), []);
    await waitFor('a placeholder slice', async () => (await slicesOf('web')).length === 1);
    const placeholder = (await slicesOf('web'))[0]!;
    assert.deepEqual(placeholder.endpoints ?? [], []);
    assert.equal(placeholder.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(placeholder.metadata?.labels?.['team'], 'blue', 'the service’s labels are copied');
    assert.deepEqual(
      placeholder.metadata?.ownerReferences?.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['Service', 'web', svc.metadata?.uid, true]],
    );

    await setStatus('web-1', '10.42.0.11', true);
    await setStatus('web-2', '10.42.0.12', false);
    await setStatus('other', '10.42.0.13', true);
    const expected = ['notReady 10.42.0.12 http:8081,metrics:9100', 'ready 10.42.0.11 http:8080,metrics:9100'];
    await waitFor('endpoints with both pods', async () => JSON.stringify(summary(await endpointsOf('web'))) === JSON.stringify(expected));
    const ep = (await endpointsOf('web'))!;
    const address = ep.subsets!.flatMap((s) => s.addresses ?? [])[0]!;
    assert.equal(address.nodeName, 'node-a');
    assert.equal(address.targetRef?.name, 'web-1');
    assert.equal(address.targetRef?.kind, 'Pod');

    const slicesBoth = ['10.42.0.11 http:8080,metrics:9100 r=true s=true t=false', '10.42.0.12 http:8081,metrics:9100 r=false s=false t=false'];
    await waitFor('slices with both pods', async () => JSON.stringify(sliceSummary(await slicesOf('web'))) === JSON.stringify(slicesBoth));
    const slices = await slicesOf('web');
    assert.equal(slices.length, 2, 'pods with different ports are in different slices');
    const endpoint = slices.flatMap((s) => s.endpoints ?? []).find((e) => e.targetRef?.name === 'web-1')!;
    assert.equal(endpoint.nodeName, 'node-a');
    assert.equal(slices[0]!.addressType, 'IPv4');

    // web-2 turns ready.
    await setStatus('web-2', '10.42.0.12', true);
    await waitFor('web-2 ready in endpoints', async () => summary(await endpointsOf('web')).includes('ready 10.42.0.12 http:8081,metrics:9100'));
    await waitFor('web-2 ready in slices', async () => sliceSummary(await slicesOf('web')).includes('10.42.0.12 http:8081,metrics:9100 r=true s=true t=false'));

    // web-1 terminates (bound to a node, so it stays until the kubelet lets go).
    await client.delete(PODS, 'web-1', { namespace: NS, gracePeriodSeconds: 30 });
    await waitFor('web-1 out of endpoints', async () => JSON.stringify(summary(await endpointsOf('web'))) === JSON.stringify(['ready 10.42.0.12 http:8081,metrics:9100']));
    await waitFor('web-1 terminating in slices', async () => sliceSummary(await slicesOf('web')).includes('10.42.0.11 http:8080,metrics:9100 r=false s=true t=true'));

    // Settled: nothing keeps rewriting.
    const before = (await slicesOf('web')).map((s) => s.metadata?.resourceVersion).sort();
    const epBefore = (await endpointsOf('web'))?.metadata?.resourceVersion;
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual((await slicesOf('web')).map((s) => s.metadata?.resourceVersion).sort(), before);
    assert.equal((await endpointsOf('web'))?.metadata?.resourceVersion, epBefore);

    // Deleting the service removes both.
    await client.delete(SERVICES, 'web', { namespace: NS });
    await waitFor('endpoints gone', async () => (await endpointsOf('web')) === undefined);
    await waitFor('slices gone', async () => (await slicesOf('web')).length === 0);
  });

  it('publishNotReadyAddresses lists pods that are not ready as ready', { timeout: 60_000 }, async () => {
    await client.create(PODS, pod('pub-1', { app: 'pub' }));
    await setStatus('pub-1', '10.42.1.1', false);
    await client.create(SERVICES, service('pub', { selector: { app: 'pub' }, publishNotReadyAddresses: true, ports: [{ name: 'dns', port: 53, targetPort: 5353 }] }));
    await waitFor('a ready address', async () => JSON.stringify(summary(await endpointsOf('pub'))) === JSON.stringify(['ready 10.42.1.1 dns:5353']));
    await waitFor('a ready endpoint', async () => JSON.stringify(sliceSummary(await slicesOf('pub'))) === JSON.stringify(['10.42.1.1 dns:5353 r=true s=false t=false']));
    // An edit by someone else is put right.
    const ep = (await endpointsOf('pub'))!;
    await client.update<Endpoints>(ENDPOINTS, { ...ep, subsets: [] });
    await waitFor('the endpoints repaired', async () => JSON.stringify(summary(await endpointsOf('pub'))) === JSON.stringify(['ready 10.42.1.1 dns:5353']));
  });

  it('leaves services without a selector alone, and keeps the kubernetes service’s slice on the API server', { timeout: 60_000 }, async () => {
    await client.create(SERVICES, service('manual', { ports: [{ port: 5432 }] }));
    await client.create<Endpoints>(ENDPOINTS, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'manual', namespace: NS }, subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }] });
    await waitFor('the kubernetes slice', async () => (await slicesOf('kubernetes')).length === 1);
    const slice = (await slicesOf('kubernetes'))[0]!;
    assert.deepEqual(slice.endpoints?.map((e) => [e.addresses.join(), e.conditions?.ready]), [['127.0.0.1', true]]);
    assert.deepEqual(slice.ports?.map((p) => [p.name, p.port]), [['https', 6443]]);
    await client.delete(SLICES, slice.metadata!.name!, { namespace: NS });
    await waitFor('the kubernetes slice recreated', async () => (await slicesOf('kubernetes')).some((s) => s.metadata?.uid !== slice.metadata?.uid));
    assert.deepEqual(summary(await endpointsOf('manual')), ['ready 192.0.2.10 :5432']);
    assert.deepEqual(await slicesOf('manual'), []);
  });

  it('puts at most 100 endpoints in a slice', { timeout: 120_000 }, async () => {
    await client.create(SERVICES, service('many', { selector: { app: 'many' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    for (let i = 0; i < 120; i++) {
      await client.create(PODS, pod(`many-${i}`, { app: 'many' }));
      await setStatus(`many-${i}`, `10.42.2.${i + 1}`, true);
    }
    await waitFor('120 endpoints', async () => sliceSummary(await slicesOf('many')).length === 120, 60_000);
    const sizes = (await slicesOf('many')).map((s) => (s.endpoints ?? []).length).sort((a, b) => b - a);
    assert.deepEqual(sizes, [100, 20]);
    await waitFor('120 addresses', async () => summary(await endpointsOf('many')).length === 120);
  });
});
