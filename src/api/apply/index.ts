/** Server-side apply: field sets, typed merge and managedFields bookkeeping (pure). */
export * from './field-set.js';
export * from './schema-type.js';
export { compare, fieldsOf, fieldsV1Of, DuplicateItemError } from './walk.js';
export { mergeApplied, removeFields } from './merge.js';
export * from './managed-fields.js';
