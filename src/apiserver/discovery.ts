/**
 * Discovery documents, built once from the resource table: aggregated discovery
 * (apidiscovery.k8s.io/v2, what kubectl 1.32 asks for first) and the legacy
 * /api, /api/v1, /apis, /apis/G, /apis/G/V documents that other clients and
 * `kubectl auth can-i` still read.
 */
import { RESOURCES, apiVersionOf, groupVersions, type ResourceInfo } from '../api/resources.js';

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) doc['shortNames'] = r.shortNames;
  if (r.categories.length) doc['categories'] = r.categories;
  if (r.subresources.length) {
    doc['subresources'] = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group ?? r.group, version: s.version ?? r.version, kind: s.kind },
      verbs: s.verbs,
    }));
  }
  return doc;
}

function aggregatedGroup(group: string, versions: string[]): Record<string, unknown> {
  return {
    metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
    versions: versions.map((version) => ({
      version,
      resources: resourcesOf(group, version).map(aggregatedResource),
      freshness: 'Current',
    })),
  };
}

export interface DiscoveryDocuments {
  aggregatedApi: string;
  aggregatedApis: string;
  legacyApi: string;
  legacyApis: string;
  /** '/apis/apps' → APIGroup document */
  groups: Map<string, string>;
  /** '/api/v1', '/apis/apps/v1' → APIResourceList document */
  resourceLists: Map<string, string>;
}

export function buildDiscovery(serverAddress: string): DiscoveryDocuments {
  const gvs = groupVersions();
  const core = gvs.find((g) => g.group === '')!;
  const named = gvs.filter((g) => g.group !== '');
  const list = (items: unknown[]) => ({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items });
  const groupDoc = (g: { group: string; versions: string[] }) => ({
    name: g.group,
    versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
  });
  const resourceLists = new Map<string, string>();
  for (const g of gvs) {
    for (const v of g.versions) {
      const path = g.group ? `/apis/${g.group}/${v}` : `/api/${v}`;
      const resources: Record<string, unknown>[] = [];
      for (const r of resourcesOf(g.group, v)) {
        const base: Record<string, unknown> = {
          name: r.plural,
          singularName: r.singular,
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: r.verbs,
        };
        if (r.shortNames.length) base['shortNames'] = r.shortNames;
        if (r.categories.length) base['categories'] = r.categories;
        resources.push(base);
        for (const s of r.subresources) {
          const sub: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: s.verbs };
          if (s.group !== undefined) sub['group'] = s.group;
          if (s.version !== undefined) sub['version'] = s.version;
          resources.push(sub);
        }
      }
      resourceLists.set(path, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf({ group: g.group, version: v }), resources }));
    }
  }
  return {
    aggregatedApi: JSON.stringify(list([aggregatedGroup('', core.versions)])),
    aggregatedApis: JSON.stringify(list(named.map((g) => aggregatedGroup(g.group, g.versions)))),
    legacyApi: JSON.stringify({
      kind: 'APIVersions',
      versions: core.versions,
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }),
    legacyApis: JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: named.map(groupDoc) }),
    groups: new Map(named.map((g) => [`/apis/${g.group}`, JSON.stringify({ kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g) })])),
    resourceLists,
  };
}

/** Whether an Accept header asks for aggregated discovery v2. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('g=apidiscovery.k8s.io') && p.includes('v=v2') && !p.includes('v=v2beta1') && p.includes('as=APIGroupDiscoveryList');
  });
}
