/**
 * pods/<name>/eviction (policy/v1 Eviction; policy/v1beta1 bodies accepted): deletes a
 * pod only if no PodDisruptionBudget forbids it, as upstream's eviction REST does. A
 * pod that is already terminal, pending or terminating, or that no budget selects, is
 * deleted directly. Otherwise the one budget that selects it must allow a disruption:
 * its status is decremented (and the pod recorded in disruptedPods) by an update
 * guarded by the budget's resourceVersion, and only then is the pod deleted.
 */
import { ApiError, badRequest, tooManyRequests } from '../../api/errors.js';
import { isPlainObject, type KubeObject, type StoredObject } from '../../api/object.js';
import { labelSelectorFromObject, matchLabels, isEmpty, matchesNothing, type MetaLabelSelector } from '../../api/labels.js';
import { rfc3339 } from '../../api/time.js';
import type { DeleteOptions } from '../registry/generic-store.js';
import { everything } from '../registry/filter.js';
import { writeJson, type Response } from '../http/io.js';
import { deleteOptions } from './query.js';
import type { ResourceContext } from './context.js';

/** Past this many unconfirmed evictions a budget refuses more (upstream MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;
/** Conflicts on the pod or the budget are retried this often (upstream retries 20 times). */
const MAX_ATTEMPTS = 20;
const EVICTION_VERSIONS = new Set(['policy/v1', 'policy/v1beta1']);

type Obj = Record<string, unknown>;
interface PdbStatus {
  disruptionsAllowed?: number;
  currentHealthy?: number;
  desiredHealthy?: number;
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  conditions?: Obj[];
}

