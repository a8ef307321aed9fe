/**
 * Validation of a pod's containers, shared by every kind that embeds a pod template
 * (Pod, Deployment, Job, …): names, images, ports and env, with upstream's field paths
 * and messages.
 */
import type { Container } from 'kubernetes-types/core/v1.js';
import type { FieldError } from '../../../api/errors.js';
import { isDns1123Label } from '../../../api/validation/names.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export function validateContainers(containers: Container[] | undefined, path: string, required: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!containers || containers.length === 0) {
    if (required) errors.push({ type: 'FieldValueRequired', field: path, detail: '' });
    return errors;
  }
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = `${path}[${i}]`;
    if (!c.name) errors.push({ type: 'FieldValueRequired', field: `${at}.name`, detail: '' });
    else {
      for (const msg of isDns1123Label(c.name)) errors.push({ type: 'FieldValueInvalid', field: `${at}.name`, value: c.name, detail: msg });
      if (names.has(c.name)) errors.push({ type: 'FieldValueDuplicate', field: `${at}.name`, value: c.name, detail: '' });
      names.add(c.name);
    }
    if (!c.image || c.image.trim() === '') errors.push({ type: 'FieldValueRequired', field: `${at}.image`, detail: '' });
    else if (c.image !== c.image.trim()) errors.push({ type: 'FieldValueInvalid', field: `${at}.image`, value: c.image, detail: 'must not have leading or trailing whitespace' });
    (c.ports ?? []).forEach((p, j) => {
      const pp = `${at}.ports[${j}]`;
      if (!Number.isInteger(p.containerPort) || p.containerPort < 1 || p.containerPort > 65535) {
        errors.push({ type: 'FieldValueInvalid', field: `${pp}.containerPort`, value: p.containerPort, detail: 'must be between 1 and 65535, inclusive' });
      }
      if (p.hostPort !== undefined && p.hostPort !== 0 && (!Number.isInteger(p.hostPort) || p.hostPort < 1 || p.hostPort > 65535)) {
        errors.push({ type: 'FieldValueInvalid', field: `${pp}.hostPort`, value: p.hostPort, detail: 'must be between 1 and 65535, inclusive' });
      }
      if (p.protocol && !PROTOCOLS.includes(p.protocol)) {
        errors.push({ type: 'FieldValueNotSupported', field: `${pp}.protocol`, value: p.protocol, detail: 'supported values: "SCTP", "TCP", "UDP"' });
      }
    });
    (c.env ?? []).forEach((e, j) => {
      if (!e.name) errors.push({ type: 'FieldValueRequired', field: `${at}.env[${j}].name`, detail: '' });
      else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(e.name)) {
        errors.push({ type: 'FieldValueInvalid', field: `${at}.env[${j}].name`, value: e.name, detail: "a valid environment variable name must consist only of printable ASCII characters other than '='" });
      }
    });
  });
  return errors;
}
