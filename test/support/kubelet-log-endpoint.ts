/**
 * A stand-in for one kubelet's HTTPS log endpoint — `GET /containerLogs/{ns}/{pod}/{container}`
 * — so tests can exercise the API server's pods/log proxy before Skiff has a node agent.
 * It is not a kubelet: it serves canned text and records who asked. The real kubelet's
 * streaming server replaces it when the node agent lands.
 *
 * Safety (DESIGN.md §6): listens on 127.0.0.1 only, port 0; `stop()` closes it and
 * every connection it holds.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { createCaCertificate, issueCertificate, type CertificateAndKey } from '../../src/apiserver/pki/certificates.js';

/** What the stand-in answers for one container. */
export interface ContainerLog {
  /** Written at once (its last lines only, when the request has tailLines). */
  body: string;
  /** With follow=true: after `body`, wait for this, then write `rest` and end. */
  hold?: Promise<void>;
  rest?: string;
  /** A kubelet error instead of a log: this status with `body` as plain text. */
  status?: number;
}

/** One request the stand-in received. */
export interface ReceivedRequest {
  path: string;
  /** The raw query string, without `?`. */
  query: string;
  /** DER of the client certificate presented, if any. */
  clientCertificate?: Buffer;
  clientSubject?: { CN?: string | string[]; O?: string | string[] };
  /** 'aborted' when the caller went away before the stand-in ended the response. */
  state: 'open' | 'completed' | 'aborted';
}

export interface KubeletLogEndpoint {
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Sets what `/containerLogs/{ns}/{pod}/{container}` answers. */
  set(namespace: string, pod: string, container: string, log: ContainerLog): void;
  stop(): Promise<void>;
}

export interface KubeletLogEndpointOptions {
  /** The cluster CA that signs the stand-in's serving certificate (as the real kubelet's would be). */
  ca: CertificateAndKey;
  /** Sign the serving certificate with a throwaway CA instead, to test verification. */
  untrusted?: boolean;
}

export async function startKubeletLogEndpoint(options: KubeletLogEndpointOptions): Promise<KubeletLogEndpoint> {
  const now = new Date();
  const signer = options.untrusted ? await createCaCertificate(now) : options.ca;
  const serving = await issueCertificate(signer, { usage: 'server', commonName: 'kubelet-log-endpoint', sans: { dns: ['localhost'], ips: ['127.0.0.1'] } }, { now });
  const logs = new Map<string, ContainerLog>();
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    void answer(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://kubelet');
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const presented = peer && peer.raw ? { clientCertificate: peer.raw, clientSubject: { CN: peer.subject?.CN, O: peer.subject?.O } } : {};
    const received: ReceivedRequest = { path: url.pathname, query: url.search.replace(/^\?/, ''), ...presented, state: 'open' };
    requests.push(received);
    res.once('close', () => (received.state = res.writableFinished ? 'completed' : 'aborted'));
    const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const log = match ? logs.get(match.slice(1).map(decodeURIComponent).join('/')) : undefined;
    if (!log) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    if (log.status) {
      res.writeHead(log.status, { 'Content-Type': 'text/plain' });
      res.end(log.body);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write(tail(log.body, url.searchParams.get('tailLines')));
    const follow = url.searchParams.get('follow') === 'true';
    if (follow && log.hold) {
      await log.hold;
      if (!res.destroyed) res.write(log.rest ?? '');
    }
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    requests,
    set(namespace, pod, container, log) {
      logs.set(`${namespace}/${pod}/${container}`, log);
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The last `tailLines` lines of `body`, as the kubelet would cut them. */
function tail(body: string, tailLines: string | null): string {
  if (tailLines === null) return body;
  const lines = body.split(/(?<=\n)/);
  return lines.slice(Math.max(0, lines.length - Number(tailLines))).join('');
}

/** A Node as a node agent would register it: reachable at 127.0.0.1, kubelet on `port`. */
export function nodeForEndpoint(name: string, port: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
    },
  };
}
