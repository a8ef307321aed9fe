/**
 * The least the client needs to know of an object: its kind and metadata. Typed
 * objects from kubernetes-types (Pod, Deployment, …) fit it as they are, so callers can
 * write `client.get<Pod>(…)` or `SharedInformer<Node>`; untyped code gets KubeObject.
 */

export interface ObjectMetaLike {
  readonly name?: string;
  readonly namespace?: string;
  readonly generateName?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly labels?: { readonly [key: string]: string };
}

export interface ObjectLike {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: ObjectMetaLike;
}

export interface ObjectList<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}
