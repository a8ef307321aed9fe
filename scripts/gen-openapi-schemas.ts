/**
 * Generates src/apiserver/openapi/schemas.generated.json: one OpenAPI 3 schema per
 * Kubernetes type Skiff serves, named as upstream names them
 * (io.k8s.api.core.v1.Pod, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta …).
 *
 * The shapes come from the `kubernetes-types` declaration files, read with the
 * TypeScript compiler API: interfaces become objects, `?` decides `required`,
 * `Array<T>` becomes `items`, index signatures become `additionalProperties`,
 * `number | string` is IntOrString. Facts the declarations do not carry are added here:
 *   - integer formats (see INT64_FIELDS),
 *   - group/version/kind of top-level kinds, from src/api/resources.ts,
 *   - list merge keys and strategies, from src/api/patch/patch-meta.ts, so that the
 *     patches kubectl computes from this schema are the ones our server merges,
 *   - descriptions, from src/apiserver/openapi/descriptions.ts (never upstream's text:
 *     the JSDoc in kubernetes-types is ignored).
 *
 *   node --import tsx scripts/gen-openapi-schemas.ts           # write the file
 *   node --import tsx scripts/gen-openapi-schemas.ts --check   # exit 1 if it is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { RESOURCES } from '../src/api/resources.js';
import { rootMeta, typeMeta, type TypeMeta } from '../src/api/patch/patch-meta.js';
import { describeField, describeType } from '../src/apiserver/openapi/descriptions.js';

type Schema = Record<string, unknown>;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(ROOT, 'src/apiserver/openapi/schemas.generated.json');
const TYPES_DIR = dirname(createRequire(import.meta.url).resolve('kubernetes-types/package.json'));

/** kubernetes-types module → upstream Go package prefix of its schema names. */
const PACKAGES: Record<string, string> = {
  'core/v1': 'io.k8s.api.core.v1',
  'apps/v1': 'io.k8s.api.apps.v1',
  'batch/v1': 'io.k8s.api.batch.v1',
  'networking/v1': 'io.k8s.api.networking.v1',
  'storage/v1': 'io.k8s.api.storage.v1',
  'coordination/v1': 'io.k8s.api.coordination.v1',
  'discovery/v1': 'io.k8s.api.discovery.v1',
  'events/v1': 'io.k8s.api.events.v1',
  'rbac/v1': 'io.k8s.api.rbac.v1',
  'scheduling/v1': 'io.k8s.api.scheduling.v1',
  'policy/v1': 'io.k8s.api.policy.v1',
  'autoscaling/v1': 'io.k8s.api.autoscaling.v1',
  'autoscaling/v2': 'io.k8s.api.autoscaling.v2',
  'authentication/v1': 'io.k8s.api.authentication.v1',
  'authorization/v1': 'io.k8s.api.authorization.v1',
  'meta/v1': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
  runtime: 'io.k8s.apimachinery.pkg.runtime',
};
/** Modules whose every type is emitted; others only contribute what these reach. */
const SERVED_MODULES = Object.keys(PACKAGES);
/** Types outside SERVED_MODULES that a served subresource speaks. */
const EXTRA_ROOTS = ['authentication/v1.TokenRequest'];

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const META = PACKAGES['meta/v1']!;

/**
 * Declarations erase Go's int32/int64/float64 into `number`. Every number in the groups
 * we serve is an integer (the API avoids floats); it is int64 exactly where the field is
 * one of these names (generations, revisions, byte sizes, user and group ids, and the
 * second counts that upstream widened: grace periods, deadlines, token lifetimes), and
 * int32 everywhere else (replicas, ports, counts, percentages, probe timings …).
 */
