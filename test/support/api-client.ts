/**
 * A small HTTPS client for integration tests: speaks to a Skiff API server with the
 * admin credentials of its kubeconfig, over HTTP/2 (one session, many streams).
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const GO_STREAM_WINDOW = 4 << 20;
const GO_CONNECTION_WINDOW = 1 << 30;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

interface Kubeconfig {
  clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { user: { 'client-certificate-data': string; 'client-key-data': string } }[];
}

export class ApiClient {
  private readonly session: ClientHttp2Session;
  readonly server: string;

  constructor(kubeconfigPath: string, options: { anonymous?: boolean } = {}) {
    const kc = parse(readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig;
    const b64 = (s: string) => Buffer.from(s, 'base64');
    this.server = kc.clusters[0]!.cluster.server;
    this.session = connect(this.server, {
      ca: b64(kc.clusters[0]!.cluster['certificate-authority-data']),
      ...(options.anonymous ? {} : { cert: b64(kc.users[0]!.user['client-certificate-data']), key: b64(kc.users[0]!.user['client-key-data']) }),
      // Flow-control windows as kubectl's Go HTTP/2 transport opens them (4 MiB per stream,
      // 1 GiB per connection). Node's 64 KiB defaults make a large LIST wait for a
      // WINDOW_UPDATE round trip every 64 KiB, which no real client does.
      settings: { initialWindowSize: GO_STREAM_WINDOW },
    });
    this.session.on('connect', () => this.session.setLocalWindowSize(GO_CONNECTION_WINDOW));
    this.session.on('error', () => {});
  }

  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      const req = this.session.request(
        { ':method': method, ':path': path, 'content-type': 'application/json', accept: 'application/json', ...headers },
        { endStream: payload === undefined },
      );
      const chunks: Buffer[] = [];
      let status = 0;
      let responseHeaders: Record<string, string | string[] | undefined> = {};
      req.on('response', (h) => {
        status = Number(h[':status']);
        responseHeaders = h as Record<string, string | string[] | undefined>;
      });
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status, headers: responseHeaders, body: parsed as T, text });
      });
      req.on('error', reject);
      if (payload !== undefined) req.end(payload);
      else req.end();
    });
  }

  /**
   * A request whose answer is only counted, not decoded: a load generator's request,
   * costing the client as little as it can (the body is sent as given), or a GET timed
   * to the server's last byte. A refusal's text is kept.
   */
  send(method: string, path: string, body?: string | Buffer): Promise<{ status: number; bytes: number; error?: string }> {
    return new Promise((resolve, reject) => {
      const headers = { ':method': method, ':path': path, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
      const req = this.session.request(headers, { endStream: body === undefined });
      let status = 0;
      let bytes = 0;
      const refusal: Buffer[] = [];
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (c: Buffer) => {
        bytes += c.length;
        if (status >= 300) refusal.push(c);
      });
      req.on('end', () => resolve({ status, bytes, ...(status >= 300 ? { error: Buffer.concat(refusal).toString('utf8') } : {}) }));
      req.on('error', reject);
      if (body === undefined) req.end();
      else req.end(body);
    });
  }

  /** A GET whose answer is only counted, not decoded: for timing the server to the last byte. */
  getBytes(path: string): Promise<{ status: number; bytes: number }> {
    return this.send('GET', path);
  }

  /** Opens a watch; events arrive one parsed line at a time. */
  watch(path: string, onEvent: (event: { type: string; object: Record<string, unknown> }) => void, headers: Record<string, string> = {}): { close(): void; status: Promise<number> } {
    const req = this.session.request({ ':method': 'GET', ':path': path, accept: 'application/json', ...headers });
    let buffered = '';
    const status = new Promise<number>((resolve) => req.on('response', (h) => resolve(Number(h[':status']))));
    req.on('data', (c: Buffer) => {
      buffered += c.toString('utf8');
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 1);
        if (line.trim()) onEvent(JSON.parse(line) as { type: string; object: Record<string, unknown> });
      }
    });
    req.on('error', () => {});
    return { close: () => req.close(), status };
  }

  close(): void {
    this.session.close();
  }
}
