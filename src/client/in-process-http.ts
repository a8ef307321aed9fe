/**
 * Request and response objects with the shape the API server reads from Node's `http`
 * compatibility API, without sockets: the in-process transport hands them to the
 * server's `serve(req, res)` and reads the answer back. The response buffers what the
 * server writes until the transport takes it; `write()` returns false past a high-water
 * mark and 'drain' follows once the reader catches up, so a watch has backpressure as
 * it would over HTTP/2. `destroy()` is the reader hanging up ('close' on the response).
 */
import { EventEmitter } from 'node:events';

type HeaderValue = string | number | string[];

const EMPTY_BODY = Buffer.alloc(0);

export class InProcessRequest extends EventEmitter {
  /** No socket: authentication sees no client certificate and uses the bearer token. */
  readonly socket = undefined;
  readonly httpVersion = '2.0';
  readonly complete = true;

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
    private readonly body: Buffer | undefined,
  ) {
    super();
  }

  /** The body as the server reads it (see BufferedBodyRequest in the API server's io.ts). */
  get bufferedBody(): Buffer {
    return this.body ?? EMPTY_BODY;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.body && this.body.length > 0) yield this.body;
  }
}

const HIGH_WATER_MARK = 64 * 1024;

export class InProcessResponse extends EventEmitter {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  writableEnded = false;
  writableFinished = false;
  destroyed = false;
  private readonly headerMap = new Map<string, HeaderValue>();
  private chunks: Buffer[] = [];
  private buffered = 0;
  private needDrain = false;
  private wake: (() => void) | undefined;
  private headersSignal!: () => void;
  /** Resolves once the status and headers are final (flushed, first write, or end). */
  readonly headersReady = new Promise<void>((resolve) => (this.headersSignal = resolve));

  setHeader(name: string, value: HeaderValue): this {
    if (this.headersSent) throw new Error('Cannot set headers after they are sent to the client');
    this.headerMap.set(name.toLowerCase(), value);
    return this;
  }

  getHeader(name: string): HeaderValue | undefined {
    return this.headerMap.get(name.toLowerCase());
  }

  getHeaders(): Record<string, HeaderValue> {
    return Object.fromEntries(this.headerMap);
  }

  hasHeader(name: string): boolean {
    return this.headerMap.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    if (!this.headersSent) this.headerMap.delete(name.toLowerCase());
  }

  writeHead(code: number, messageOrHeaders?: string | Record<string, HeaderValue | undefined>, maybeHeaders?: Record<string, HeaderValue | undefined>): this {
    if (this.headersSent) throw new Error('Cannot write headers after they are sent to the client');
    this.statusCode = code;
    const headers = typeof messageOrHeaders === 'string' ? maybeHeaders : messageOrHeaders;
    if (typeof messageOrHeaders === 'string') this.statusMessage = messageOrHeaders;
    for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) this.headerMap.set(k.toLowerCase(), v);
    this.headersSent = true;
    return this;
  }

  flushHeaders(): void {
    this.headersSent = true;
    this.headersSignal();
  }

  write(chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | (() => void), callback?: () => void): boolean {
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (this.writableEnded) {
      queueMicrotask(() => this.emit('error', new Error('write after end')));
      return false;
    }
    this.flushHeaders();
    if (this.destroyed) return false;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : 'utf8') : Buffer.from(chunk);
    if (buf.length > 0) {
      this.chunks.push(buf);
      this.buffered += buf.length;
      this.notify();
    }
    if (cb) queueMicrotask(cb);
    if (this.buffered >= HIGH_WATER_MARK) this.needDrain = true;
    return !this.needDrain;
  }

  end(chunk?: string | Uint8Array | (() => void), encodingOrCallback?: BufferEncoding | (() => void), callback?: () => void): this {
    if (this.writableEnded) return this;
    if (typeof chunk === 'function') callback = chunk;
    else if (chunk !== undefined) this.write(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : undefined);
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    this.writableEnded = true;
    this.flushHeaders();
    this.notify();
    queueMicrotask(() => {
      this.writableFinished = true;
      this.emit('finish');
      cb?.();
      this.hangUp();
    });
    return this;
  }

  /** The reader is gone: the server sees 'close' and stops writing. */
  destroy(): this {
    if (!this.destroyed) {
      this.chunks = [];
      this.buffered = 0;
      this.hangUp();
    }
    return this;
  }

  /** The body as the server writes it, chunk by chunk, ending when the server ends it. */
  async *body(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.chunks.length > 0) {
        const chunk = this.chunks.shift()!;
        this.buffered -= chunk.length;
        if (this.needDrain && this.buffered < HIGH_WATER_MARK / 2) {
          this.needDrain = false;
          this.emit('drain');
        }
        yield chunk;
        continue;
      }
      if (this.writableEnded || this.destroyed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private hangUp(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.notify();
    this.headersSignal();
    this.emit('close');
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
