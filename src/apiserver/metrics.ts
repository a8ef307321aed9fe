/**
 * The API server's Prometheus metrics, under upstream's names so existing dashboards
 * and alerts read them: request counts and latencies by verb, resource and code.
 *
 * prom-client takes ~35–100 ms to load (it blocks the event loop while it compiles),
 * a good part of the start-up budget, so it is loaded a little after the server is
 * ready — or at the first scrape, or once many observations wait; observations made
 * before it arrives are kept and replayed, so none is lost.
 */
import { createRequire } from 'node:module';
import type { Counter, Histogram, Registry } from 'prom-client';

export type RequestLabels = Record<'verb' | 'dry_run' | 'group' | 'version' | 'resource' | 'subresource' | 'scope' | 'component', string>;

interface Loaded {
  registry: Registry;
  requests: Counter<string>;
  duration: Histogram<string>;
}

/** Past this many waiting observations prom-client is loaded at once. */
const PENDING_BEFORE_LOAD = 1000;
/** How long after start-up prom-client loads when nothing asks for it sooner. */
export const METRICS_WARM_UP_DELAY_MS = 1500;

export class ApiServerMetrics {
  private loaded: Loaded | undefined;
  private loading: Promise<Loaded> | undefined;
  private pending: { labels: RequestLabels; code: string; seconds: number }[] = [];
  /** The series of each label set seen (as many as prom-client itself keeps). */
  private readonly series = new Map<string, { duration: { observe(seconds: number): void }; requests: Map<string, { inc(): void }> }>();

  /** Starts loading prom-client without waiting for it. */
  warmUp(): void {
    void this.load();
  }

  /** Loads prom-client after `ms`, off the start-up path (first requests are answered first). */
  warmUpLater(ms: number): void {
    setTimeout(() => this.warmUp(), ms).unref();
  }

  observeRequest(labels: RequestLabels, code: string, seconds: number): void {
    if (this.loaded) {
      // prom-client checks and hashes a label set on every call; a request's series are
      // looked up by one joined key instead (every request comes here).
      const key = `${labels.verb}\0${labels.dry_run}\0${labels.group}\0${labels.version}\0${labels.resource}\0${labels.subresource}\0${labels.scope}\0${labels.component}`;
      let series = this.series.get(key);
      if (!series) this.series.set(key, (series = { duration: this.loaded.duration.labels(labels), requests: new Map() }));
      let counter = series.requests.get(code);
      if (!counter) series.requests.set(code, (counter = this.loaded.requests.labels({ ...labels, code })));
      counter.inc();
      series.duration.observe(seconds);
    } else {
      this.pending.push({ labels, code, seconds });
      if (this.pending.length >= PENDING_BEFORE_LOAD) this.warmUp();
    }
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    const m = await this.load();
    return { contentType: m.registry.contentType, body: await m.registry.metrics() };
  }

  private load(): Promise<Loaded> {
    // require(), not import(): the built CLI runs as a script with a V8 code cache
    // (src/cli/bundle-loader.ts), where import() of a package is unavailable.
    this.loading ??= Promise.resolve().then(() => {
      const { Counter, Histogram, Registry, collectDefaultMetrics } = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const requests = new Counter({
        name: 'apiserver_request_total',
        help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
        labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component', 'code'],
        registers: [registry],
      });
      const duration = new Histogram({
        name: 'apiserver_request_duration_seconds',
        help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
        labelNames: ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
        buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
        registers: [registry],
      });
      this.loaded = { registry, requests, duration };
      for (const p of this.pending) {
        requests.inc({ ...p.labels, code: p.code });
        duration.observe(p.labels, p.seconds);
      }
      this.pending = [];
      return this.loaded;
    });
    return this.loading;
  }
}