const INT64_FIELDS = new Set([
  'generation',
  'observedGeneration',
  'revision',
  'remainingItemCount',
  'sizeBytes',
  'capacity',
  'runAsUser',
  'runAsGroup',
  'fsGroup',
  'supplementalGroups',
  'uid',
  'gid',
  'tolerationSeconds',
  'activeDeadlineSeconds',
  'terminationGracePeriodSeconds',
  'deletionGracePeriodSeconds',
  'gracePeriodSeconds',
  'startingDeadlineSeconds',
  'expirationSeconds',
  'seconds',
]);

/** Hand-written schemas for types whose declaration is only `string` or `{}`. */
const SPECIAL: Record<string, Schema> = {
  [`${META}.Time`]: { type: 'string', format: 'date-time' },
  [`${META}.MicroTime`]: { type: 'string', format: 'date-time' },
  [`${META}.FieldsV1`]: { type: 'object' },
  [`${META}.Patch`]: { type: 'object' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { oneOf: [{ type: 'string' }, { type: 'number' }] },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object' },
  [INT_OR_STRING]: { oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string', 'x-kubernetes-int-or-string': true },
};

interface Declarations {
  interfaces: Map<string, ts.InterfaceDeclaration>;
  aliases: Map<string, ts.TypeAliasDeclaration>;
  /** local name → module it is imported from */
  imports: Map<string, string>;
}

const modules = new Map<string, Declarations>();

function load(module: string): Declarations {
  const cached = modules.get(module);
  if (cached) return cached;
  const file = join(TYPES_DIR, `${module}.d.ts`);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const decls: Declarations = { interfaces: new Map(), aliases: new Map(), imports: new Map() };
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) decls.interfaces.set(statement.name.text, statement);
    else if (ts.isTypeAliasDeclaration(statement)) decls.aliases.set(statement.name.text, statement);
    else if (ts.isImportDeclaration(statement)) {
      const from = (statement.moduleSpecifier as ts.StringLiteral).text;
      const target = relative(TYPES_DIR, resolve(dirname(file), from));
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) decls.imports.set(el.name.text, target);
    }
  }
  modules.set(module, decls);
  return decls;
}

function schemaName(module: string, name: string): string {
  const pkg = PACKAGES[module];
  if (!pkg) throw new Error(`kubernetes-types module ${module} (type ${name}) has no upstream package; add it to PACKAGES`);
  return `${pkg}.${name}`;
}

function ref(name: string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}

/** Named types reached but not yet emitted: schema name → [module, type name]. */
const pending = new Map<string, [string, string]>();

function resolveName(module: string, name: string): string {
  const decls = load(module);
  const home = decls.interfaces.has(name) || decls.aliases.has(name) ? module : decls.imports.get(name);
  if (!home) throw new Error(`${module}: cannot resolve type ${name}`);
  const full = schemaName(home, name);
  pending.set(full, [home, name]);
  return full;
}

function integer(field: string): Schema {
  return { type: 'integer', format: INT64_FIELDS.has(field) ? 'int64' : 'int32' };
}

/** A type node as a schema; `field` names the property (for integer formats). */
function typeSchema(node: ts.TypeNode, module: string, field: string): Schema {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return { type: 'string' };
    case ts.SyntaxKind.NumberKeyword:
      return integer(field);
    case ts.SyntaxKind.BooleanKeyword:
      return { type: 'boolean' };
  }
  if (ts.isParenthesizedTypeNode(node)) return typeSchema(node.type, module, field);
  if (ts.isLiteralTypeNode(node) && ts.isStringLiteral(node.literal)) return { type: 'string' };
  if (ts.isArrayTypeNode(node)) return { type: 'array', items: typeSchema(node.elementType, module, field) };
  if (ts.isUnionTypeNode(node)) {
    const kinds = new Set(node.types.map((t) => t.kind));
    if (kinds.size === 2 && kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword)) {
      pending.set(INT_OR_STRING, ['', 'IntOrString']);
      return ref(INT_OR_STRING);
    }
  }
  if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
    const name = node.typeName.text;
    if (name === 'Array' && node.typeArguments?.length === 1) return { type: 'array', items: typeSchema(node.typeArguments[0]!, module, field) };
    return ref(resolveName(module, name));
  }
  if (ts.isTypeLiteralNode(node) && node.members.length === 1 && ts.isIndexSignatureDeclaration(node.members[0]!)) {
    return { type: 'object', additionalProperties: typeSchema(node.members[0].type, module, field) };
  }
  throw new Error(`${module}: unsupported type ${ts.SyntaxKind[node.kind]} for field ${field}`);
}

