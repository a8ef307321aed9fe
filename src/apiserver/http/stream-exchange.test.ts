import assert from 'node:assert/strict';
import { connect, constants, createServer, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { readBody, writeError, type Request, type Response } from './io.js';
import { StreamRequest, StreamResponse } from './stream-exchange.js';
import { tooLarge } from '../../api/errors.js';

type Handler = (req: StreamRequest, res: StreamResponse) => void | Promise<void>;

/** A cleartext HTTP/2 server on loopback whose streams go to the handler of the moment. */
let handler: Handler = (_req, res) => void res.end();
const server = createServer();
server.on('stream', (stream, headers) => void handler(new StreamRequest(stream, headers), new StreamResponse(stream)));
let client: ClientHttp2Session;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
after(async () => {
  client.close();
  await new Promise((resolve) => server.close(resolve));
});

interface Answer {
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when the stream ended with a reset instead of a body's end. */
  rstCode?: number;
}

function request(headers: OutgoingHttpHeaders, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve) => {
    const stream = client.request(headers);
    let head: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', () => undefined);
    stream.on('close', () => resolve({ headers: head, body: Buffer.concat(chunks), ...(stream.rstCode ? { rstCode: stream.rstCode } : {}) }));
    stream.end(body);
  });
}

describe('StreamRequest and StreamResponse', () => {
  it('send the status, the headers gathered (several values of one name too) and the body', async () => {
    let seen: { method: string; url: string; sentBefore: boolean; sentAfter: boolean; warning: unknown } | undefined;
    handler = (req, res) => {
      res.setHeader('Warning', ['299 - "one"', '299 - "two"']);
      const sentBefore = res.headersSent;
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Skipped': undefined });
      seen = { method: req.method, url: req.url, sentBefore, sentAfter: res.headersSent, warning: res.getHeader('warning') };
      res.write('{"a":');
      res.end('1}');
    };
    const answer = await request({ ':method': 'POST', ':path': '/x?y=1' }, '{}');
    assert.equal(answer.headers[':status'], 201);
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.headers['warning'], '299 - "one", 299 - "two"');
    assert.equal(answer.headers['x-skipped'], undefined);
    assert.equal(answer.body.toString(), '{"a":1}');
    assert.deepEqual(seen, { method: 'POST', url: '/x?y=1', sentBefore: false, sentAfter: true, warning: ['299 - "one"', '299 - "two"'] });
  });

  it('give the body to readBody, and a body over the limit is answered 413 on the same stream', async () => {
    let read = '';
    handler = async (req, res) => {
      read = (await readBody(req as unknown as Request)).toString();
      res.end('ok');
    };
    assert.equal((await request({ ':method': 'PUT', ':path': '/' }, 'x'.repeat(100_000))).body.toString(), 'ok');
    assert.equal(read.length, 100_000);

    handler = async (req, res) => {
      try {
        await readBody(req as unknown as Request, 1000);
      } catch (err) {
        // As the server does: take the rest of the body, then answer.
        req.resume();
        writeError(res as unknown as Response, err);
      }
    };
    const refused = await request({ ':method': 'POST', ':path': '/' }, 'y'.repeat(300_000));
    assert.equal(refused.headers[':status'], 413);
    assert.equal(JSON.parse(refused.body.toString()).reason, tooLarge('').reason);
  });

  it('start the head over when HTTP/2 refuses a header, so an error can still be answered', async () => {
    let thrown: unknown;
    handler = (_req, res) => {
      try {
        res.writeHead(200, { Connection: 'close' });
      } catch (err) {
        thrown = err;
      }
      res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end('clean');
    };
    const answer = await request({ ':method': 'GET', ':path': '/' });
    assert.ok(thrown instanceof Error);
    assert.equal(answer.headers[':status'], 500);
    assert.equal(answer.headers['connection'], undefined);
    assert.equal(answer.body.toString(), 'clean');
  });

  it("report backpressure with write()'s result and 'drain'", async () => {
    let full = false;
    let drained = false;
    handler = async (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; i < 64 && !full; i++) full = !res.write(chunk);
      if (full) await new Promise<void>((resolve) => res.once('drain', () => resolve()));
      drained = true;
      res.end();
    };
    const answer = await request({ ':method': 'GET', ':path': '/' });
    assert.ok(full, 'the stream filled');
    assert.ok(drained);
    assert.ok(answer.body.length >= 64 * 1024);
  });

  it("emit 'close' when the client resets the stream; writing after that is a quiet no-op", async () => {
    let closed!: () => void;
    const wasClosed = new Promise<void>((resolve) => (closed = resolve));
    let afterClose: boolean | undefined;
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('first');
      res.once('close', () => {
        afterClose = res.write('late');
        res.end('later');
        closed();
      });
    };
    const stream = client.request({ ':method': 'GET', ':path': '/watch' });
    stream.on('error', () => undefined);
    await new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.close(constants.NGHTTP2_CANCEL);
    await wasClosed;
    assert.equal(afterClose, false);
  });

  it('end a response with no body, and with an empty head', async () => {
    handler = (_req, res) => void res.end();
    const answer = await request({ ':method': 'DELETE', ':path': '/' });
    assert.equal(answer.headers[':status'], 200);
    assert.equal(answer.body.length, 0);
  });
});
