/**
 * GET pods/<name>/log: validates the PodLogOptions, picks the container, finds the
 * pod's node and streams `https://<node>:<kubelet port>/containerLogs/<ns>/<pod>/<container>`
 * from that node's kubelet back to the client as upstream's LogREST and LogLocation
 * do (pkg/registry/core/pod/rest/log.go, pkg/registry/core/pod/strategy.go). The API
 * server presents its kubelet-client certificate and checks the kubelet's serving
 * certificate against the cluster CA. Bytes are passed through as they arrive; nothing
 * here buffers a log.
 */
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, invalid, internalError, type FieldError, type Status, type StatusDetails, type StatusReason } from '../../api/errors.js';
import type { StoredObject } from '../../api/object.js';
import { writeJson, type Response } from '../http/io.js';
import type { Registry } from '../registry/registry.js';

/** What the API server needs to call kubelets (upstream's KubeletClientConfig). */
export interface KubeletClientConfig {
  /** The cluster CA (PEM) kubelet serving certificates are checked against. */
  caCertPem: string;
  /** The API server's kubelet-client certificate and key (PEM). */
  certPem: string;
  keyPem: string;
  /** Used when a node reports no kubelet port (upstream --kubelet-port, 10250). */
  defaultPort?: number;
  /** Upstream --kubelet-preferred-address-types. */
  preferredAddressTypes?: readonly string[];
}

export const DEFAULT_KUBELET_PORT = 10250;
export const DEFAULT_PREFERRED_ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'] as const;
/** Upstream reads at most this much of a kubelet's error body (response_checker.go maxReadLength). */
const MAX_ERROR_BODY = 50_000;

/** Connections to kubelets: one agent that verifies them, one for insecureSkipTLSVerifyBackend. */
export class KubeletClient {
  readonly defaultPort: number;
  readonly preferredAddressTypes: readonly string[];
  private readonly secure: Agent;
  private readonly insecure: Agent;

  constructor(config: KubeletClientConfig) {
    this.defaultPort = config.defaultPort ?? DEFAULT_KUBELET_PORT;
    this.preferredAddressTypes = config.preferredAddressTypes ?? DEFAULT_PREFERRED_ADDRESS_TYPES;
    const identity = { cert: config.certPem, key: config.keyPem, keepAlive: true };
    this.secure = new Agent({ ...identity, ca: config.caCertPem, rejectUnauthorized: true });
    // Skipping verification of the kubelet still presents our client certificate, as upstream does.
    this.insecure = new Agent({ ...identity, rejectUnauthorized: false });
  }

  get(url: URL, skipVerify: boolean, signal: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(url, { method: 'GET', agent: skipVerify ? this.insecure : this.secure, signal }, resolve);
      req.once('error', reject);
      req.end();
    });
  }

  close(): void {
    this.secure.destroy();
    this.insecure.destroy();
  }
}

/** The PodLogOptions of a request, parsed from its query as upstream's parameter codec does. */
export interface PodLogOptions {
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  sinceSeconds?: number;
  sinceTime?: Date;
  tailLines?: number;
  limitBytes?: number;
  insecureSkipTLSVerifyBackend: boolean;
}

/** Upstream's query conversion: bad numbers or times are 400 BadRequest with Go's parse error. */
export function parsePodLogOptions(query: URLSearchParams): PodLogOptions {
  const opts: PodLogOptions = {
    container: query.get('container') ?? '',
    follow: queryBool(query, 'follow'),
    previous: queryBool(query, 'previous'),
    timestamps: queryBool(query, 'timestamps'),
    insecureSkipTLSVerifyBackend: queryBool(query, 'insecureSkipTLSVerifyBackend'),
  };
  const sinceSeconds = queryInt(query, 'sinceSeconds');
  if (sinceSeconds !== undefined) opts.sinceSeconds = sinceSeconds;
  const tailLines = queryInt(query, 'tailLines');
  if (tailLines !== undefined) opts.tailLines = tailLines;
  const limitBytes = queryInt(query, 'limitBytes');
  if (limitBytes !== undefined) opts.limitBytes = limitBytes;
  const sinceTime = query.get('sinceTime');
  // metav1.Time treats "" and "null" as unset.
  if (sinceTime !== null && sinceTime !== '' && sinceTime !== 'null') opts.sinceTime = parseRfc3339(sinceTime);
  return opts;
}

