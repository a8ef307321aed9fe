/**
 * OpenAPI v3 documents, one per served group/version, built from the resource table
 * and the generated type schemas: the REST operations of every resource and
 * subresource, and the schemas they reach. kubectl reads them to decide that the
 * server validates fields itself (a PATCH operation per kind with a `fieldValidation`
 * parameter), to compute strategic merge patches (merge keys in the schemas) and for
 * `kubectl explain`. Built on first request, never at import time.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, groupVersions, type ResourceInfo, type SubresourceInfo } from '../../api/resources.js';
import { loadSchemas, referencedSchemas, type Schema } from './schemas.js';

export interface OpenApiDocument {
  body: string;
  /** Upper-case hex SHA-512 of body, as upstream: the `hash` of its URL and its ETag. */
  etag: string;
}

export interface OpenApiV3 {
  /** The /openapi/v3 discovery document. */
  root: string;
  rootEtag: string;
  /** 'api/v1', 'apis/apps/v1' … → document */
  documents: Map<string, OpenApiDocument>;
}

/** The version the documents report; matches the server's /version minor. */
const API_VERSION = 'v1.32.0';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const PATCH_CONTENT_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];
/** Bodies the server decodes; it always answers in JSON. */
const BODY_TYPES = ['application/json', 'application/yaml'];
const RESPONSE_TYPES = ['application/json'];
const LIST_RESPONSE_TYPES = ['application/json', 'application/json;stream=watch'];

export function hashOf(body: string): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** Upstream's schema package of a group/version: '' → io.k8s.api.core.v1, 'rbac.authorization.k8s.io' → io.k8s.api.rbac.v1. */
export function schemaPackage(group: string, version: string): string {
  return `io.k8s.api.${group === '' ? 'core' : group.split('.')[0]}.${version}`;
}

