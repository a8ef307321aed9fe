/**
 * What server-side apply needs to know about a type: whether a value is a struct
 * (named fields), a map (free keys), a list (atomic, a set of scalars, or keyed by
 * some fields of its items) or a scalar, and whether it is merged granularly or
 * replaced whole. The API server derives these from its OpenAPI schemas; `DEDUCED`
 * stands in where no schema says (embedded raw JSON, unknown fields), treating maps
 * as granular and lists as atomic, as upstream does for deduced types.
 */
export type ApplyType =
  | { kind: 'scalar' }
  | { kind: 'struct'; atomic: boolean; field(name: string): ApplyType | undefined }
  | { kind: 'map'; atomic: boolean; element(): ApplyType }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: readonly string[]; element(): ApplyType }
  | { kind: 'deduced' };

export const SCALAR: ApplyType = { kind: 'scalar' };
export const DEDUCED: ApplyType = { kind: 'deduced' };

/** A struct field's type, or the map element type; undefined for a struct's unknown field. */
export function childType(type: ApplyType, name: string): ApplyType {
  if (type.kind === 'struct') return type.field(name) ?? DEDUCED;
  if (type.kind === 'map') return type.element();
  return DEDUCED;
}

/** Whether `name` is a named field of a struct (its path is not itself owned) or a map key. */
export function isMapEntry(type: ApplyType, name: string): boolean {
  return type.kind === 'map' || type.kind === 'deduced' || (type.kind === 'struct' && type.field(name) === undefined);
}

/** Replaced as one value: scalars, atomic structs/maps/lists, and deduced lists. */
export function isAtomic(type: ApplyType, value: unknown): boolean {
  switch (type.kind) {
    case 'scalar':
      return true;
    case 'struct':
    case 'map':
      return type.atomic;
    case 'list':
      return type.listType === 'atomic';
    case 'deduced':
      return Array.isArray(value) || typeof value !== 'object' || value === null;
  }
}
