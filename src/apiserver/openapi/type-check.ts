/**
 * Checks JSON value types against a kind's schema, the way Go's decoder refuses a
 * body upstream: `replicas: "three"` is a 400 "json: cannot unmarshal string into Go
 * struct field DeploymentSpec.spec.replicas of type int32", in every fieldValidation
 * mode. Reports the first mismatch only, as the decoder stops at the first.
 */
import { loadSchemas, resolveSchema, type ResolvedSchema, type Schema } from './schemas.js';
import { schemaPackage } from './openapi-v3.js';
import { goJsonKind } from '../../api/go-semantics.js';

/** The Go type named in the message for a schema. */
function goType(s: ResolvedSchema): string {
  const schema = s.schema;
  const type = schema['type'];
  if (type === 'integer') return String(schema['format'] ?? 'int64');
  if (type === 'number') return 'float64';
  if (type === 'boolean') return 'bool';
  if (type === 'string') return 'string';
  if (type === 'array') return '[]interface {}';
  if (s.name) return `v1.${s.name.split('.').pop()}`;
  return 'map[string]interface {}';
}

function accepts(s: Schema, value: unknown): boolean {
  const oneOf = s['oneOf'] as Schema[] | undefined;
  if (oneOf) return oneOf.some((o) => accepts(o, value));
  switch (s['type']) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return s['properties'] || s['additionalProperties'] ? typeof value === 'object' && value !== null && !Array.isArray(value) : true;
  }
}

interface Walk {
  schemas: Record<string, Schema>;
  /** The innermost Go struct and the field path (without indexes) for messages. */
  struct: string;
}

function check(value: unknown, schema: Schema | undefined, path: string, walk: Walk): string | undefined {
  // null is a valid JSON value for any optional field (Go leaves the zero value).
  if (value === null || value === undefined) return undefined;
  const r = resolveSchema(schema, walk.schemas);
  if (!r) return undefined;
  if (!accepts(r.schema, value)) {
    return `json: cannot unmarshal ${goJsonKind(value)} into Go struct field ${walk.struct}.${path} of type ${goType(r)}`;
  }
  const struct = r.name ? r.name.split('.').pop()! : walk.struct;
  const properties = r.schema['properties'] as Record<string, Schema> | undefined;
  const additional = r.schema['additionalProperties'] as Schema | undefined;
  const items = r.schema['items'] as Schema | undefined;
  if (properties && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const prop = properties[key];
      if (!prop) continue;
      const err = check(child, prop, path ? `${path}.${key}` : key, { ...walk, struct });
      if (err) return err;
    }
  } else if (additional && typeof value === 'object' && !Array.isArray(value)) {
    for (const child of Object.values(value as Record<string, unknown>)) {
      const err = check(child, additional, path, { ...walk, struct });
      if (err) return err;
    }
  } else if (items && Array.isArray(value)) {
    for (const child of value) {
      const err = check(child, items, path, { ...walk, struct });
      if (err) return err;
    }
  }
  return undefined;
}

/**
 * Go's decoder turns a JSON null into the field's zero value: a dropped field, "" in
 * a map of strings, an empty struct in a list. Doing the same keeps nulls from
 * reaching validation as values of no type.
 */
function normalize(value: unknown, schema: Schema | undefined, schemas: Record<string, Schema>): unknown {
  const r = resolveSchema(schema, schemas);
  if (!r || value === null || typeof value !== 'object') return value;
  const properties = r.schema['properties'] as Record<string, Schema> | undefined;
  const additional = r.schema['additionalProperties'] as Schema | undefined;
  const items = r.schema['items'] as Schema | undefined;
  const zero = (s: Schema | undefined): unknown => {
    const t = resolveSchema(s, schemas)?.schema['type'];
    return t === 'string' ? '' : t === 'integer' || t === 'number' ? 0 : t === 'boolean' ? false : t === 'array' ? [] : {};
  };
  if (Array.isArray(value)) {
    if (!items) return value;
    return value.map((v) => (v === null ? zero(items) : normalize(v, items, schemas)));
  }
  const obj = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(obj)) {
    const childSchema = properties?.[key] ?? additional;
    if (child === null) {
      if (properties?.[key] || !additional) delete obj[key];
      else obj[key] = zero(additional);
    } else if (childSchema) obj[key] = normalize(child, childSchema, schemas);
  }
  return obj;
}

/** Applies Go's null-to-zero-value decoding to an object of a kind, in place. */
export function normalizeNulls(group: string, version: string, kind: string, obj: unknown, schemas: Record<string, Schema> = loadSchemas()): void {
  const schema = schemas[`${schemaPackage(group, version)}.${kind}`];
  if (schema) normalize(obj, schema, schemas);
}

/** The decoder's message for the first wrongly typed field, or undefined. */
export function firstTypeError(group: string, version: string, kind: string, obj: unknown, schemas: Record<string, Schema> = loadSchemas()): string | undefined {
  const schema = schemas[`${schemaPackage(group, version)}.${kind}`];
  if (!schema) return undefined;
  return check(obj, schema, '', { schemas, struct: kind });
}
