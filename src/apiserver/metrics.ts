/**
 * The API server's Prometheus metrics, under upstream's names so existing dashboards
 * and alerts read them: request counts and latencies by verb, resource and code.
 *
 * prom-client takes ~35–100 ms to load (it blocks the event loop while it compiles),
 * a good part of the start-up budget, so it is loaded a little after the server is
 * ready, or at the first scrape. Requests are counted here from the first one; prom-client
 * only renders the totals, so nothing is lost before it arrives.
 */
import { createRequire } from 'node:module';
import type { Counter, Registry } from 'prom-client';

export type RequestLabels = Record<'verb' | 'dry_run' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component', string>;

/** How long after start-up prom-client loads when nothing asks for it sooner. */
export const METRICS_WARM_UP_DELAY_MS = 1500;

const REQUESTS = {
  name: 'apiserver_request_total',
  help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
};
const DURATION = {
  name: 'apiserver_request_duration_seconds',
  help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
};
/** Upstream's buckets for apiserver_request_duration_seconds. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** One label set's request count per code and latency histogram (per-bucket counts, not cumulative). */
interface RequestSeries {
  labels: RequestLabels;
  codes: Map<string, number>;
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** A sample as prom-client's registry renders it (its exposition format, our values). */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

export class ApiServerMetrics {
  /** prom-client's registry, once loaded (it renders /metrics). */
  private loading: Promise<Registry> | undefined;
  /**
   * Every request is counted here, by one joined key of its labels, and prom-client reads
   * the totals only when scraped: its counters and histograms check and hash a label set on
   * every call, even through a child from `labels()` (~7 µs a request, measured: a few
   * percent of a create, more of a GET).
   */
  private readonly series = new Map<string, RequestSeries>();

  /** Starts loading prom-client without waiting for it. */
  warmUp(): void {
    void this.load();
  }

  /** Loads prom-client after `ms`, off the start-up path (first requests are answered first). */
  warmUpLater(ms: number): void {
    setTimeout(() => this.warmUp(), ms).unref();
  }

  observeRequest(labels: RequestLabels, code: string, seconds: number): void {
    const key = `${labels.verb}\0${labels.dry_run}\0${labels.group}\0${labels.version}\0${labels.resource}\0${labels.subresource}\0${labels.scope}\0${labels.component}`;
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels, codes: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length), sum: 0, count: 0 }));
    series.codes.set(code, (series.codes.get(code) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]!) i++;
    if (i < DURATION_BUCKETS.length) series.buckets[i]!++;
    series.sum += seconds;
    series.count++;
  }

  private requestSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const s of this.series.values()) for (const [code, n] of s.codes) samples.push({ labels: { ...s.labels, code }, value: n });
    return samples;
  }

  private durationSamples(): Sample[] {
    const samples: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        samples.push({ metricName: `${DURATION.name}_bucket`, labels: { le, ...s.labels }, value: cumulative });
      });
      samples.push({ metricName: `${DURATION.name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count });
      samples.push({ metricName: `${DURATION.name}_sum`, labels: { ...s.labels }, value: s.sum });
      samples.push({ metricName: `${DURATION.name}_count`, labels: { ...s.labels }, value: s.count });
    }
    return samples;
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    const registry = await this.load();
    return { contentType: registry.contentType, body: await registry.metrics() };
  }

  private load(): Promise<Registry> {
    // require(), not import(): the built CLI runs as a script with a V8 code cache
    // (src/cli/bundle-loader.ts), where import() of a package is unavailable.
    this.loading ??= Promise.resolve().then(() => {
      const { Registry, collectDefaultMetrics } = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      // Our two metrics are read from this object's totals at each scrape; prom-client
      // renders them (the registry takes any metric with a get() of this shape).
      const metric = (config: { name: string; help: string }, type: 'counter' | 'histogram', samples: () => Sample[]) =>
        ({
          ...config,
          type,
          aggregator: 'sum',
          get: async () => ({ ...config, type, aggregator: 'sum', values: samples() }),
          reset: () => undefined,
        }) as unknown as Counter;
      registry.registerMetric(metric(REQUESTS, 'counter', () => this.requestSamples()));
      registry.registerMetric(metric(DURATION, 'histogram', () => this.durationSamples()));
      return registry;
    });
    return this.loading;
  }
}
