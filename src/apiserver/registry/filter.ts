/**
 * List and watch filters: a label selector and a field selector combined into one
 * predicate over objects. Field selectors may name only metadata.name,
 * metadata.namespace and the fields the kind's strategy declares; anything else is
 * refused with upstream's 400 "field label not supported".
 */
import type { StoredObject } from '../../api/object.js';
import { matchLabels, parseLabelSelector } from '../../api/labels.js';
import { matchFields, parseFieldSelector, requirementsOf, unsupportedFieldLabel } from '../../api/fields.js';
import type { Strategy } from './strategy.js';

export type ObjectFilter = (obj: StoredObject) => boolean;

export const everything: ObjectFilter = () => true;

export function buildFilter(strategy: Strategy, labelSelector: string | null, fieldSelector: string | null, sample?: StoredObject): ObjectFilter {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  if (fields) {
    // Which fields exist is a property of the kind; probe the strategy with an empty object.
    const known = new Set(['metadata.name', 'metadata.namespace', ...Object.keys(strategy.selectableFields(sample ?? ({ metadata: {} } as StoredObject)))]);
    for (const name of requirementsOf(fields)) if (!known.has(name)) throw unsupportedFieldLabel(name);
  }
  if (!labels && !fields) return everything;
  return (obj) => {
    if (labels && !matchLabels(labels, obj.metadata.labels ?? {})) return false;
    if (fields) {
      const values = { 'metadata.name': obj.metadata.name ?? '', 'metadata.namespace': obj.metadata.namespace ?? '', ...strategy.selectableFields(obj) };
      if (!matchFields(fields, values)) return false;
    }
    return true;
  };
}
