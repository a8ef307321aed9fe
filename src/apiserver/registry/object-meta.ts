/**
 * Validation of the metadata every object has, for a served resource: its scope
 * decides whether a namespace is required, its strategy whether names are DNS-1123
 * labels (Namespace, Service) or subdomains (most kinds).
 */
import type { FieldError } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { nameIsDnsLabel, nameIsDnsSubdomain, validateObjectMeta as validateMeta } from '../../api/validation/names.js';

export function validateObjectMeta(obj: StoredObject, info: ResourceInfo, nameIsLabel: boolean): FieldError[] {
  const meta = obj.metadata;
  return validateMeta(
    {
      ...(meta.name !== undefined ? { name: meta.name } : {}),
      ...(meta.generateName !== undefined ? { generateName: meta.generateName } : {}),
      ...(meta.namespace !== undefined ? { namespace: meta.namespace } : {}),
      ...(meta.generation !== undefined ? { generation: meta.generation } : {}),
      labels: meta.labels ?? null,
      annotations: meta.annotations ?? null,
      finalizers: meta.finalizers ?? null,
    },
    { namespaced: info.namespaced, nameFn: nameIsLabel ? nameIsDnsLabel : nameIsDnsSubdomain },
  );
}
