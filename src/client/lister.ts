/**
 * Listers: reads from an informer's cache, as controllers do instead of asking the API
 * server — all objects or one namespace's, filtered by a label selector, or one by name.
 */
import type { KubeObject } from '../api/object.js';
import type { ObjectLike } from './object.js';
import { EVERYTHING, matchLabels, parseLabelSelector, type LabelSelector } from '../api/labels.js';
import { NAMESPACE_INDEX, type Indexer } from './indexer.js';

type Selector = LabelSelector | string | undefined;

function toSelector(selector: Selector): LabelSelector {
  if (selector === undefined) return EVERYTHING;
  return typeof selector === 'string' ? parseLabelSelector(selector) : selector;
}

function select<T extends ObjectLike>(items: T[], selector: Selector): T[] {
  if (selector === undefined || selector === '') return items;
  const sel = toSelector(selector);
  return items.filter((o) => matchLabels(sel, o.metadata?.labels));
}

export class Lister<T extends ObjectLike = KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  list(selector?: Selector): T[] {
    return select(this.indexer.list(), selector);
  }

  /** A cluster-scoped object by name, or any object by its `namespace/name` key. */
  get(key: string): T | undefined {
    return this.indexer.get(key);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }

  byIndex(index: string, value: string): T[] {
    return this.indexer.byIndex(index, value);
  }
}

export class NamespaceLister<T extends ObjectLike = KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    private readonly ns: string,
  ) {}

  list(selector?: Selector): T[] {
    return select(this.indexer.byIndex(NAMESPACE_INDEX, this.ns), selector);
  }

  get(name: string): T | undefined {
    return this.indexer.get(`${this.ns}/${name}`);
  }
}
