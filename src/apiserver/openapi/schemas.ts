/**
 * The generated type schemas (schemas.generated.json, written by
 * `npm run gen:openapi`), read from disk on first use so that start-up does not pay
 * for them. The file sits beside this module in src/, and beside the bundle in dist/
 * (scripts/bundle.mjs copies it there).
 */
import { existsSync, readFileSync } from 'node:fs';

export type Schema = Record<string, unknown>;

const CANDIDATES = [new URL('./schemas.generated.json', import.meta.url)];

let cached: Record<string, Schema> | undefined;

export function loadSchemas(): Record<string, Schema> {
  if (!cached) {
    const file = CANDIDATES.find((url) => existsSync(url));
    if (!file) throw new Error(`OpenAPI schemas missing: none of ${CANDIDATES.map((u) => u.pathname).join(', ')} exists (npm run gen:openapi writes it)`);
    cached = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Schema>;
  }
  return cached;
}

const REF_PREFIX = '#/components/schemas/';

export interface ResolvedSchema {
  schema: Schema;
  /** Name of the referenced type, when the schema came through a $ref (the Go struct). */
  name?: string;
}

/** Follows `$ref` and single-element `allOf` to the schema that holds the shape. */
export function resolveSchema(schema: Schema | undefined, schemas: Record<string, Schema>): ResolvedSchema | undefined {
  let s = schema;
  let name: string | undefined;
  for (let depth = 0; s && depth < 8; depth++) {
    const ref = s['$ref'];
    if (typeof ref === 'string') {
      name = ref.slice(REF_PREFIX.length);
      s = schemas[name];
      continue;
    }
    const allOf = s['allOf'] as Schema[] | undefined;
    if (allOf?.length === 1 && !s['properties']) {
      s = allOf[0];
      continue;
    }
    return s ? { schema: s, ...(name ? { name } : {}) } : undefined;
  }
  return undefined;
}

/** Names of every schema `schema` refers to, directly or through nested schemas. */
export function referencedSchemas(schema: unknown, into: Set<string> = new Set()): Set<string> {
  const stack: unknown[] = [schema];
  while (stack.length) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      stack.push(...node);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')) into.add(value.slice('#/components/schemas/'.length));
        else if (typeof value === 'object') stack.push(value);
      }
    }
  }
  return into;
}
