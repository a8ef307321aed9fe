/**
 * Decoding checks for request bodies: a wrongly typed value is refused (400, as Go's
 * decoder refuses it); and, by fieldValidation, fields the kind's schema does not declare
 * (and keys a JSON body repeats, of which the last one counts) are refused (Strict, 400 "strict decoding error"), reported in Warning headers and
 * dropped (Warn, the default), or dropped silently (Ignore). Unknown fields are never
 * stored, whatever the mode.
 */
import { badRequest } from '../../api/errors.js';
import { isPlainObject, type KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { decodeCheck } from '../openapi/decode-check.js';
import { addWarning, type Response } from '../http/io.js';
import type { FieldValidation } from './query.js';

export function enforceKnownFields(info: ResourceInfo, obj: KubeObject, mode: FieldValidation, res: Response, kind = info.kind, duplicates: readonly string[] = []): KubeObject {
  // A wrongly typed value cannot be decoded at all, whatever the validation mode.
  const checked = decodeCheck(info.group, info.version, kind, obj);
  if (checked?.typeError) throw badRequest(`${kind} in version "${info.version}" cannot be handled as a ${kind}: ${checked.typeError}`);
  const unknown = checked?.unknown ?? [];
  if (unknown.length === 0 && duplicates.length === 0) return obj;
  const problems = [...unknown.map((f) => `unknown field "${f}"`), ...duplicates.map((f) => `duplicate field "${f}"`)];
  if (mode === 'Strict') {
    throw badRequest(`${kind} in version "${info.version}" cannot be handled as a ${kind}: strict decoding error: ${problems.join(', ')}`);
  }
  if (mode === 'Warn') for (const p of problems) addWarning(res, p);
  for (const f of unknown) removePath(obj, f);
  return obj;
}

/** Deletes `a.b[2].c` from an object; missing steps are ignored. */
function removePath(obj: unknown, path: string): void {
  const steps = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let cur: unknown = obj;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i]!;
    if (step.startsWith('[')) cur = Array.isArray(cur) ? cur[Number(step.slice(1, -1))] : undefined;
    else cur = isPlainObject(cur) ? cur[step] : undefined;
    if (cur === undefined) return;
  }
  const last = steps[steps.length - 1];
  if (last && !last.startsWith('[') && isPlainObject(cur)) delete cur[last];
}