/** Only absence, "0" and "false" (any case) are false; anything else, "" included, is true. */
function queryBool(query: URLSearchParams, name: string): boolean {
  const v = query.get(name);
  if (v === null) return false;
  return !(v === '0' || v.toLowerCase() === 'false');
}

function queryInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (!/^[+-]?\d+$/.test(v)) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  const n = BigInt(v);
  if (n > 9223372036854775807n || n < -9223372036854775808n) throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`);
  return Number(n);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function parseRfc3339(v: string): Date {
  const d = new Date(v);
  if (!RFC3339.test(v) || Number.isNaN(d.getTime())) {
    throw badRequest(`parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as RFC3339`);
  }
  return d;
}

/** ValidatePodLogOptions (pkg/apis/core/validation), as 422 `PodLogOptions "<pod>" is invalid`. */
export function validatePodLogOptions(name: string, opts: PodLogOptions): void {
  const errors: FieldError[] = [];
  if (opts.tailLines !== undefined && opts.tailLines < 0) {
    errors.push({ type: 'FieldValueInvalid', field: 'tailLines', value: opts.tailLines, detail: 'must be greater than or equal to 0' });
  }
  if (opts.limitBytes !== undefined && opts.limitBytes < 1) {
    errors.push({ type: 'FieldValueInvalid', field: 'limitBytes', value: opts.limitBytes, detail: 'must be greater than 0' });
  }
  if (opts.sinceSeconds !== undefined && opts.sinceTime !== undefined) {
    // Upstream names the root path, so the message reads `: Forbidden: …`.
    errors.push({ type: 'FieldValueForbidden', field: '', detail: 'at most one of `sinceTime` or `sinceSeconds` may be specified' });
  } else if (opts.sinceSeconds !== undefined && opts.sinceSeconds < 1) {
    errors.push({ type: 'FieldValueInvalid', field: 'sinceSeconds', value: opts.sinceSeconds, detail: 'must be greater than 0' });
  }
  if (errors.length) throw invalid({ group: '', resource: 'pods', kind: 'PodLogOptions', name }, errors);
}

interface NamedContainers {
  initContainers?: { name?: string }[];
  containers?: { name?: string }[];
  ephemeralContainers?: { name?: string }[];
}

/**
 * upstream validateContainer: an empty name means the only regular container; with
 * several, the 400 lists init, regular and ephemeral containers in that order.
 */
export function chooseContainer(pod: StoredObject, requested: string): string {
  const spec = (pod['spec'] ?? {}) as NamedContainers;
  const podName = pod.metadata.name ?? '';
  const regular = (spec.containers ?? []).map((c) => c.name ?? '');
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])].map((c) => c.name ?? '');
  if (requested === '') {
    if (regular.length === 1) return regular[0]!;
    if (regular.length === 0) throw badRequest(`a container name must be specified for pod ${podName}`);
    throw badRequest(`a container name must be specified for pod ${podName}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${podName}`);
  return requested;
}

interface NodeAddress {
  type?: string;
  address?: string;
}

/** nodeutil.GetPreferredNodeAddress; undefined when no address has a preferred type. */
export function preferredNodeAddress(node: StoredObject, preferred: readonly string[]): string | undefined {
  const addresses = ((node['status'] as { addresses?: NodeAddress[] } | undefined)?.addresses ?? []);
  for (const type of preferred) {
    const match = addresses.find((a) => a.type === type && a.address);
    if (match) return match.address;
  }
  return undefined;
}

/** Go's `%v` of []NodeAddress, for upstream's NoMatchError text. */
function knownAddresses(node: StoredObject): string {
  const addresses = ((node['status'] as { addresses?: NodeAddress[] } | undefined)?.addresses ?? []);
  return `[${addresses.map((a) => `{${a.type ?? ''} ${a.address ?? ''}}`).join(' ')}]`;
}

/** The kubelet URL of LogLocation; the query re-encoded from the options, keys sorted as url.Values.Encode does. */
export function kubeletLogUrl(host: string, port: number, namespace: string, pod: string, container: string, opts: PodLogOptions): URL {
  const params: [string, string][] = [];
  if (opts.follow) params.push(['follow', 'true']);
  if (opts.limitBytes !== undefined) params.push(['limitBytes', String(opts.limitBytes)]);
  if (opts.previous) params.push(['previous', 'true']);
  if (opts.sinceSeconds !== undefined) params.push(['sinceSeconds', String(opts.sinceSeconds)]);
  if (opts.sinceTime !== undefined) params.push(['sinceTime', opts.sinceTime.toISOString().replace(/\.\d{3}Z$/, 'Z')]);
  if (opts.tailLines !== undefined) params.push(['tailLines', String(opts.tailLines)]);
  if (opts.timestamps) params.push(['timestamps', 'true']);
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const path = `/containerLogs/${[namespace, pod, container].map(encodeURIComponent).join('/')}`;
  const url = new URL(`https://${hostPart}:${port}${path}`);
  url.search = new URLSearchParams(params).toString();
  return url;
}

