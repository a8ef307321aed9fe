/**
 * Dispatches requests straight into the API server's handler chain in this process —
 * no sockets, but the same path after transport: authentication, limits, routing,
 * admission, validation (DESIGN.md §1). The caller (src/cmd wiring) passes
 * `apiServer.serve.bind(apiServer)`; this module never imports the server.
 *
 * Identity: the server authenticates client certificates from a TLS socket or bearer
 * tokens from its token map, and an in-process request has no socket. So the wiring
 * creates a random token per in-process identity (`createInProcessIdentity`), puts it
 * in the server's token map, and this transport sends `Authorization: Bearer <token>`.
 * The token never leaves the process, and no server code has to trust a header that
 * names a user.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InProcessRequest, InProcessResponse } from './in-process-http.js';
import { errorFromResponse } from './status-error.js';
import { TransportClosedError, watchQuery, withQuery, type Query, type RequestOptions, type Transport, type TransportResponse, type WatchEvent, type WatchStream } from './transport.js';
import { WatchDecoder } from './watch-decoder.js';

/** The server's entry point, e.g. `apiServer.serve.bind(apiServer)`. */
export type Dispatch = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A user for the server's token map (the shape of its UserInfo) and the token naming it. */
export interface InProcessIdentity {
  token: string;
  user: { name: string; uid?: string; groups: string[] };
}

/** A fresh random token for `name`; add `[identity.token, identity.user]` to the server's tokens. */
export function createInProcessIdentity(name: string, groups: string[] = ['system:masters']): InProcessIdentity {
  return { token: randomBytes(32).toString('base64url'), user: { name, uid: name, groups } };
}

export class InProcessTransport implements Transport {
  private closed = false;
  private readonly open = new Set<InProcessResponse>();

  constructor(
    private readonly dispatch: Dispatch,
    private readonly identity: { token: string },
    private readonly userAgent = 'skiff/0.1.0 (in-process)',
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<TransportResponse> {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const res = this.send(method, withQuery(path, options.query), options.headers, body);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of res.body()) chunks.push(chunk);
      const headers: TransportResponse['headers'] = {};
      for (const [k, v] of Object.entries(res.getHeaders())) headers[k] = typeof v === 'number' ? String(v) : v;
      return { status: res.statusCode, headers, body: Buffer.concat(chunks) };
    } finally {
      res.destroy();
    }
  }

  watch(path: string, query?: Query): WatchStream {
    let res: InProcessResponse | undefined;
    let closedHere = false;
    const start = () => this.send('GET', withQuery(path, watchQuery(query)), undefined, undefined);
    async function* events(): AsyncGenerator<WatchEvent> {
      if (closedHere) return;
      const r = (res = start());
      try {
        await r.headersReady;
        if (r.statusCode !== 200) {
          const chunks: Buffer[] = [];
          for await (const chunk of r.body()) chunks.push(chunk);
          throw errorFromResponse(r.statusCode, Buffer.concat(chunks));
        }
        const decoder = new WatchDecoder();
        for await (const chunk of r.body()) yield* decoder.push(chunk);
        if (!closedHere) yield* decoder.end();
      } finally {
        r.destroy();
      }
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close() {
        closedHere = true;
        res?.destroy();
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const res of this.open) res.destroy();
  }

  private send(method: string, url: string, headers: Record<string, string> | undefined, body: Buffer | undefined): InProcessResponse {
    if (this.closed) throw new TransportClosedError('the transport is closed');
    const all: Record<string, string> = { accept: 'application/json', 'user-agent': this.userAgent };
    for (const [k, v] of Object.entries(headers ?? {})) all[k.toLowerCase()] = v;
    all['authorization'] = `Bearer ${this.identity.token}`;
    if (body) all['content-length'] = String(body.length);
    const req = new InProcessRequest(method.toUpperCase(), url, all, body);
    const res = new InProcessResponse();
    this.open.add(res);
    res.once('close', () => this.open.delete(res));
    // The server answers every failure with a Status; a rejection here is a server bug,
    // answered as the HTTP listener would: a 500 if nothing was written yet.
    this.dispatch(req as unknown as IncomingMessage, res as unknown as ServerResponse).then(
      () => {
        if (!res.writableEnded) res.end();
      },
      (err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, reason: 'InternalError', message: `Internal error occurred: ${String(err)}` }));
        } else res.end();
      },
    );
    return res;
  }
}
