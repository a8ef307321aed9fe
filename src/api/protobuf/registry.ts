/**
 * The process-wide schema registry over every package in schemas/index.ts, built on
 * first use (parsing the tables takes a few milliseconds that most processes never need).
 */
import { SchemaRegistry } from './schema.js';
import { SCHEMA_PACKAGES } from './schemas/index.js';

let registry: SchemaRegistry | undefined;

export function defaultRegistry(): SchemaRegistry {
  return (registry ??= new SchemaRegistry(SCHEMA_PACKAGES));
}