/** A Status as upstream writes it, also with the empty (unknown) reason ApiError cannot carry. */
interface LogFailure {
  code: number;
  reason?: StatusReason;
  message: string;
  details?: StatusDetails;
}

/**
 * GenericHttpResponseChecker + NewGenericServerResponse (verb ""): how a kubelet's
 * non-2xx answer reaches the client.
 */
export function kubeletErrorStatus(code: number, body: string, pod: string): LogFailure {
  if (code === 500) return statusOf(internalError(body));
  if (code === 400) return statusOf(badRequest(body));
  const known: Record<number, [StatusReason, string]> = {
    401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
    403: ['Forbidden', body],
    404: ['NotFound', 'the server could not find the requested resource'],
    405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
    406: ['NotAcceptable', body],
    409: ['Conflict', 'the server reported a conflict'],
    415: ['UnsupportedMediaType', body],
    422: ['Invalid', 'the server rejected our request due to an error in our request'],
    429: ['TooManyRequests', 'the server has received too many requests and has asked us to try again later'],
    503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
    504: ['Timeout', 'the server was unable to return a response in the time allotted, but may still be processing the request'],
  };
  let [reason, message]: [StatusReason | undefined, string] = known[code] ?? [undefined, `the server responded with the status code ${code} but did not return more information`];
  if (!known[code] && code >= 500) [reason, message] = ['InternalError', `an error on the server (${JSON.stringify(body)}) has prevented the request from succeeding`];
  // The lower-cased verb is empty upstream, hence the leading space inside the parentheses.
  return { code, ...(reason ? { reason } : {}), message: `${message} ( pods/log ${pod})`, details: { name: pod, kind: 'pods/log' } };
}

function statusOf(err: ApiError): LogFailure {
  return { code: err.code, reason: err.reason, message: err.message, ...(err.details ? { details: err.details } : {}) };
}

function writeFailure(res: Response, failure: LogFailure): void {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: failure.message, code: failure.code };
  if (failure.reason) status.reason = failure.reason;
  if (failure.details) status.details = failure.details;
  writeJson(res, failure.code, status);
}

/** What the handler uses of the server around it (a ResourceContext has both). */
export interface PodLogContext {
  registry: Registry;
  kubeletClient?: KubeletClient;
}

