/**
 * Shared pieces of the kubectl e2e suites: where the manifests are, the kinds they
 * hold, and small helpers on top of the kubectl harness.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, parseJson, show, type Kubectl, type KubectlResult } from './skiff-server.js';

export const MANIFESTS = join(REPO_ROOT, 'test/e2e/manifests');
export const manifest = (file: string): string => join(MANIFESTS, file);

export interface KindFixture {
  /** Manifest base name: `${file}.yaml`, edited copy `${file}.v2.yaml`. */
  file: string;
  /** What kubectl prints: `${printed}/${name} created`. */
  printed: string;
  /** The resource argument for `kubectl get`. */
  resource: string;
  name: string;
  namespaced: boolean;
}

export const KINDS: KindFixture[] = [
  { file: 'pod', printed: 'pod', resource: 'pods', name: 'web-pod', namespaced: true },
  { file: 'service', printed: 'service', resource: 'services', name: 'web-svc', namespaced: true },
  { file: 'persistentvolume', printed: 'persistentvolume', resource: 'persistentvolumes', name: 'e2e-pv-slow', namespaced: false },
  { file: 'persistentvolumeclaim', printed: 'persistentvolumeclaim', resource: 'persistentvolumeclaims', name: 'data-claim', namespaced: true },
  { file: 'deployment', printed: 'deployment.apps', resource: 'deployments.apps', name: 'web', namespaced: true },
  { file: 'statefulset', printed: 'statefulset.apps', resource: 'statefulsets.apps', name: 'db', namespaced: true },
  { file: 'daemonset', printed: 'daemonset.apps', resource: 'daemonsets.apps', name: 'agent', namespaced: true },
  { file: 'job', printed: 'job.batch', resource: 'jobs.batch', name: 'pi', namespaced: true },
  { file: 'cronjob', printed: 'cronjob.batch', resource: 'cronjobs.batch', name: 'tick', namespaced: true },
  { file: 'ingress', printed: 'ingress.networking.k8s.io', resource: 'ingresses.networking.k8s.io', name: 'web-ing', namespaced: true },
  { file: 'networkpolicy', printed: 'networkpolicy.networking.k8s.io', resource: 'networkpolicies.networking.k8s.io', name: 'web-allow-frontend', namespaced: true },
  { file: 'configmap', printed: 'configmap', resource: 'configmaps', name: 'app-config', namespaced: true },
  { file: 'secret', printed: 'secret', resource: 'secrets', name: 'app-secret', namespaced: true },
];

/** The namespace of its own for a kind's manifest. */
export const ownNamespace = (kind: KindFixture): string => `e2e-${kind.file}`;

export function namespaceManifest(names: string[]): string {
  return names.map((n) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${n}\n  labels:\n    e2e: "true"\n`).join('---\n');
}

/** Asserts a successful kubectl run, showing everything kubectl printed when not. */
export function ok(result: KubectlResult, what = 'kubectl'): KubectlResult {
  assert.equal(result.code, 0, `${what} failed\n${show(result)}`);
  return result;
}

/** Asserts kubectl failed, and returns its stderr. */
export function fails(result: KubectlResult, what = 'kubectl'): string {
  assert.notEqual(result.code, 0, `${what} was expected to fail\n${show(result)}`);
  return result.stderr;
}

/** `kubectl get … -o json`, parsed. */
export async function getJson<T = any>(kubectl: Kubectl, args: string[]): Promise<T> {
  return parseJson<T>(ok(await kubectl.run(['get', ...args, '-o', 'json']), `kubectl get ${args.join(' ')}`));
}

/**
 * Creates fixtures without depending on server-side validation support
 * (`--validate=false`), so that suites about other commands are not all blocked by a
 * gap in `apply` itself; `kubectl-apply.test.ts` covers plain `apply -f`.
 */
export async function applyFixture(kubectl: Kubectl, args: string[], input?: string): Promise<KubectlResult> {
  return ok(await kubectl.run(['apply', '--validate=false', ...args], input === undefined ? {} : { input }), `kubectl apply ${args.join(' ')}`);
}

/** Table output split into rows of cells (on runs of 2+ spaces, as kubectl pads). */
export function tableRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}

/** The header of a kubectl table. */
export function header(stdout: string): string[] {
  return tableRows(stdout)[0] ?? [];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Options for a test that does not pass yet because the server lacks something: a
 * node:test `todo` (runs, reports, does not fail the suite). With SKIFF_E2E_STRICT=1
 * set, gaps are normal tests again, to see which still fail.
 */
export function gap(reason: string): { todo?: string } {
  return process.env['SKIFF_E2E_STRICT'] ? {} : { todo: reason };
}
