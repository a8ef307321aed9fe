/**
 * Turns a request's method and path into Kubernetes request attributes (verb, group,
 * version, namespace, resource, subresource, name), the way upstream's RequestInfo
 * does. Everything downstream — authorization, routing, audit, metrics — reads these.
 * Pure: no I/O, no knowledge of which resources exist.
 */
import { badRequest } from '../api/errors.js';
import { goParseBoolTrue } from '../api/go-semantics.js';

export type ResourceVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequestInfo {
  isResourceRequest: true;
  verb: ResourceVerb;
  /** '' for the core group (/api). */
  group: string;
  version: string;
  /** '' for cluster-scoped paths and all-namespace lists. */
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** /api or /apis */
  prefix: '/api' | '/apis';
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  verb: string;
  path: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

const METHOD_VERBS: Record<string, ResourceVerb | undefined> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  GET: 'get',
  HEAD: 'get',
  DELETE: 'delete',
};

/** /namespaces/{name}/status and /finalize are subresources of a namespace, not a scope. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * A path segment with its %-escapes decoded (one without '%' is already itself). A bad
 * escape is the client's error, 400 as Go's server answers it, never a 500.
 */
function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`invalid URL escape in path segment "${segment}"`);
  }
}

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const nonResource = (): NonResourceRequestInfo => ({ isResourceRequest: false, verb: method.toLowerCase(), path });
  const parts = path.split('/').filter((p) => p.length > 0).map(decodeSegment);
  let i = 0;
  let prefix: '/api' | '/apis';
  let group = '';
  if (parts[0] === 'api') {
    prefix = '/api';
    i = 1;
  } else if (parts[0] === 'apis') {
    prefix = '/apis';
    group = parts[1] ?? '';
    i = 2;
  } else {
    return nonResource();
  }
  const version = parts[i++];
  // /api, /api/v1, /apis/apps, /apis/apps/v1 are discovery documents.
  if (version === undefined || parts.length <= i) return nonResource();
  let verb = METHOD_VERBS[method.toUpperCase()];
  if (!verb) return nonResource();

  // The deprecated /watch/ path segment means a watch of what follows.
  let watchPath = false;
  if (parts[i] === 'watch') {
    watchPath = true;
    i++;
  }
  let namespace = '';
  let resource: string;
  let name = '';
  let subresource = '';
  if (parts[i] === 'namespaces' && parts.length > i + 2 && !NAMESPACE_SUBRESOURCES.has(parts[i + 2]!)) {
    // /namespaces/{ns}/{resource}[/{name}[/{subresource}]]
    namespace = parts[i + 1]!;
    resource = parts[i + 2]!;
    name = parts[i + 3] ?? '';
    subresource = parts.slice(i + 4).join('/');
  } else {
    // {resource}[/{name}[/{subresource}]], including /namespaces/{name}[/status|/finalize]
    resource = parts[i] ?? '';
    name = parts[i + 1] ?? '';
    subresource = parts.slice(i + 2).join('/');
    if (resource === 'namespaces' && name) namespace = name;
  }
  if (!resource) return nonResource();

  if (verb === 'get' && !name) verb = 'list';
  if (verb === 'delete' && !name) verb = 'deletecollection';
  const watchParam = query.get('watch');
  if ((verb === 'list' || verb === 'get') && (watchPath || goParseBoolTrue(watchParam))) verb = 'watch';
  // A watch of one named object is a list+watch narrowed by name.
  return { isResourceRequest: true, verb, group, version, namespace, resource, subresource, name, prefix };
}
