/**
 * An HTTP/2 request and its response straight on Node's stream API, with the members the
 * API server uses of Node's compatibility objects (Http2ServerRequest/Response). The
 * compatibility layer costs ~17 µs of the one JavaScript thread per request (measured on
 * a bare server under h2load: its request is a second Readable fed from the stream, each
 * object registers half a dozen listeners, and headers are checked and copied twice) —
 * ~4% of a pod create. HEAD, CONNECT and `Expect:` requests still take the compatibility
 * path (server.ts), which handles them specially.
 */
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';

type HeaderValue = string | number | readonly string[];
/** Any listener of the stream's events (the last of its `on` overloads). */
type Listener = Parameters<ServerHttp2Stream['on']>[1];

/** The request: its head from the HEADERS frame, its body read from the stream itself. */
export class StreamRequest {
  readonly httpVersion = '2.0';
  readonly method: string;
  readonly url: string;

  constructor(
    readonly stream: ServerHttp2Stream,
    readonly headers: IncomingHttpHeaders,
  ) {
    this.method = headers[':method'] ?? 'GET';
    this.url = headers[':path'] ?? '/';
  }

  get socket(): TLSSocket | undefined {
    return this.stream.session?.socket as TLSSocket | undefined;
  }

  get readableEnded(): boolean {
    return this.stream.readableEnded;
  }

  // The body's events ('data', 'end', 'error', 'close') are the stream's own.
  on(event: string, listener: Listener): this {
    this.stream.on(event, listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.stream.once(event, listener);
    return this;
  }

  off(event: string, listener: Listener): this {
    this.stream.off(event, listener);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  resume(): this {
    this.stream.resume();
    return this;
  }

  /**
   * Stops reading the body, as destroying the compatibility layer's request does: that
   * ends only its own reading, never the stream the response still goes out on (a body
   * over the limit is answered 413, and the rest of it is drained by resume()).
   */
  destroy(): void {
    this.stream.pause();
  }
}

/**
 * The response: headers gathered until the head is sent (at writeHead, flushHeaders, the
 * first write or end), the body written to the stream. 'drain' and 'close' are the
 * stream's; 'close' also when the client resets the stream.
 */
export class StreamResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  private head: Record<string, HeaderValue> = {};
  private sent = false;
  private ended = false;

  constructor(readonly stream: ServerHttp2Stream) {
    super();
    // A reset stream reports an error before it closes; the request simply ends ('close').
    stream.on('error', ignore);
    stream.on('drain', () => this.emit('drain'));
    stream.once('close', () => {
      if (this.ended) this.emit('finish');
      this.emit('close');
    });
  }

  get headersSent(): boolean {
    return this.sent;
  }

  get writableEnded(): boolean {
    return this.ended;
  }

  get writableFinished(): boolean {
    return this.stream.writableFinished;
  }

  get destroyed(): boolean {
    return this.stream.destroyed;
  }

  setHeader(name: string, value: HeaderValue): this {
    if (this.sent) throw new Error('Cannot set headers after they are sent to the client');
    this.head[name.toLowerCase()] = value;
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.head[name.toLowerCase()];
  }

  getHeaders(): Record<string, HeaderValue> {
    return { ...this.head };
  }

  hasHeader(name: string): boolean {
    return name.toLowerCase() in this.head;
  }

  removeHeader(name: string): void {
    if (this.sent) throw new Error('Cannot remove headers after they are sent to the client');
    delete this.head[name.toLowerCase()];
  }

  writeHead(code: number, messageOrHeaders?: string | Record<string, HeaderValue | undefined>, maybeHeaders?: Record<string, HeaderValue | undefined>): this {
    if (this.sent) throw new Error('Cannot write headers after they are sent to the client');
    this.statusCode = code;
    const headers = typeof messageOrHeaders === 'string' ? maybeHeaders : messageOrHeaders;
    if (typeof messageOrHeaders === 'string') this.statusMessage = messageOrHeaders;
    if (headers) for (const name in headers) if (headers[name] !== undefined) this.head[name.toLowerCase()] = headers[name]!;
    this.sendHead();
    return this;
  }

  flushHeaders(): void {
    if (!this.sent) this.sendHead();
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | ((err?: Error | null) => void), callback?: (err?: Error | null) => void): boolean {
    if (this.ended) throw new Error('write after end');
    if (!this.sent) this.sendHead();
    if (this.stream.destroyed) return false;
    if (typeof encodingOrCallback === 'function') return this.stream.write(chunk, encodingOrCallback);
    return encodingOrCallback === undefined ? this.stream.write(chunk, callback) : this.stream.write(chunk, encodingOrCallback, callback);
  }

  end(chunk?: string | Uint8Array | (() => void), encodingOrCallback?: BufferEncoding | (() => void), callback?: () => void): this {
    if (this.ended) return this;
    if (typeof chunk === 'function') {
      callback = chunk;
      chunk = undefined;
    }
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    const encoding = typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined;
    this.ended = true;
    if (!this.sent) this.sendHead();
    if (this.stream.destroyed) return this;
    if (chunk === undefined) this.stream.end(done);
    else if (encoding) this.stream.end(chunk, encoding, done);
    else this.stream.end(chunk, done);
    return this;
  }

  destroy(err?: Error): this {
    this.stream.destroy(err);
    return this;
  }

  /** Sends the head; on a stream the client already reset there is no one to send it to. */
  private sendHead(): void {
    if (!this.stream.destroyed && !this.stream.closed) {
      const head = this.head as OutgoingHttpHeaders;
      head[':status'] = this.statusCode;
      try {
        this.stream.respond(head);
      } catch (err) {
        // A header HTTP/2 cannot carry: the head counts as unsent and starts over empty,
        // so that the error becomes a Status response with clean headers.
        this.head = {};
        throw err;
      }
    }
    this.sent = true;
  }
}

function ignore(): void {}
