/**
 * Server-side printing (meta.k8s.io/v1 Table): what `kubectl get` shows. Columns come
 * from each kind's strategy (upstream's printers); rows carry the object as
 * PartialObjectMetadata by default, the full object with includeObject=Object, or none.
 */
import { badRequest } from '../api/errors.js';
import type { StoredObject } from '../api/object.js';
import type { Strategy, TableColumn } from './registry/strategy.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. It is required when creating resources and cannot be updated.',
  priority: 0,
};

/** Whether the Accept header asks for a Table (kubectl get sends v1 and v1beta1 forms). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '');
    return p.includes('as=Table') && p.includes('g=meta.k8s.io');
  });
}

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === null || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw badRequest(`includeObject must be one of None, Metadata, Object; got ${JSON.stringify(value)}`);
}

export interface TableOptions {
  includeObject: IncludeObject;
  now: Date;
  /** Watch events after the first carry no column definitions. */
  withColumns: boolean;
  resourceVersion?: string;
  continueToken?: string;
}

export function toTable(objects: StoredObject[], strategy: Strategy, options: TableOptions): Record<string, unknown> {
  const metadata: Record<string, string> = {};
  if (options.resourceVersion !== undefined) metadata['resourceVersion'] = options.resourceVersion;
  if (options.continueToken) metadata['continue'] = options.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: options.withColumns ? [NAME_COLUMN, ...strategy.columns].map(columnDefinition) : [],
    rows: objects.map((obj) => {
      const row: Record<string, unknown> = { cells: [strategy.nameCell?.(obj) ?? obj.metadata.name ?? '', ...strategy.cells(obj, options.now)] };
      if (options.includeObject === 'Object') row['object'] = obj;
      else if (options.includeObject === 'Metadata') {
        row['object'] = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
      }
      return row;
    }),
  };
}

function columnDefinition(c: TableColumn): Record<string, unknown> {
  return { name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority };
}
