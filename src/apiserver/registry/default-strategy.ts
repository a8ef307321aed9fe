/**
 * The strategy every kind starts from: no defaults, no kind-specific validation, an
 * AGE column. Kind modules spread it and override what upstream does differently.
 */
import { age } from '../../api/human-duration.js';
import type { StoredObject } from '../../api/object.js';
import type { Strategy, TableColumn } from './strategy.js';

export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
  priority: 0,
};

export function ageCell(obj: StoredObject, now: Date): string {
  return age(obj.metadata.creationTimestamp, now);
}

export const defaultStrategy: Strategy = {
  defaults() {},
  prepareForCreate() {},
  prepareForUpdate() {},
  validate: () => [],
  validateUpdate: () => [],
  nameRule: 'subdomain',
  allowCreateOnUpdate: false,
  columns: [AGE_COLUMN],
  cells: (obj, now) => [ageCell(obj, now)],
  selectableFields: () => ({}),
};

/** A column of one string, for the many simple columns printers have. */
export function column(name: string, description: string, priority: 0 | 1 = 0, type: TableColumn['type'] = 'string'): TableColumn {
  return { name, type, description, priority };
}

/** `<none>` for empty values, as upstream prints them. */
export function orNone(value: string | undefined | null): string {
  return value === undefined || value === null || value === '' ? '<none>' : value;
}

/** Reads a nested field without caring whether the path exists. */
export function field(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export function stringField(obj: unknown, ...path: (string | number)[]): string | undefined {
  const v = field(obj, ...path);
  return typeof v === 'string' ? v : undefined;
}

export function numberField(obj: unknown, ...path: (string | number)[]): number {
  const v = field(obj, ...path);
  return typeof v === 'number' ? v : 0;
}
