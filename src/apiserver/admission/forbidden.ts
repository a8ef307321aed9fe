/** Upstream's admission.NewForbidden: 403 `<resource> "<name>" is forbidden: <why>`. */
import { ApiError } from '../../api/errors.js';

export function admissionForbidden(group: string, resource: string, name: string, why: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(403, 'Forbidden', `${qualified} "${name}" is forbidden: ${why}`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}