export async function evictPod(ctx: ResourceContext, res: Response, namespace: string, name: string, body: KubeObject, query: URLSearchParams): Promise<void> {
  if (body.apiVersion !== undefined && !EVICTION_VERSIONS.has(body.apiVersion)) {
    throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (policy/v1)`);
  }
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`not a Eviction object: ${body.kind}`);
  if ((body.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Eviction object');
  if (body.metadata?.namespace && body.metadata.namespace !== namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const options = deleteOptions(query, isPlainObject(body['deleteOptions']) ? body['deleteOptions'] : undefined);
  const pods = ctx.registry.core('pods').store;
  const callerPinnedVersion = options.preconditions?.resourceVersion !== undefined;

  // Pods whose disruption has already happened (or cannot matter) go without a budget check.
  let pod: StoredObject | undefined;
  for (let attempt = 0; ; attempt++) {
    pod = await pods.get(namespace, name);
    if (!canIgnoreBudget(pod)) break;
    const opts = enforceVersion(pod) && !callerPinnedVersion ? withVersion(options, pod) : options;
    try {
      await pods.delete(namespace, name, opts);
      return success(res);
    } catch (err) {
      if (!isConflict(err) || callerPinnedVersion || attempt >= MAX_ATTEMPTS) throw err;
    }
  }

  const budgets = await matchingBudgets(ctx, pod);
  if (budgets.length > 1) {
    return writeJson(res, 500, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
  }
  let guardWithPodVersion = false;
  const budget = budgets[0];
  if (budget) {
    const status = (budget['status'] ?? {}) as PdbStatus;
    const policy = (budget['spec'] as { unhealthyPodEvictionPolicy?: string } | undefined)?.unhealthyPodEvictionPolicy;
    // An unready pod is not counted as healthy: evicting it costs the budget nothing
    // when the policy says so, or when the budget is met without it.
    const healthyEnough = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    if (!isReady(pod) && (policy === 'AlwaysAllow' || healthyEnough)) guardWithPodVersion = true;
    else await checkAndDecrement(ctx, budget, pod, options.dryRun ?? false);
  }

  const opts = guardWithPodVersion ? withVersion(options, pod) : options;
  try {
    await pods.delete(namespace, name, opts);
  } catch (err) {
    // The pod changed (perhaps became ready) since the budget was judged: let the client retry.
    if (isConflict(err) && guardWithPodVersion && !callerPinnedVersion) throw budgetBusy(budget!.metadata.name!);
    throw err;
  }
  success(res);
}

function success(res: Response): void {
  writeJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

function phaseOf(pod: StoredObject): string {
  return ((pod['status'] ?? {}) as { phase?: string }).phase ?? '';
}

function canIgnoreBudget(pod: StoredObject): boolean {
  const phase = phaseOf(pod);
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp !== undefined;
}

/** Guard the delete with the pod's version unless it is terminal or already going. */
function enforceVersion(pod: StoredObject): boolean {
  const phase = phaseOf(pod);
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp !== undefined);
}

function withVersion(options: DeleteOptions, pod: StoredObject): DeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion! } };
}

function isReady(pod: StoredObject): boolean {
  const conditions = ((pod['status'] ?? {}) as { conditions?: { type?: string; status?: string }[] }).conditions ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}

function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.code === 409 && err.reason === 'Conflict';
}

/** Budgets in the pod's namespace whose selector picks it; an empty or null selector picks nothing. */
async function matchingBudgets(ctx: ResourceContext, pod: StoredObject): Promise<StoredObject[]> {
  const pdbs = ctx.registry.find('policy', 'v1', 'poddisruptionbudgets')!.store;
  const { items } = await pdbs.list(pod.metadata.namespace ?? '', { filter: everything });
  return items.filter((pdb) => {
    let selector;
    try {
      selector = labelSelectorFromObject((pdb['spec'] as { selector?: MetaLabelSelector } | undefined)?.selector);
    } catch {
      return false;
    }
    if (matchesNothing(selector) || isEmpty(selector)) return false;
    return matchLabels(selector, pod.metadata.labels);
  });
}

/** 429 with the DisruptionBudget cause, worded as upstream. */
function budgetRefusal(causeMessage: string, retryAfterSeconds: number): ApiError {
  const err = tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", retryAfterSeconds);
  err.details!.causes = [{ reason: 'DisruptionBudget', message: causeMessage }];
  // Upstream omits a zero retryAfterSeconds (and sends no Retry-After header).
  if (retryAfterSeconds === 0) delete err.details!.retryAfterSeconds;
  return err;
}

const budgetBusy = (pdbName: string): ApiError => budgetRefusal(`The disruption budget ${pdbName} is still being processed by the server.`, 10);

function forbiddenBudget(pdbName: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `poddisruptionbudgets.policy "${pdbName}" is forbidden: ${why}`, { name: pdbName, group: 'policy', kind: 'poddisruptionbudgets' });
}

/**
 * Takes one disruption from the budget, or refuses: a status the disruption controller
 * has not caught up with, or no disruptions left, is a 429. The write is guarded by the
 * budget's resourceVersion; on a conflict the budget is read again and judged again.
 */
async function checkAndDecrement(ctx: ResourceContext, initial: StoredObject, pod: StoredObject, dryRun: boolean): Promise<void> {
  const pdbs = ctx.registry.find('policy', 'v1', 'poddisruptionbudgets')!.store;
  const namespace = initial.metadata.namespace ?? '';
  const pdbName = initial.metadata.name!;
  let pdb = initial;
  for (let attempt = 0; ; attempt++) {
    const status = (pdb['status'] ?? {}) as PdbStatus;
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetBusy(pdbName);
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbiddenBudget(pdbName, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
      throw forbiddenBudget(pdbName, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    }
    if (allowed === 0) {
      throw budgetRefusal(`The disruption budget ${pdbName} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`, 0);
    }
    if (dryRun) return;
    const now = rfc3339(ctx.now());
    try {
      await pdbs.guaranteedUpdate(namespace, pdbName, 'status', {}, pdb.metadata.resourceVersion, (current) => {
        const next = current as Obj;
        const s = { ...((next['status'] ?? {}) as PdbStatus) };
        s.disruptionsAllowed = allowed - 1;
        if (s.disruptionsAllowed === 0) s.conditions = disruptionNotAllowed(s, now);
        s.disruptedPods = { ...(s.disruptedPods ?? {}), [pod.metadata.name!]: now };
        next['status'] = s;
        return next as KubeObject;
      });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) {
        if (isConflict(err)) throw new ApiError(504, 'Timeout', `couldn't update PodDisruptionBudget "${pdbName}" due to conflicts`, { retryAfterSeconds: 10 });
        throw err;
      }
      pdb = await pdbs.get(namespace, pdbName);
    }
  }
}

/** The DisruptionAllowed=False condition upstream sets when the last disruption is used. */
function disruptionNotAllowed(status: PdbStatus, now: string): Obj[] {
  const conditions = [...(status.conditions ?? [])];
  const i = conditions.findIndex((c) => c['type'] === 'DisruptionAllowed');
  const previous = i >= 0 ? conditions[i]! : undefined;
  const condition: Obj = {
    type: 'DisruptionAllowed',
    status: 'False',
    observedGeneration: status.observedGeneration ?? 0,
    lastTransitionTime: previous && previous['status'] === 'False' ? previous['lastTransitionTime'] : now,
    reason: 'InsufficientPods',
    message: '',
  };
  if (i >= 0) conditions[i] = condition;
  else conditions.push(condition);
  return conditions;
}