function isReadonly(member: ts.PropertySignature): boolean {
  return member.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false;
}

/** A property's schema: a bare $ref is wrapped in allOf so its description can sit beside it. */
function propertySchema(type: Schema, description: string): Schema {
  if (typeof type['$ref'] === 'string') return { allOf: [type], description };
  return { ...type, description };
}

function interfaceSchema(module: string, decl: ts.InterfaceDeclaration): Schema {
  const typeName = decl.name.text;
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const member of decl.members) {
    if (!ts.isPropertySignature(member) || !member.type) throw new Error(`${module}.${typeName}: unsupported member`);
    const field = (member.name as ts.Identifier | ts.StringLiteral).text;
    properties[field] = propertySchema(typeSchema(member.type, module, field), describeField(typeName, field, isReadonly(member)));
    if (!member.questionToken) required.push(field);
  }
  const schema: Schema = { type: 'object', description: describeType(typeName, module) };
  if (Object.keys(properties).length) schema['properties'] = sortKeys(properties);
  if (required.length) schema['required'] = required.sort();
  return schema;
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function emitAll(): Record<string, Schema> {
  for (const module of SERVED_MODULES) {
    const decls = load(module);
    for (const name of [...decls.interfaces.keys(), ...decls.aliases.keys()]) pending.set(schemaName(module, name), [module, name]);
  }
  for (const root of EXTRA_ROOTS) {
    const dot = root.lastIndexOf('.');
    resolveName(root.slice(0, dot), root.slice(dot + 1));
  }
  const out: Record<string, Schema> = {};
  while (pending.size) {
    const [full, [module, name]] = pending.entries().next().value as [string, [string, string]];
    pending.delete(full);
    if (out[full]) continue;
    const special = SPECIAL[full];
    if (special) {
      out[full] = { ...special, description: describeType(name, module) };
      continue;
    }
    const decl = load(module).interfaces.get(name);
    if (!decl) throw new Error(`${full}: a type alias without a hand-written schema; add it to SPECIAL`);
    out[full] = interfaceSchema(module, decl);
  }
  return out;
}

// --- group/version/kind ---------------------------------------------------------------

/** kubernetes-types module of an API group/version: '' → core/v1, 'apps' → apps/v1, 'rbac.authorization.k8s.io' → rbac/v1. */
function moduleOf(group: string, version: string): string {
  return `${group === '' ? 'core' : group.split('.')[0]}/${version}`;
}

function addGvk(schemas: Record<string, Schema>, name: string, gvk: { group: string; version: string; kind: string }): void {
  const schema = schemas[name];
  if (!schema) throw new Error(`no schema ${name} for ${gvk.group}/${gvk.version} ${gvk.kind}`);
  const list = ((schema['x-kubernetes-group-version-kind'] as unknown[] | undefined) ??= []) as { group: string; version: string; kind: string }[];
  if (!list.some((x) => x.group === gvk.group && x.version === gvk.version && x.kind === gvk.kind)) list.push({ group: gvk.group, kind: gvk.kind, version: gvk.version });
}

