/**
 * Query parameters shared by the resource verbs, parsed and checked once: dry-run,
 * field manager and validation, selectors, paging, resourceVersion, watch options and
 * DeleteOptions (which kubectl sends in the body and client-node in the query).
 */
import { goParseBoolTrue } from '../../api/go-semantics.js';
import { badRequest } from '../../api/errors.js';
import { isPlainObject } from '../../api/object.js';
import type { DeleteOptions } from '../registry/generic-store.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  for (const v of values) if (v !== 'All' && v !== '') throw badRequest(`Invalid dry run value: "${v}". Valid values are "All"`);
  return values.includes('All');
}

export function fieldValidation(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

export function integerParam(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  return Number(v);
}

const POLICIES = ['Orphan', 'Background', 'Foreground'] as const;

/** DeleteOptions from the body (kubectl) merged over the query (client-node). */
export function deleteOptions(query: URLSearchParams, body: unknown): DeleteOptions {
  const opts: DeleteOptions = {};
  const grace = integerParam(query, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = query.get('propagationPolicy');
  if (policy) opts.propagationPolicy = checkPolicy(policy);
  if (goParseBoolTrue(query.get('orphanDependents'))) opts.propagationPolicy ??= 'Orphan';
  if (dryRun(query)) opts.dryRun = true;
  if (body !== undefined) {
    if (!isPlainObject(body)) throw badRequest('DeleteOptions must be an object');
    if (body['gracePeriodSeconds'] !== undefined && body['gracePeriodSeconds'] !== null) {
      if (!Number.isInteger(body['gracePeriodSeconds'])) throw badRequest('gracePeriodSeconds must be an integer');
      opts.gracePeriodSeconds = body['gracePeriodSeconds'] as number;
    }
    if (typeof body['propagationPolicy'] === 'string') opts.propagationPolicy = checkPolicy(body['propagationPolicy']);
    if (body['orphanDependents'] === true) opts.propagationPolicy ??= 'Orphan';
    if (isPlainObject(body['preconditions'])) {
      const p = body['preconditions'];
      opts.preconditions = {};
      if (typeof p['uid'] === 'string') opts.preconditions.uid = p['uid'];
      if (typeof p['resourceVersion'] === 'string') opts.preconditions.resourceVersion = p['resourceVersion'];
    }
    if (Array.isArray(body['dryRun'])) {
      for (const v of body['dryRun']) if (v !== 'All') throw badRequest(`Invalid dry run value: "${String(v)}". Valid values are "All"`);
      if (body['dryRun'].includes('All')) opts.dryRun = true;
    }
  }
  if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
  return opts;
}

function checkPolicy(p: string): (typeof POLICIES)[number] {
  if ((POLICIES as readonly string[]).includes(p)) return p as (typeof POLICIES)[number];
  throw badRequest(`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${p}": supported values: "Foreground", "Background", "Orphan"`);
}
