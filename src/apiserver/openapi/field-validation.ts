/**
 * Finds the fields of an object that its kind's schema does not declare: what
 * `fieldValidation=Strict` refuses and `Warn` reports. kubectl sends Strict on every
 * create, replace, apply, edit and patch once the OpenAPI document advertises the
 * parameter, and then leaves field checking to the server. Pure: a lookup in the
 * generated schemas, no I/O beyond loading them once.
 */
import { loadSchemas, resolveSchema, type Schema } from './schemas.js';
import { schemaPackage } from './openapi-v3.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function walk(value: unknown, schema: Schema | undefined, path: string, schemas: Record<string, Schema>, out: string[]): void {
  const s = resolveSchema(schema, schemas)?.schema;
  if (!s) return;
  const properties = s['properties'] as Record<string, Schema> | undefined;
  const additional = s['additionalProperties'] as Schema | undefined;
  const items = s['items'] as Schema | undefined;
  if (properties && isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      const prop = properties[key];
      if (prop) walk(child, prop, at, schemas, out);
      else out.push(at);
    }
  } else if (additional && isObject(value)) {
    for (const [key, child] of Object.entries(value)) walk(child, additional, path ? `${path}.${key}` : key, schemas, out);
  } else if (items && Array.isArray(value)) {
    value.forEach((child, i) => walk(child, items, `${path}[${i}]`, schemas, out));
  }
  // Anything else (free-form objects such as RawExtension, scalars, or a value of the
  // wrong type) has no undeclared fields to report here.
}

/**
 * Undeclared field paths of `obj` as a `group`/`version` `kind`, in upstream's notation
 * (`spec.foo`, `spec.containers[0].bar`), in the order they appear; undefined when the
 * kind has no schema.
 */
export function unknownFields(group: string, version: string, kind: string, obj: unknown, schemas: Record<string, Schema> = loadSchemas()): string[] | undefined {
  const schema = schemas[`${schemaPackage(group, version)}.${kind}`];
  if (!schema) return undefined;
  const out: string[] = [];
  walk(obj, schema, '', schemas, out);
  return out;
}