function annotateKinds(schemas: Record<string, Schema>): void {
  for (const r of RESOURCES) {
    const module = moduleOf(r.group, r.version);
    addGvk(schemas, schemaName(module, r.kind), r);
    if (schemas[schemaName(module, `${r.kind}List`)]) addGvk(schemas, schemaName(module, `${r.kind}List`), { ...r, kind: `${r.kind}List` });
    for (const s of r.subresources) {
      const group = s.group ?? r.group;
      const version = s.version ?? r.version;
      const name = schemaName(moduleOf(group, version), s.kind);
      // exec/attach/portforward options are query parameters, not bodies: no schema.
      if (schemas[name]) addGvk(schemas, name, { group, version, kind: s.kind });
    }
    // Every group/version speaks these meta types.
    addGvk(schemas, `${META}.DeleteOptions`, { group: r.group, version: r.version, kind: 'DeleteOptions' });
    addGvk(schemas, `${META}.WatchEvent`, { group: r.group, version: r.version, kind: 'WatchEvent' });
  }
  addGvk(schemas, `${META}.Status`, { group: '', version: 'v1', kind: 'Status' });
}

// --- patch merge keys -----------------------------------------------------------------

/** The named schema a property points at, directly, through allOf, or through array items. */
function target(prop: Schema): string | undefined {
  const direct = (s: Schema | undefined): string | undefined => {
    if (!s) return undefined;
    if (typeof s['$ref'] === 'string') return (s['$ref'] as string).split('/').pop();
    const allOf = s['allOf'] as Schema[] | undefined;
    return allOf?.length === 1 ? direct(allOf[0]) : undefined;
  };
  return direct(prop) ?? direct(prop['items'] as Schema | undefined);
}

/**
 * Walks patch-meta.ts's type graph beside the schema graph from each kind, putting its
 * merge keys and strategies on the properties it names. A field patch-meta names that a
 * schema lacks (autoscaling/v1 HPA status has no conditions) is reported and skipped.
 */
function annotatePatchMeta(schemas: Record<string, Schema>): void {
  const done = new Set<string>();
  const visit = (name: string, meta: TypeMeta, metaName: string): void => {
    const key = `${name}|${metaName}`;
    if (done.has(key)) return;
    done.add(key);
    const properties = (schemas[name]?.['properties'] ?? {}) as Record<string, Schema>;
    for (const [field, fm] of Object.entries(meta)) {
      const prop = properties[field];
      if (!prop) {
        console.warn(`note: patch-meta.ts names ${metaName}.${field}, but ${name} has no such property`);
        continue;
      }
      if (fm.strategy) prop['x-kubernetes-patch-strategy'] = fm.strategy;
      if (fm.mergeKey) prop['x-kubernetes-patch-merge-key'] = fm.mergeKey;
      if (prop['type'] === 'array' && fm.strategy?.includes('merge')) {
        if (fm.mergeKey) {
          prop['x-kubernetes-list-type'] = 'map';
          prop['x-kubernetes-list-map-keys'] = [fm.mergeKey];
        } else {
          prop['x-kubernetes-list-type'] = 'set';
        }
      }
      const next = typeMeta(fm.type);
      const to = target(prop);
      if (fm.type && next && to) visit(to, next, fm.type);
    }
  };
  const seenKinds = new Set<string>();
  for (const r of RESOURCES) {
    const name = schemaName(moduleOf(r.group, r.version), r.kind);
    if (seenKinds.has(name)) continue;
    seenKinds.add(name);
    visit(name, rootMeta(r.kind), r.kind);
  }
}

function generate(): string {
  const schemas = emitAll();
  annotateKinds(schemas);
  annotatePatchMeta(schemas);
  return `${JSON.stringify(sortKeys(schemas), null, 1)}\n`;
}

const text = generate();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(OUTPUT, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${relative(ROOT, OUTPUT)} is stale: run npm run gen:openapi`);
    process.exit(1);
  }
  console.log(`${relative(ROOT, OUTPUT)} is up to date`);
} else {
  writeFileSync(OUTPUT, text);
  console.log(`wrote ${relative(ROOT, OUTPUT)}: ${Object.keys(JSON.parse(text) as object).length} schemas, ${text.length} bytes`);
}
