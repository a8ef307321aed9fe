/**
 * HTTPS over HTTP/2 to an API server described by a kubeconfig: one session carries
 * every request and watch as streams. When the server sends GOAWAY (it is stopping) or
 * the connection drops, the session is forgotten and the next request opens a new one,
 * so a client outlives server restarts. A connection that silently died (a machine gone
 * without a reset) is found by HTTP/2 pings, as client-go does (30 s, 15 s to answer),
 * so a watch on it fails and is re-established instead of hanging.
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { errorFromResponse } from './status-error.js';
import { loadKubeconfig, type ClusterCredentials } from './kubeconfig.js';
import { TransportClosedError, watchQuery, withQuery, type Query, type RequestOptions, type Transport, type TransportResponse, type WatchEvent, type WatchStream } from './transport.js';
import { WatchDecoder } from './watch-decoder.js';

const PING_INTERVAL_MS = 30_000;
const PING_TIMEOUT_MS = 15_000;

export interface HttpTransportOptions {
  /** Abort a (non-watch) request idle this long. Default 90 s: past the server's own 60 s limit. */
  requestTimeoutMs?: number;
  userAgent?: string;
}

export class HttpTransport implements Transport {
  private session: ClientHttp2Session | undefined;
  private closed = false;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly streams = new Set<ClientHttp2Stream>();
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;

  static fromKubeconfig(path: string, options: HttpTransportOptions & { context?: string } = {}): HttpTransport {
    return new HttpTransport(loadKubeconfig(path, options.context), options);
  }

  constructor(
    private readonly credentials: ClusterCredentials,
    options: HttpTransportOptions = {},
  ) {
    const url = new URL(credentials.server);
    if (url.protocol !== 'https:') throw new Error(`server ${credentials.server}: only https:// is supported`);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 90_000;
    this.userAgent = options.userAgent ?? 'skiff/0.1.0';
  }

  get server(): string {
    return this.credentials.server;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<TransportResponse> {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: OutgoingHttpHeaders = { ':method': method, ':path': this.basePath + withQuery(path, options.query), ...lower(options.headers) };
    if (body) headers['content-length'] = body.length;
    const stream = this.open(headers, body === undefined);
    return new Promise<TransportResponse>((resolve, reject) => {
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      const chunks: Buffer[] = [];
      stream.on('response', (h: IncomingHttpHeaders) => {
        status = Number(h[':status']);
        responseHeaders = { ...h };
        delete responseHeaders[':status'];
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.on('close', () => reject(new Error(`${method} ${path}: the stream closed before the response ended (code ${stream.rstCode ?? '?'})`)));
      if (this.requestTimeoutMs > 0) {
        stream.setTimeout(this.requestTimeoutMs, () => {
          reject(new Error(`${method} ${path}: no response within ${this.requestTimeoutMs} ms`));
          stream.close(constants.NGHTTP2_CANCEL);
        });
      }
      if (body) stream.end(body);
    });
  }

  watch(path: string, query?: Query): WatchStream {
    let stream: ClientHttp2Stream | undefined;
    let closedHere = false;
    const fullPath = this.basePath + withQuery(path, watchQuery(query));
    const open = () => this.open({ ':method': 'GET', ':path': fullPath, accept: 'application/json' }, true);
    async function* events(): AsyncGenerator<WatchEvent> {
      if (closedHere) return;
      const s = (stream = open());
      const headers = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
        s.once('response', resolve);
        s.once('error', reject);
        s.once('close', () => reject(new Error(`watch ${path}: the stream closed before a response (code ${s.rstCode ?? '?'})`)));
      }).catch((err: unknown) => {
        if (closedHere) return undefined;
        throw err;
      });
      if (!headers) return;
      const status = Number(headers[':status']);
      const decoder = new WatchDecoder();
      try {
        if (status !== 200) {
          const chunks: Buffer[] = [];
          for await (const chunk of s) chunks.push(chunk as Buffer);
          throw errorFromResponse(status, Buffer.concat(chunks));
        }
        for await (const chunk of s) yield* decoder.push(chunk as Buffer);
      } catch (err) {
        if (closedHere) return;
        throw err;
      } finally {
        if (!s.closed) s.close(constants.NGHTTP2_CANCEL);
      }
      yield* decoder.end();
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close() {
        closedHere = true;
        if (stream && !stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      },
    };
  }

  /** Cancels open streams and closes the connection; later requests fail. */
  close(): void {
    this.closed = true;
    for (const s of this.streams) if (!s.closed) s.close(constants.NGHTTP2_CANCEL);
    this.session?.close();
    this.session = undefined;
  }

  private open(headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    const full = { accept: 'application/json', 'user-agent': this.userAgent, ...headers };
    if (this.credentials.token) full['authorization'] = `Bearer ${this.credentials.token}`;
    let stream: ClientHttp2Stream;
    try {
      stream = this.currentSession().request(full, { endStream });
    } catch {
      // The session was shutting down (GOAWAY) between the check and the call: a fresh one.
      this.session = undefined;
      stream = this.currentSession().request(full, { endStream });
    }
    // Errors surface through the promise or iterator that reads the stream.
    stream.on('error', () => {});
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  private currentSession(): ClientHttp2Session {
    if (this.closed) throw new TransportClosedError('the transport is closed');
    const current = this.session;
    if (current && !current.closed && !current.destroyed) return current;
    const c = this.credentials;
    const session = connect(this.origin, {
      ...(c.ca ? { ca: c.ca } : {}),
      ...(c.cert && c.key ? { cert: c.cert, key: c.key } : {}),
      ...(c.insecureSkipTlsVerify ? { rejectUnauthorized: false } : {}),
      ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
    });
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    const health = setInterval(() => checkAlive(session), PING_INTERVAL_MS);
    health.unref();
    session.once('close', () => clearInterval(health));
    this.session = session;
    return session;
  }
}

/** Destroys the session if a ping is not answered in time; its streams then fail. */
function checkAlive(session: ClientHttp2Session): void {
  if (session.destroyed || session.closed || session.connecting) return;
  const timer = setTimeout(() => session.destroy(new Error(`no answer to an HTTP/2 ping within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
  timer.unref();
  try {
    session.ping(() => clearTimeout(timer));
  } catch {
    clearTimeout(timer);
  }
}

function lower(headers: Record<string, string> | undefined): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}
