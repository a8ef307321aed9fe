/**
 * `skiff scheduler` and `skiff controller-manager` as their own processes: the same
 * component code as inside `skiff server`, over HTTPS from a kubeconfig, run only while
 * this process holds the component's Lease in kube-system (upstream's leader election,
 * so several replicas can stand by). Health and metrics are served on a small plain-HTTP
 * port on loopback (upstream serves them on 10259/10257 over HTTPS).
 */
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { Gauge, Registry } from 'prom-client';
import { Client, HttpTransport, LeaderElector, type Transport } from '../client/index.js';
import { createLogger, type Logger } from '../util/logger.js';

/** What a component returns once started. */
export interface Component {
  healthy(): boolean;
  metrics?(): Promise<string>;
  stop(): Promise<void>;
}

export interface StandaloneOptions {
  /** Upstream's component name, also the Lease name: kube-scheduler, kube-controller-manager. */
  name: string;
  kubeconfig: string;
  /** Health/metrics port on `bindAddress` (0 picks one). */
  port: number;
  bindAddress?: string;
  /** Run without leader election (a single replica). */
  leaderElect?: boolean;
  start(transport: Transport, logger: Logger): Component | Promise<Component>;
  /** Called when leadership is lost while running; upstream exits the process. */
  onLeadershipLost?(): void;
  /** Lease timings, for tests (upstream defaults otherwise). */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface RunningStandalone {
  /** The health/metrics URL base, e.g. http://127.0.0.1:10259. */
  url: string;
  identity: string;
  isLeader(): boolean;
  healthy(): boolean;
  stop(): Promise<void>;
}

export async function runStandalone(options: StandaloneOptions): Promise<RunningStandalone> {
  const logger = createLogger(options.name);
  const transport = HttpTransport.fromKubeconfig(options.kubeconfig, { userAgent: `${options.name}/skiff` });
  const client = new Client(transport, { fieldManager: options.name });
  const identity = `${hostname()}_${randomUUID()}`;
  const registry = new Registry();
  const leaderGauge = new Gauge({ name: 'leader_election_master_status', help: 'Whether this instance is the leader (1) or not (0).', labelNames: ['name'], registers: [registry] });
  leaderGauge.set({ name: options.name }, 0);

  let component: Component | undefined;
  let stopping = false;
  let elector: LeaderElector | undefined;
  const startComponent = async () => {
    component = await options.start(transport, logger);
    leaderGauge.set({ name: options.name }, 1);
  };

  let campaign: Promise<void> | undefined;
  if (options.leaderElect === false) await startComponent();
  else {
    elector = new LeaderElector({
      client,
      namespace: 'kube-system',
      name: options.name,
      identity,
      logger,
      ...(options.leaseDurationMs ? { leaseDurationMs: options.leaseDurationMs } : {}),
      ...(options.renewDeadlineMs ? { renewDeadlineMs: options.renewDeadlineMs } : {}),
      ...(options.retryPeriodMs ? { retryPeriodMs: options.retryPeriodMs } : {}),
      onStartedLeading: async () => {
        logger.info({ identity }, 'became leader; starting');
        await startComponent();
      },
      onStoppedLeading: () => {
        leaderGauge.set({ name: options.name }, 0);
        const running = component;
        component = undefined;
        void running?.stop();
        if (!stopping) {
          logger.error({ identity }, 'leader election lost');
          options.onLeadershipLost?.();
        }
      },
    });
    campaign = elector.run();
  }

  const healthy = () => (component ? component.healthy() : elector !== undefined && !stopping);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 500, { 'content-type': 'text/plain' }).end(ok ? 'ok' : `${options.name} is not healthy`);
      return;
    }
    if (path === '/metrics') {
      void Promise.all([registry.metrics(), component?.metrics?.() ?? Promise.resolve('')]).then(
        ([own, theirs]) => res.writeHead(200, { 'content-type': registry.contentType }).end(own + theirs),
        (err: unknown) => res.writeHead(500).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
  });
  const bindAddress = options.bindAddress ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, bindAddress, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    url: `http://${bindAddress}:${port}`,
    identity,
    isLeader: () => component !== undefined,
    healthy,
    async stop() {
      stopping = true;
      await elector?.stop();
      await campaign;
      await component?.stop();
      component = undefined;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      transport.close();
    },
  };
}
