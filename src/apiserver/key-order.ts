/**
 * The keys of a watch cache in storage order, for LISTs served from memory: storage
 * lists in the byte order of the keys' UTF-8 (SQLite's BINARY collation, etcd's byte
 * keys), and a LIST from the cache must come out in the same order as one from storage
 * (continue tokens and clients comparing both rely on it). The order is rebuilt lazily,
 * once per change of the key set, not on every write: updates of existing objects, the
 * common write, keep it.
 */

/** JavaScript compares UTF-16 code units, which agree with UTF-8 byte order below U+D800. */
const BEYOND_FAST_ORDER = /[\uD800-\uFFFF]/;

const fastOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export class KeyOrder {
  private sorted: string[] | undefined;
  private order = fastOrder;

  constructor(private readonly source: { keys(): Iterable<string> }) {}

  /** A key was added or removed (or all were replaced). */
  changed(): void {
    this.sorted = undefined;
  }

  /** The keys starting with `prefix`, in storage order. */
  range(prefix: string): string[] {
    const sorted = this.sortedKeys();
    // The first key at or after the prefix: keys sharing a prefix are contiguous.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.order(sorted[mid]!, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < sorted.length && sorted[end]!.startsWith(prefix)) end++;
    return sorted.slice(lo, end);
  }

  private sortedKeys(): string[] {
    if (this.sorted) return this.sorted;
    const keys = [...this.source.keys()];
    const wide = keys.some((k) => BEYOND_FAST_ORDER.test(k));
    this.order = wide ? utf8Order : fastOrder;
    if (wide) {
      const bytes = new Map(keys.map((k) => [k, Buffer.from(k, 'utf8')]));
      keys.sort((a, b) => Buffer.compare(bytes.get(a)!, bytes.get(b)!));
    } else keys.sort(fastOrder);
    this.sorted = keys;
    return keys;
  }
}
