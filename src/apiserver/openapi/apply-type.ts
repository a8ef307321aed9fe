/**
 * Server-side apply's view of a kind (src/api/apply ApplyType), derived from the same
 * generated OpenAPI schemas that validation and `kubectl explain` use: properties make
 * a struct, additionalProperties a map, `x-kubernetes-list-type` / `-list-map-keys`
 * (or, failing those, a merge patch strategy with its merge key) say how a list merges,
 * `x-kubernetes-map-type: atomic` makes a struct or map one value. Types are built
 * lazily and cached by schema name, so a kind costs only the paths applies touch.
 */
import { DEDUCED, SCALAR, type ApplyType } from '../../api/apply/index.js';
import { loadSchemas, resolveSchema, type Schema } from './schemas.js';
import { schemaPackage } from './openapi-v3.js';

const byName = new Map<string, ApplyType>();

function typeOf(schema: Schema | undefined, schemas: Record<string, Schema>): ApplyType {
  const resolved = resolveSchema(schema, schemas);
  if (!resolved) return DEDUCED;
  if (resolved.name) {
    const cached = byName.get(resolved.name);
    if (cached) return cached;
    const built = build(resolved.schema, schemas);
    byName.set(resolved.name, built);
    return built;
  }
  return build(resolved.schema, schemas);
}

function build(s: Schema, schemas: Record<string, Schema>): ApplyType {
  // int-or-string and quantities (a oneOf of scalar types) are single values.
  if (s['x-kubernetes-int-or-string'] === true || Array.isArray(s['oneOf'])) return SCALAR;
  if (s['x-kubernetes-preserve-unknown-fields'] === true) return DEDUCED;
  const type = s['type'];
  const atomic = s['x-kubernetes-map-type'] === 'atomic';
  if (type === 'array') {
    const items = s['items'] as Schema | undefined;
    const declared = s['x-kubernetes-list-type'];
    const mapKeys = s['x-kubernetes-list-map-keys'] as string[] | undefined;
    const mergeKey = s['x-kubernetes-patch-merge-key'] as string | undefined;
    let element: ApplyType | undefined;
    const elementOf = () => (element ??= typeOf(items, schemas));
    if (declared === 'map' || (declared === undefined && s['x-kubernetes-patch-strategy'] === 'merge' && mergeKey)) {
      return { kind: 'list', listType: 'map', keys: mapKeys ?? (mergeKey ? [mergeKey] : []), element: elementOf };
    }
    if (declared === 'set' || (declared === undefined && s['x-kubernetes-patch-strategy'] === 'merge')) {
      return { kind: 'list', listType: 'set', keys: [], element: elementOf };
    }
    return { kind: 'list', listType: 'atomic', keys: [], element: elementOf };
  }
  const properties = s['properties'] as Record<string, Schema> | undefined;
  if (properties) {
    const fields = new Map<string, ApplyType>();
    return {
      kind: 'struct',
      atomic,
      field(name) {
        let t = fields.get(name);
        if (t) return t;
        // Own properties only: a field named "constructor" is not declared by Object.
        if (!Object.hasOwn(properties, name)) return undefined;
        fields.set(name, (t = typeOf(properties[name], schemas)));
        return t;
      },
    };
  }
  const additional = s['additionalProperties'];
  if (additional && typeof additional === 'object') {
    let element: ApplyType | undefined;
    return { kind: 'map', atomic, element: () => (element ??= typeOf(additional as Schema, schemas)) };
  }
  if (type === 'object' || type === undefined) return DEDUCED;
  return SCALAR;
}

/** The apply type of `group/version kind`, or undefined when no schema exists for it. */
export function applyTypeFor(group: string, version: string, kind: string, schemas: Record<string, Schema> = loadSchemas()): ApplyType | undefined {
  const name = `${schemaPackage(group, version)}.${kind}`;
  if (!schemas[name]) return undefined;
  return typeOf({ $ref: `#/components/schemas/${name}` }, schemas);
}