function pascal(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** 'rbac.authorization.k8s.io' → 'rbacAuthorization', '' → 'core' (upstream's tag and operation-id words). */
function groupWord(group: string): string {
  if (group === '') return 'core';
  const parts = group.replace(/\.k8s\.io$/, '').split('.');
  return parts[0] + parts.slice(1).map(pascal).join('');
}

// --- parameters ---------------------------------------------------------------------

type Param = Schema;

const query = (name: string, type: string, description: string): Param => ({ name, in: 'query', description, schema: { type } });
const pathParam = (name: string, description: string): Param => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const P = {
  name: pathParam('name', 'The name of the object.'),
  namespace: pathParam('namespace', 'The namespace of the object; namespaces partition names.'),
  pretty: query('pretty', 'string', 'When true, indent the JSON response.'),
  dryRun: query('dryRun', 'string', 'All: run every stage of the request except storing it. No other value is accepted.'),
  fieldManager: query('fieldManager', 'string', 'The name of the actor making the change, recorded in metadata.managedFields. Required for apply patches.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'How to treat unknown or duplicate fields in the body: Ignore drops them silently, Warn (the default) drops them and adds a warning header, Strict refuses the request.',
  ),
  force: query('force', 'boolean', 'Apply patches only: take over fields that other managers own instead of failing with a conflict.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Watch only: the server may send BOOKMARK events that carry just a resource version.'),
  continue: query('continue', 'string', 'The token a previous limited list returned, to fetch the next chunk.'),
  fieldSelector: query('fieldSelector', 'string', 'Only objects whose fields match, e.g. metadata.name=x,status.phase!=Running.'),
  labelSelector: query('labelSelector', 'string', 'Only objects whose labels match, e.g. app=web,tier in (a,b).'),
  limit: query('limit', 'integer', 'The most items to return; a continue token comes back when more remain.'),
  resourceVersion: query('resourceVersion', 'string', 'Which version of the data to read or watch from; see resourceVersionMatch.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion is applied to a list: Exact or NotOlderThan.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'Watch only: start with synthetic ADDED events for the current objects.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'End the list or watch call after this many seconds.'),
  watch: query('watch', 'boolean', 'Stream changes to the matching objects instead of listing them.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds to wait before the object is removed; 0 removes it at once.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy. When true, dependents are orphaned.'),
  propagationPolicy: query('propagationPolicy', 'string', 'What happens to dependents: Orphan, Background or Foreground.'),
};

const LIST_PARAMS = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const LOG_PARAMS = [
  query('container', 'string', 'The container to read; may be omitted when the pod has one.'),
  query('follow', 'boolean', 'Keep streaming as the container writes.'),
  query('insecureSkipTLSVerifyBackend', 'boolean', 'Skip verifying the kubelet serving certificate.'),
  query('limitBytes', 'integer', 'Stop after this many bytes.'),
  query('previous', 'boolean', 'Read the previous, terminated instance of the container.'),
  query('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
  query('tailLines', 'integer', 'Only this many lines from the end.'),
  query('timestamps', 'boolean', 'Prefix every line with its RFC 3339 timestamp.'),
];
const STREAM_PARAMS = (withCommand: boolean): Param[] => [
  ...(withCommand ? [query('command', 'string', 'The command to run, one argument per repetition of this parameter.')] : []),
  query('container', 'string', 'The container to use; may be omitted when the pod has one.'),
  query('stderr', 'boolean', 'Stream the standard error.'),
  query('stdin', 'boolean', 'Stream the standard input.'),
  query('stdout', 'boolean', 'Stream the standard output.'),
  query('tty', 'boolean', 'Allocate a terminal.'),
];
const CONNECT_PARAMS: Record<string, Param[]> = {
  exec: STREAM_PARAMS(true),
  attach: STREAM_PARAMS(false),
  portforward: [query('ports', 'integer', 'The pod ports to forward.')],
};

// --- operations -----------------------------------------------------------------------

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

interface OperationSpec {
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';
  id: string;
  tag: string;
  description: string;
  params?: Param[];
  body?: { schema: string; types: string[] };
  /** HTTP code → schema name ('' for a plain string) */
  responses: Record<string, string>;
  responseTypes?: string[];
  gvk?: Gvk;
}

function operation(spec: OperationSpec): Schema {
  const responses: Record<string, Schema> = {};
  const text: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  for (const [code, schema] of Object.entries(spec.responses)) {
    const body = schema === '' ? { type: 'string' } : ref(schema);
    responses[code] = { description: text[code] ?? code, content: Object.fromEntries((spec.responseTypes ?? RESPONSE_TYPES).map((t) => [t, { schema: body }])) };
  }
  responses['401'] = { description: 'Unauthorized' };
  const op: Schema = { tags: [spec.tag], description: spec.description, operationId: spec.id };
  if (spec.params?.length) op['parameters'] = spec.params;
  if (spec.body) op['requestBody'] = { content: Object.fromEntries(spec.body.types.map((t) => [t, { schema: ref(spec.body!.schema) }])), required: true };
  op['responses'] = responses;
  op['x-kubernetes-action'] = spec.action;
  if (spec.gvk) op['x-kubernetes-group-version-kind'] = { group: spec.gvk.group, kind: spec.gvk.kind, version: spec.gvk.version };
  return op;
}

function resourcePaths(r: ResourceInfo, schemas: Record<string, Schema>, paths: Record<string, Schema>): void {
  const pkg = schemaPackage(r.group, r.version);
  const kindSchema = `${pkg}.${r.kind}`;
  const listSchema = schemas[`${pkg}.${r.kind}List`] ? `${pkg}.${r.kind}List` : kindSchema;
  const gvk: Gvk = { group: r.group, version: r.version, kind: r.kind };
  const tag = `${groupWord(r.group)}_${r.version}`;
  const gv = `${pascal(groupWord(r.group))}${pascal(r.version)}`;
  const scope = r.namespaced ? 'Namespaced' : '';
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.plural}` : `${prefix}/${r.plural}`;
  const item = `${collection}/{name}`;
  const can = (verb: string) => r.verbs.includes(verb);
  const common = { tag, gvk };
  const scopeParams = r.namespaced ? [P.namespace, P.pretty] : [P.pretty];

  const coll: Schema = {};
  if (can('list')) {
    coll['get'] = operation({
      ...common,
      action: 'list',
      id: `list${gv}${scope}${r.kind}`,
      description: `List ${r.plural}${r.namespaced ? ' in a namespace' : ''}, or watch them with watch=true.`,
      params: LIST_PARAMS,
      responses: { '200': listSchema },
      responseTypes: LIST_RESPONSE_TYPES,
    });
  }
  if (can('create')) {
    coll['post'] = operation({
      ...common,
      action: 'post',
      id: `create${gv}${scope}${r.kind}`,
      description: `Create a ${r.kind}.`,
      params: WRITE_PARAMS,
      body: { schema: kindSchema, types: BODY_TYPES },
      responses: { '200': kindSchema, '201': kindSchema, '202': kindSchema },
    });
  }
  if (can('deletecollection')) {
    coll['delete'] = operation({
      ...common,
      action: 'deletecollection',
      id: `delete${gv}Collection${scope}${r.kind}`,
      description: `Delete every ${r.kind} that the selectors match.`,
      params: [...LIST_PARAMS.filter((p) => p['name'] !== 'watch' && p['name'] !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
      body: { schema: `${META}.DeleteOptions`, types: BODY_TYPES },
      responses: { '200': listSchema },
    });
  }
  if (Object.keys(coll).length) paths[collection] = { ...coll, parameters: scopeParams };

  if (r.namespaced && can('list')) {
    paths[`${prefix}/${r.plural}`] = {
      get: operation({
        ...common,
        action: 'list',
        id: `list${gv}${r.kind}ForAllNamespaces`,
        description: `List ${r.plural} across all namespaces, or watch them with watch=true.`,
        params: LIST_PARAMS,
        responses: { '200': listSchema },
        responseTypes: LIST_RESPONSE_TYPES,
      }),
      parameters: [P.pretty],
    };
  }

  const one: Schema = {};
  if (can('get')) {
    one['get'] = operation({ ...common, action: 'get', id: `read${gv}${scope}${r.kind}`, description: `Read one ${r.kind}.`, responses: { '200': kindSchema } });
  }
  if (can('update')) {
    one['put'] = operation({
      ...common,
      action: 'put',
      id: `replace${gv}${scope}${r.kind}`,
      description: `Replace one ${r.kind}; metadata.resourceVersion, when set, must match the stored one.`,
      params: WRITE_PARAMS,
      body: { schema: kindSchema, types: BODY_TYPES },
      responses: { '200': kindSchema, '201': kindSchema },
    });
  }
  if (can('patch')) {
    one['patch'] = operation({
      ...common,
      action: 'patch',
      id: `patch${gv}${scope}${r.kind}`,
      description: `Change part of one ${r.kind}; the content type selects the patch format.`,
      params: PATCH_PARAMS,
      body: { schema: `${META}.Patch`, types: PATCH_CONTENT_TYPES },
      responses: { '200': kindSchema, '201': kindSchema },
    });
  }
  if (can('delete')) {
    one['delete'] = operation({
      ...common,
      action: 'delete',
      id: `delete${gv}${scope}${r.kind}`,
      description: `Delete one ${r.kind}; it is returned as it was removed, or as it now is while finalizers or a grace period keep it.`,
      params: DELETE_PARAMS,
      body: { schema: `${META}.DeleteOptions`, types: BODY_TYPES },
      responses: { '200': kindSchema, '202': kindSchema },
    });
  }
  if (Object.keys(one).length) paths[item] = { ...one, parameters: [P.name, ...scopeParams] };

  for (const s of r.subresources) {
    const ops = subresourceOperations(r, s, schemas, { tag, gv, scope });
    if (Object.keys(ops).length) paths[`${item}/${s.name}`] = { ...ops, parameters: [P.name, ...scopeParams] };
  }
}

function subresourceOperations(r: ResourceInfo, s: SubresourceInfo, schemas: Record<string, Schema>, ids: { tag: string; gv: string; scope: string }): Schema {
  const group = s.group ?? r.group;
  const version = s.version ?? r.version;
  const gvk: Gvk = { group, version, kind: s.kind };
  const schema = `${schemaPackage(group, version)}.${s.kind}`;
  const name = `${ids.scope}${r.kind}${pascal(s.name)}`;
  const ops: Schema = {};
  const { tag, gv } = ids;
  const what = `the ${s.name} of one ${r.kind}`;

  if (s.name === 'log') {
    ops['get'] = operation({
      tag,
      gvk,
      action: 'get',
      id: `read${gv}${name}`,
      description: `Read or follow the log of a container of one ${r.kind}.`,
      params: LOG_PARAMS,
      responses: { '200': '' },
      responseTypes: ['text/plain'],
    });
    return ops;
  }
  if (!schemas[schema]) {
    // exec, attach, portforward: options travel as query parameters and the connection
    // is upgraded to a stream; there is no body schema.
    const connect = (method: 'get' | 'post') =>
      operation({
        tag,
        gvk,
        action: 'connect',
        id: `connect${gv}${pascal(method)}${name}`,
        description: `Open a ${s.name} stream to one ${r.kind} (upgraded to WebSocket or SPDY).`,
        params: CONNECT_PARAMS[s.name] ?? [],
        responses: { '200': '' },
        responseTypes: ['*/*'],
      });
    if (s.verbs.includes('get')) ops['get'] = connect('get');
    if (s.verbs.includes('create')) ops['post'] = connect('post');
    return ops;
  }
  if (s.verbs.includes('get')) ops['get'] = operation({ tag, gvk, action: 'get', id: `read${gv}${name}`, description: `Read ${what}.`, responses: { '200': schema } });
  if (s.verbs.includes('update')) {
    ops['put'] = operation({
      tag,
      gvk,
      action: 'put',
      id: `replace${gv}${name}`,
      description: `Replace ${what}.`,
      params: WRITE_PARAMS,
      body: { schema, types: BODY_TYPES },
      responses: { '200': schema, '201': schema },
    });
  }
  if (s.verbs.includes('patch')) {
    ops['patch'] = operation({
      tag,
      gvk,
      action: 'patch',
      id: `patch${gv}${name}`,
      description: `Change part of ${what}; the content type selects the patch format.`,
      params: PATCH_PARAMS,
      body: { schema: `${META}.Patch`, types: PATCH_CONTENT_TYPES },
      responses: { '200': schema, '201': schema },
    });
  }
  if (s.verbs.includes('create')) {
    ops['post'] = operation({
      tag,
      gvk,
      action: 'post',
      id: `create${gv}${name}`,
      description: `Create ${what}.`,
      params: WRITE_PARAMS,
      body: { schema, types: BODY_TYPES },
      responses: { '200': schema, '201': schema, '202': schema },
    });
  }
  return ops;
}

/** The schemas `roots` reach, transitively, sorted by name. */
function closure(roots: Iterable<string>, schemas: Record<string, Schema>): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const schema = schemas[name];
    if (!schema) throw new Error(`OpenAPI: schema ${name} is referenced but not generated (run npm run gen:openapi)`);
    seen.add(name);
    for (const next of referencedSchemas(schema)) if (!seen.has(next)) queue.push(next);
  }
  return Object.fromEntries([...seen].sort().map((n) => [n, schemas[n]!]));
}

function sorted<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The document of one group/version. */
export function buildGroupVersionDocument(group: string, version: string, schemas: Record<string, Schema> = loadSchemas()): Schema {
  const paths: Record<string, Schema> = {};
  const kinds: string[] = [];
  for (const r of RESOURCES) {
    if (r.group !== group || r.version !== version) continue;
    resourcePaths(r, schemas, paths);
    kinds.push(`${schemaPackage(r.group, r.version)}.${r.kind}`);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: API_VERSION },
    paths: sorted(paths),
    components: {
      schemas: closure([...kinds, ...referencedSchemas(paths)], schemas),
      securitySchemes: { BearerToken: { type: 'apiKey', description: 'A bearer token in the Authorization header.', name: 'authorization', in: 'header' } },
    },
    security: [{ BearerToken: [] }],
  };
}

/** Every group/version document and the root that links them by content hash. */
export function buildOpenApiV3(schemas: Record<string, Schema> = loadSchemas()): OpenApiV3 {
  const documents = new Map<string, OpenApiDocument>();
  const rootPaths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, versions } of groupVersions()) {
    for (const version of versions) {
      const key = group ? `apis/${group}/${version}` : `api/${version}`;
      const body = JSON.stringify(buildGroupVersionDocument(group, version, schemas));
      const etag = hashOf(body);
      documents.set(key, { body, etag });
      rootPaths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${etag}` };
    }
  }
  const root = JSON.stringify({ paths: sorted(rootPaths) });
  return { root, rootEtag: hashOf(root), documents };
}
