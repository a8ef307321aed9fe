/**
 * Validation of the metadata every object has, for a served resource: its scope
 * decides whether a namespace is required, its strategy whether names are DNS-1123
 * subdomains (most kinds), labels (Namespace) or DNS-1035 labels (Service).
 */
import type { FieldError } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { nameIsDns1035Label, nameIsDnsLabel, nameIsDnsSubdomain, validateObjectMeta as validateMeta, type NameValidator, type ObjectMetaLike } from '../../api/validation/names.js';
import type { NameRule } from './strategy.js';

const NAME_RULES: Record<NameRule, NameValidator> = { subdomain: nameIsDnsSubdomain, label: nameIsDnsLabel, dns1035: nameIsDns1035Label };

export function validateObjectMeta(obj: StoredObject, info: ResourceInfo, nameRule: NameRule): FieldError[] {
  // The metadata itself is checked (no copy of the fields checked: this runs on every write).
  return validateMeta(obj.metadata as ObjectMetaLike, { namespaced: info.namespaced, nameFn: NAME_RULES[nameRule] });
}
