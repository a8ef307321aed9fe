/**
 * Work queue metrics under client-go's names (workqueue_depth, workqueue_adds_total,
 * workqueue_queue_duration_seconds, workqueue_work_duration_seconds,
 * workqueue_unfinished_work_seconds, workqueue_longest_running_processor_seconds,
 * workqueue_retries_total), labelled by queue name, so controller-manager dashboards and
 * alerts written for upstream read them.
 *
 * Aggregated in plain numbers and rendered in the Prometheus text format here rather than
 * through prom-client: queues run from the first moment of start-up, and prom-client costs
 * 35–100 ms to load (see src/apiserver/metrics.ts), which start-up does not pay; seven
 * families with one label need no more than this file.
 */

/** client-go's buckets: 10 ns × 10^i, i = 0…9. */
export const WORKQUEUE_DURATION_BUCKETS = Array.from({ length: 10 }, (_, i) => Number((1e-8 * 10 ** i).toPrecision(1)));

export class DurationHistogram {
  readonly counts = new Array<number>(WORKQUEUE_DURATION_BUCKETS.length).fill(0);
  sum = 0;
  count = 0;

  observe(seconds: number): void {
    const s = Math.max(0, seconds);
    this.sum += s;
    this.count++;
    for (let i = 0; i < WORKQUEUE_DURATION_BUCKETS.length; i++) {
      if (s <= WORKQUEUE_DURATION_BUCKETS[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

/** What a queue reports about itself at scrape time. */
export interface LiveQueueFigures {
  depth: number;
  /** Seconds of work in progress, summed over items being processed. */
  unfinishedSeconds: number;
  /** Seconds the longest-running item has been processed. */
  longestSeconds: number;
}

/** One queue name's counters; queues sharing a name share them (as client-go's provider does). */
export class QueueStats {
  adds = 0;
  retries = 0;
  readonly queueDuration = new DurationHistogram();
  readonly workDuration = new DurationHistogram();
  readonly sources = new Set<() => LiveQueueFigures>();

  constructor(readonly name: string) {}

  live(): LiveQueueFigures {
    const out: LiveQueueFigures = { depth: 0, unfinishedSeconds: 0, longestSeconds: 0 };
    for (const source of this.sources) {
      const f = source();
      out.depth += f.depth;
      out.unfinishedSeconds += f.unfinishedSeconds;
      out.longestSeconds = Math.max(out.longestSeconds, f.longestSeconds);
    }
    return out;
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const formatNumber = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

export class WorkQueueMetrics {
  private readonly byName = new Map<string, QueueStats>();

  /** The stats for `name`, created on first use. */
  stats(name: string): QueueStats {
    let s = this.byName.get(name);
    if (!s) this.byName.set(name, (s = new QueueStats(name)));
    return s;
  }

  /** Prometheus text exposition (format 0.0.4) of every queue seen so far. */
  render(): string {
    if (this.byName.size === 0) return '';
    const queues = [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
    const live = new Map(queues.map((q) => [q, q.live()]));
    const lines: string[] = [];
    const family = (name: string, type: string, help: string, sample: (q: QueueStats, label: string) => void) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const q of queues) sample(q, `name="${escapeLabel(q.name)}"`);
    };
    const histogram = (name: string, help: string, pick: (q: QueueStats) => DurationHistogram) =>
      family(name, 'histogram', help, (q, label) => {
        const h = pick(q);
        let cumulative = 0;
        WORKQUEUE_DURATION_BUCKETS.forEach((le, i) => {
          cumulative += h.counts[i]!;
          lines.push(`${name}_bucket{${label},le="${le}"} ${cumulative}`);
        });
        lines.push(`${name}_bucket{${label},le="+Inf"} ${h.count}`, `${name}_sum{${label}} ${formatNumber(h.sum)}`, `${name}_count{${label}} ${h.count}`);
      });
    family('workqueue_adds_total', 'counter', 'Items added to the work queue (adds of an item already waiting are not counted).', (q, l) => lines.push(`workqueue_adds_total{${l}} ${q.adds}`));
    family('workqueue_depth', 'gauge', 'Items waiting in the work queue.', (q, l) => lines.push(`workqueue_depth{${l}} ${live.get(q)!.depth}`));
    histogram('workqueue_queue_duration_seconds', 'Seconds an item waited in the work queue before a worker took it.', (q) => q.queueDuration);
    histogram('workqueue_work_duration_seconds', 'Seconds a worker spent processing an item.', (q) => q.workDuration);
    family('workqueue_unfinished_work_seconds', 'gauge', 'Seconds of work in progress that has not finished yet, summed over the items being processed.', (q, l) =>
      lines.push(`workqueue_unfinished_work_seconds{${l}} ${formatNumber(live.get(q)!.unfinishedSeconds)}`),
    );
    family('workqueue_longest_running_processor_seconds', 'gauge', 'Seconds the longest-running item in progress has been processed.', (q, l) =>
      lines.push(`workqueue_longest_running_processor_seconds{${l}} ${formatNumber(live.get(q)!.longestSeconds)}`),
    );
    family('workqueue_retries_total', 'counter', 'Items put back on the work queue with backoff after a failure.', (q, l) => lines.push(`workqueue_retries_total{${l}} ${q.retries}`));
    return `${lines.join('\n')}\n`;
  }
}

/** The process's work queue metrics (client-go's global metrics provider). */
export const workQueueMetrics = new WorkQueueMetrics();