/** The handler: everything before the first byte is a Status; after it, the stream just ends. */
export async function servePodLog(ctx: PodLogContext, res: Response, namespace: string, name: string, query: URLSearchParams): Promise<void> {
  const opts = parsePodLogOptions(query);
  validatePodLogOptions(name, opts);
  const pod = await ctx.registry.core('pods').store.get(namespace, name);
  const container = chooseContainer(pod, opts.container);
  const nodeName = (pod['spec'] as { nodeName?: string } | undefined)?.nodeName ?? '';
  // LogLocation gives no location for an unscheduled pod; upstream then answers 204 with no body.
  if (!nodeName) {
    res.writeHead(204);
    res.end();
    return;
  }
  const node = await ctx.registry.core('nodes').store.get('', nodeName);
  const kubelet = ctx.kubeletClient;
  if (!kubelet) throw internalError('the API server has no kubelet client configured');
  const host = preferredNodeAddress(node, kubelet.preferredAddressTypes);
  // Upstream returns this as a plain Go error: 500 with no reason.
  if (host === undefined) return writeFailure(res, { code: 500, message: `no preferred addresses found; known addresses: ${knownAddresses(node)}` });
  const reported = (node['status'] as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined)?.daemonEndpoints?.kubeletEndpoint?.Port;
  const port = typeof reported === 'number' && reported > 0 ? reported : kubelet.defaultPort;
  const url = kubeletLogUrl(host, port, pod.metadata.namespace ?? namespace, name, container, opts);
  await proxyLog(kubelet, url, opts.insecureSkipTLSVerifyBackend, res, name);
}

async function proxyLog(kubelet: KubeletClient, url: URL, skipVerify: boolean, res: Response, pod: string): Promise<void> {
  const abort = new AbortController();
  // The client going away (or the server ending the response on shutdown) ends the kubelet
  // call. Not the request's 'close': for a GET it fires as soon as the empty body is read.
  const onClose = () => abort.abort();
  res.once('close', onClose);
  try {
    let upstream: IncomingMessage;
    try {
      upstream = await kubelet.get(url, skipVerify, abort.signal);
    } catch (err) {
      if (abort.signal.aborted) return;
      // Go's client.Do error text, returned upstream as a reason-less 500.
      return writeFailure(res, { code: 500, message: `Get ${JSON.stringify(url.toString())}: ${err instanceof Error ? err.message : String(err)}` });
    }
    const code = upstream.statusCode ?? 500;
    if (code >= 300 && code < 400) {
      // Upstream's PreventRedirects: following a kubelet elsewhere is refused by the HTTP client.
      upstream.destroy();
      return writeFailure(res, { code: 500, message: `Get ${JSON.stringify(url.toString())}: redirects forbidden` });
    }
    if (code < 200 || code > 206) return writeFailure(res, kubeletErrorStatus(code, await readLimited(upstream, MAX_ERROR_BODY), pod));
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
    await pipeThrough(upstream, res, abort.signal);
  } finally {
    res.off('close', onClose);
    abort.abort();
  }
}

/** Writes each chunk as it arrives, pausing the kubelet while the client is behind. */
function pipeThrough(upstream: IncomingMessage, res: Response, signal: AbortSignal): Promise<void> {
  const out = res as ServerResponse;
  return new Promise((resolve) => {
    const finish = () => {
      upstream.off('data', onData);
      if (!out.writableEnded && !out.destroyed) out.end();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      if (out.writableEnded || out.destroyed) return;
      if (!out.write(chunk)) {
        upstream.pause();
        out.once('drain', () => upstream.resume());
      }
    };
    upstream.on('data', onData);
    upstream.once('end', finish);
    // A kubelet that breaks off mid-stream ends the log; the status line is long gone.
    upstream.once('error', finish);
    upstream.once('close', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}

async function readLimited(stream: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } catch {
    // A body cut short still says what it said so far.
  }
  stream.destroy();
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
