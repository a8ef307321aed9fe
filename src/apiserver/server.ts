/**
 * The API server: HTTPS with HTTP/2 and HTTP/1.1 (ALPN), authentication, in-flight
 * limits, request timeout, then routing to health, version, metrics, discovery and the
 * resource handlers. Only this component touches storage; everything else is a client.
 */
import { createSecureServer, type Http2SecureServer, type ServerHttp2Session } from 'node:http2';
import { DEFAULT_CIPHERS as tlsDefaultCiphers, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { ApiError, serviceUnavailable, tooManyRequests } from '../api/errors.js';
import type { Backend } from '../storage/backend.js';
import type { Logger } from '../util/logger.js';
import { createAuthenticator, type Authenticator, type ClientCertificateVerifier, type UserInfo } from './authn.js';
import { attributesOf, forbiddenMessage, type Authorizer } from './authz/authorizer.js';
import { AlwaysAllowAuthenticated } from './authz/always-allow-authenticated.js';
import { DEFAULT_ISSUER } from './serviceaccount/claims.js';
import {
  ServiceAccountTokens,
  ephemeralServiceAccountKeys,
  serviceAccountKeysFromPem,
  type BoundResource,
  type ServiceAccountKeys,
} from './serviceaccount/tokens.js';
import {
  ISSUER_DISCOVERY_CACHE_CONTROL,
  JWKS_CONTENT_TYPE,
  JWKS_PATH,
  OPENID_CONFIGURATION_PATH,
  buildIssuerDiscovery,
  type IssuerDiscovery,
} from './serviceaccount/issuer-discovery.js';
import { AGGREGATED_DISCOVERY_CONTENT_TYPE, buildDiscovery, wantsAggregatedDiscovery, type DiscoveryDocuments } from './discovery.js';
import { handleResource, type ResourceContext } from './handlers/resources.js';
import { KubeletClient, type KubeletClientConfig } from './handlers/pod-log.js';
import { ClientGoneError, toApiError, writeError, writeJson, type Request, type Response } from './http/io.js';
import { RequestDeadlines } from './http/deadlines.js';
import { ApiServerMetrics, METRICS_WARM_UP_DELAY_MS, type RequestLabels } from './metrics.js';
import { Registry } from './registry/registry.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import { bootstrapCluster } from './bootstrap.js';
import { absentProbe, storageProbe, type ComponentProbe } from './handlers/component-statuses.js';
import { isOpenApiPath, serveOpenApi } from './openapi/handler.js';

export interface ApiServerOptions {
  storage: Backend;
  tls: { key: string; cert: string; ca: string };
  verifyClientCertificate: ClientCertificateVerifier;
  tokens?: Map<string, UserInfo>;
  bindAddress: string;
  port: number;
  /** The address other components and pods reach this server at (kubernetes Endpoints). */
  advertiseAddress: string;
  serviceCidr: string;
  logger: Logger;
  now?: () => Date;
  /**
   * The key pair that signs service-account tokens (PEM: PKCS#8 private key, and the
   * public keys accepted, which may include older ones). Without it the server makes
   * an in-memory key, and its tokens do not survive a restart.
   */
  serviceAccountKeys?: { privateKeyPem: string; publicKeysPem?: string };
  /** `iss` of service-account tokens; upstream's default. */
  serviceAccountIssuer?: string;
  /** Audiences the API server accepts tokens for; defaults to the issuer. */
  apiAudiences?: string[];
  /** Defaults to today's policy: every authenticated user may do anything. */
  authorizer?: Authorizer;
  /** A watch without timeoutSeconds ends after a random time in [this, 2×this) seconds (upstream --min-request-timeout, 1800). */
  minRequestTimeoutSeconds?: number;
  /** How to reach kubelets (pods/log): the cluster CA and the apiserver-kubelet-client pair. */
  kubeletClient?: KubeletClientConfig;
}

/** Upstream defaults (DESIGN.md §3). */
const MAX_READONLY_INFLIGHT = 400;
const MAX_MUTATING_INFLIGHT = 200;
const REQUEST_TIMEOUT_MS = 60_000;
/** Upstream spreads default watch timeouts over 30–60 minutes so reconnects do not align. */
const DEFAULT_MIN_REQUEST_TIMEOUT_S = 1800;
const UNAUTHENTICATED_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
/** Upstream's long-running subresources: no request timeout, no in-flight slot (BasicLongRunningRequestCheck). */
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+skiff',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-28T00:00:00Z',
  goVersion: `node${process.versions.node}`,
  compiler: 'skiff',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export class ApiServer {
  readonly registry: Registry;
  readonly metrics = new ApiServerMetrics();
  private readonly metricsSources: (() => Promise<string>)[] = [];
  private readonly server: Http2SecureServer;
  private readonly discovery: DiscoveryDocuments;
  private readonly context: ResourceContext;
  private readonly authenticator: Authenticator;
  private readonly authorizer: Authorizer;
  private readonly serviceAccountKeys: ServiceAccountKeys;
  private issuerDiscovery: IssuerDiscovery | undefined;
  private readonly logger: Logger;
  private inflightReadonly = 0;
  private inflightMutating = 0;
  private bootstrapped = false;
  private stopping = false;
  private readonly openResponses = new Set<Response>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly sockets = new Set<TLSSocket>();

  constructor(private readonly options: ApiServerOptions) {
    this.logger = options.logger;
    const now = options.now ?? (() => new Date());
    this.registry = new Registry(options.storage, options.logger, { serviceCidr: options.serviceCidr, now });
    this.discovery = buildDiscovery(`${options.advertiseAddress}:${options.port}`);
    const issuer = options.serviceAccountIssuer ?? DEFAULT_ISSUER;
    const apiAudiences = options.apiAudiences ?? [issuer];
    const keys = (this.serviceAccountKeys = options.serviceAccountKeys
      ? serviceAccountKeysFromPem(options.serviceAccountKeys.privateKeyPem, options.serviceAccountKeys.publicKeysPem)
      : ephemeralServiceAccountKeys());
    const serviceAccountTokens = new ServiceAccountTokens(keys, (resource, namespace, name) => this.getBoundObject(resource, namespace, name), { issuer, apiAudiences, now });
    this.authenticator = createAuthenticator(options.verifyClientCertificate, options.tokens ?? new Map(), [serviceAccountTokens], apiAudiences);
    this.authorizer = options.authorizer ?? new AlwaysAllowAuthenticated();
    this.context = {
      registry: this.registry,
      now,
      shuttingDown: () => this.stopping,
      components: [absentProbe('scheduler'), absentProbe('controller-manager'), storageProbe(options.storage)],
      authenticator: this.authenticator,
      authorizer: this.authorizer,
      serviceAccountTokens,
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? DEFAULT_MIN_REQUEST_TIMEOUT_S,
      ...(options.kubeletClient ? { kubeletClient: new KubeletClient(options.kubeletClient) } : {}),
    };
    this.server = createSecureServer(
      {
        key: options.tls.key,
        cert: options.tls.cert,
        ca: options.tls.ca,
        allowHTTP1: true,
        // Ask for a client certificate, but let bearer-token and anonymous requests in;
        // the authenticator decides.
        requestCert: true,
        rejectUnauthorized: false,
        settings: { maxConcurrentStreams: 1000 },
        ciphers: SERVER_CIPHERS,
        honorCipherOrder: true,
        // Node's default (10 MB per session) refuses new streams with ENHANCE_YOUR_CALM
        // once a client has a few large bodies in flight; bodies are bounded at 3 MiB
        // each and writes at 200 in flight, so allow that much.
        maxSessionMemory: 256,
      },
      (req, res) => void this.serve(req, res),
    );
    this.server.on('session', (session: ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    this.server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server.on('sessionError', (err) => this.logger.debug({ err: String(err) }, 'http2 session error'));
    this.server.on('tlsClientError', (err) => this.logger.debug({ err: String(err) }, 'tls client error'));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.bindAddress, () => resolve());
    });
    await bootstrapCluster(this.registry, { serviceCidr: this.options.serviceCidr, advertiseAddress: this.options.advertiseAddress, port: this.port });
    this.bootstrapped = true;
    this.metrics.warmUpLater(METRICS_WARM_UP_DELAY_MS);
    return this.url;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    const host = this.options.bindAddress.includes(':') ? `[${this.options.bindAddress}]` : this.options.bindAddress;
    return `https://${host === '0.0.0.0' ? '127.0.0.1' : host}:${this.port}`;
  }

  /**
   * Adds the metrics of a component running in this process (scheduler, controllers) to
   * /metrics, as one process serving all of them does (k3s): one scrape target.
   */
  addMetricsSource(source: () => Promise<string>): void {
    this.metricsSources.push(source);
  }

  /** Reports a component's health in componentstatuses (replacing its placeholder). */
  registerComponent(probe: ComponentProbe): void {
    const i = this.context.components.findIndex((p) => p.name === probe.name);
    if (i >= 0) this.context.components[i] = probe;
    else this.context.components.push(probe);
  }

  /** Stops accepting, lets in-flight requests finish, ends watches cleanly. */
  async stop(): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.registry.stop();
    for (const res of this.openResponses) if (!res.writableEnded) res.end();
    // GOAWAY: clients finish their streams and open new connections elsewhere.
    for (const session of this.sessions) session.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 5_000)))]);
    clearTimeout(timer);
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    this.context.kubeletClient?.close();
  }

  /**
   * Serves one request through the whole chain (authentication, limits, routing). The
   * HTTPS listener calls it; an in-process transport may call it with its own
   * request/response objects of the same shape.
   */
  async serve(req: Request, res: Response): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'https://skiff');
    let info: RequestInfo = { isResourceRequest: false, verb: (req.method ?? 'GET').toLowerCase(), path: url.pathname };
    let release: (() => void) | undefined;
    this.openResponses.add(res);
    res.on('close', () => this.openResponses.delete(res));
    try {
      info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      if (this.stopping) throw serviceUnavailable('the API server is shutting down');
      const user = await this.authenticator.authenticate(req);
      if (!user && !UNAUTHENTICATED_PATHS.has(url.pathname)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      if (user) await this.authorize(user, info);
      // From here a resource request has a user: no resource path is open to anonymous.
      if (info.isResourceRequest && (info.verb === 'watch' || LONG_RUNNING_SUBRESOURCES.has(info.subresource))) {
        await handleResource(this.context, req, res, info, url.searchParams, user!);
        return;
      }
      release = this.admit(info);
      await withTimeout(this.route(req, res, url, info, user), REQUEST_TIMEOUT_MS);
    } catch (err) {
      const apiError = toApiError(err);
      // Refused before its body was read: take the rest of it, so the client's frames
      // land on an open stream instead of counting as protocol errors on its connection.
      if (!req.readableEnded && typeof req.resume === 'function') req.resume();
      if (err instanceof ClientGoneError) this.logger.debug({ method: req.method, path: url.pathname }, 'client went away before its request was read');
      else if (apiError.code >= 500) this.logger.error({ method: req.method, path: url.pathname, err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, 'request failed');
      writeError(res, apiError);
    } finally {
      release?.();
      this.record(info, res, url, started);
    }
  }

  /** Asks the authorizer; anything but allow is upstream's 403 Forbidden. */
  private async authorize(user: UserInfo, info: RequestInfo): Promise<void> {
    const attributes = attributesOf(info);
    const { decision, reason } = await this.authorizer.authorize(user, attributes);
    if (decision === 'allow') return;
    const message = `${forbiddenMessage(user, attributes)}${reason ? `: ${reason}` : ''}`;
    if (!attributes.resourceRequest) throw new ApiError(403, 'Forbidden', `forbidden: ${message}`, {});
    const what = attributes.apiGroup ? `${attributes.resource}.${attributes.apiGroup}` : attributes.resource;
    throw new ApiError(403, 'Forbidden', `${what}${attributes.name ? ` ${JSON.stringify(attributes.name)}` : ''} is forbidden: ${message}`, {
      ...(attributes.name ? { name: attributes.name } : {}),
      ...(attributes.apiGroup ? { group: attributes.apiGroup } : {}),
      kind: attributes.resource,
    });
  }

  /** Objects a service-account token names, read for its authentication. */
  private async getBoundObject(resource: BoundResource, namespace: string, name: string) {
    try {
      return await this.registry.core(resource).store.get(namespace, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }

  /** Upstream's max-in-flight filter: reads and writes each have a budget; past it, 429. */
  private admit(info: RequestInfo): () => void {
    const mutating = ['create', 'update', 'patch', 'delete', 'deletecollection', 'post', 'put'].includes(info.verb);
    if (mutating) {
      if (this.inflightMutating >= MAX_MUTATING_INFLIGHT) throw tooManyRequests('Too many requests, please try again later.', 1);
      this.inflightMutating++;
      return () => void this.inflightMutating--;
    }
    if (this.inflightReadonly >= MAX_READONLY_INFLIGHT) throw tooManyRequests('Too many requests, please try again later.', 1);
    this.inflightReadonly++;
    return () => void this.inflightReadonly--;
  }

  private async route(req: Request, res: Response, url: URL, info: RequestInfo, user: UserInfo | undefined): Promise<void> {
    if (info.isResourceRequest) return handleResource(this.context, req, res, info, url.searchParams, user!);
    const path = url.pathname.replace(/\/+$/, '') || '/';
    switch (path) {
      case '/version':
        return writeJson(res, 200, VERSION_INFO);
      case '/healthz':
      case '/livez':
        return writePlain(res, 200, 'ok');
      case '/readyz':
        return this.readyz(res);
      case '/metrics':
        const { contentType, body } = await this.metrics.exposition();
        const theirs = await Promise.all(this.metricsSources.map((source) => source().catch(() => '')));
        res.writeHead(200, { 'Content-Type': contentType });
        res.end(body + theirs.join(''));
        return;
      case '/api':
        return wantsAggregatedDiscovery(req.headers.accept)
          ? writeJson(res, 200, this.discovery.aggregatedApi, AGGREGATED_DISCOVERY_CONTENT_TYPE)
          : writeJson(res, 200, this.discovery.legacyApi);
      case '/apis':
        return wantsAggregatedDiscovery(req.headers.accept)
          ? writeJson(res, 200, this.discovery.aggregatedApis, AGGREGATED_DISCOVERY_CONTENT_TYPE)
          : writeJson(res, 200, this.discovery.legacyApis);
    }
    if (isOpenApiPath(path)) return serveOpenApi(req, res, url);
    if (path === OPENID_CONFIGURATION_PATH || path === JWKS_PATH) {
      // Built on first use: the listening port (for jwks_uri) is known only after start.
      this.issuerDiscovery ??= buildIssuerDiscovery(this.context.serviceAccountTokens.options.issuer, `${this.options.advertiseAddress}:${this.port}`, this.serviceAccountKeys.verification);
      const cache = { 'Cache-Control': ISSUER_DISCOVERY_CACHE_CONTROL };
      if (path === JWKS_PATH) return writeJson(res, 200, this.issuerDiscovery.jwks, JWKS_CONTENT_TYPE, cache);
      return writeJson(res, 200, this.issuerDiscovery.configuration, 'application/json', cache);
    }
    const doc = this.discovery.resourceLists.get(path) ?? this.discovery.groups.get(path);
    if (doc) return writeJson(res, 200, doc);
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  private async readyz(res: Response): Promise<void> {
    try {
      await this.options.storage.currentRevision();
    } catch (err) {
      return writePlain(res, 500, `[-]etcd failed: ${String(err)}\nreadyz check failed`);
    }
    if (!this.bootstrapped) return writePlain(res, 500, '[-]poststarthook/bootstrap-controller failed: not finished\nreadyz check failed');
    if (this.stopping) return writePlain(res, 500, '[-]shutdown failed: server is shutting down\nreadyz check failed');
    writePlain(res, 200, 'ok');
  }

  private record(info: RequestInfo, res: Response, url: URL, started: number): void {
    const labels: RequestLabels = info.isResourceRequest
      ? {
          verb: info.verb.toUpperCase(),
          dry_run: url.searchParams.get('dryRun') ?? '',
          group: info.group,
          version: info.version,
          resource: info.resource,
          subresource: info.subresource,
          scope: info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster',
          component: 'apiserver',
        }
      : { verb: info.verb.toUpperCase(), dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' };
    this.metrics.observeRequest(labels, String(res.statusCode), (performance.now() - started) / 1000);
  }
}

/**
 * Node's own cipher suites, with TLS 1.3's AES-128-GCM first, as Go's server (kube-apiserver)
 * prefers it on hardware with AES instructions: Node's default order puts AES-256-GCM first,
 * about 1.6 times the CPU per byte here (2.9 vs 1.8 GB/s), and a 35 MB LIST is encrypted
 * whole. The set of suites is Node's default, only reordered.
 */
const PREFERRED_TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const SERVER_CIPHERS = [...PREFERRED_TLS13, ...tlsDefaultCiphers.split(':').filter((c) => !PREFERRED_TLS13.includes(c))].join(':');

function writePlain(res: Response, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

const requestDeadlines = new RequestDeadlines();

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  return requestDeadlines.race(work, ms, () => new ApiError(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded', {}));
}

