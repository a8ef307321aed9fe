import assert from 'node:assert/strict';
import { createServer as createHttp1Server, get as http1Get } from 'node:http';
import { connect as http2Connect, constants as http2Constants, createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { joinJsonPieces, type JsonPiece } from '../../api/json-pieces.js';
import { ClientGoneError, parseJson, readBody, writeError, writeJsonPieces, type Request, type Response } from './io.js';

/** Records what a response is given: head, then each written buffer. */
function recorder() {
  const writes: Buffer[] = [];
  const res = {
    headersSent: false,
    statusCode: 0,
    writeHead(code: number) {
      this.statusCode = code;
      this.headersSent = true;
    },
    write(chunk: Buffer) {
      writes.push(Buffer.from(chunk));
      return true;
    },
    end(chunk?: Buffer) {
      if (chunk) writes.push(Buffer.from(chunk));
    },
  };
  return { res: res as unknown as Response, writes, status: () => res.statusCode };
}

describe('writeJsonPieces', () => {
  it('writes text and byte pieces in order, across buffer boundaries, text as UTF-8', () => {
    const big = Buffer.from(`"${'b'.repeat(70 * 1024)}"`);
    const pieces: JsonPiece[] = ['{"items":['];
    for (let i = 0; i < 3000; i++) pieces.push(i ? ',' : '', `{"i":${i},"s":"é→`, Buffer.from(`${'x'.repeat(i % 50)}"}`));
    // Text measured first when it might not fit: 30,000 characters, 60,000 bytes.
    pieces.push(',', big, ',"ü"', `,"${'ü'.repeat(30_000)}"`, ']}');
    const { res, writes, status } = recorder();
    writeJsonPieces(res, 200, pieces);
    assert.equal(status(), 200);
    const body = Buffer.concat(writes);
    assert.deepEqual(body, joinJsonPieces(pieces));
    const parsed = JSON.parse(body.toString('utf8')) as { items: unknown[] };
    assert.equal(parsed.items.length, 3003);
    assert.deepEqual(parsed.items[1], { i: 1, s: `é→${'x'}` });
    assert.equal(parsed.items[3001], 'ü');
    assert.equal(parsed.items[3002], 'ü'.repeat(30_000));
    // Buffers of 64 KB at most, except a piece larger than that, written on its own.
    assert.ok(writes.every((w) => w.length <= 64 * 1024 || w.equals(big)));
    assert.ok(writes.some((w) => w.equals(big)));
  });
});

describe('readBody', () => {
  it('tells a client that went away mid-body from a failure (ClientGoneError)', async () => {
    const req = Object.assign(new PassThrough(), { headers: {} }) as unknown as Request;
    const reading = readBody(req);
    (req as unknown as PassThrough).write('{"kind":');
    (req as unknown as PassThrough).destroy();
    await assert.rejects(reading, (err: unknown) => err instanceof ClientGoneError);
  });

  it('returns the whole body once it ends', async () => {
    const stream = new PassThrough();
    const reading = readBody(Object.assign(stream, { headers: {} }) as unknown as Request);
    stream.write('{"kind":');
    stream.end('"Pod"}');
    assert.equal((await reading).toString(), '{"kind":"Pod"}');
  });
});

describe('parseJson nesting limit', () => {
  const nested = (depth: number, open: string, close: string, inner: string) => open.repeat(depth) + inner + close.repeat(depth);
  it('takes values up to 100 levels down, in arrays and objects', () => {
    assert.doesNotThrow(() => parseJson(nested(100, '[', ']', '1')));
    assert.doesNotThrow(() => parseJson(nested(100, '{"a":', '}', '"x"')));
    assert.doesNotThrow(() => parseJson(nested(101, '[', ']', '')));
  });
  it('refuses anything deeper with 400', () => {
    for (const text of [nested(101, '[', ']', '1'), nested(101, '{"a":', '}', 'null'), nested(100, '{"a":', '}', '{"b":{}}')]) {
      assert.throws(() => parseJson(text), (err: { code?: number; message?: string }) => err.code === 400 && /nested more than 100/.test(err.message ?? ''));
    }
  });
});

describe('writeError after the head went out', () => {
  // The handler has begun a 200 body, then fails: no Status can follow.
  const failMidBody = (res: Response) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    (res as unknown as { write(chunk: string): boolean }).write('{"kind":"PodList","items":[{');
    setImmediate(() => writeError(res, new Error('storage failed')));
  };

  it('resets the HTTP/2 stream with INTERNAL_ERROR instead of ending the body cleanly', async () => {
    const server = createHttp2Server((_req, res) => failMidBody(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = http2Connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    try {
      const req = client.request({ ':path': '/api/v1/pods' });
      const outcome = await new Promise<{ status?: number; body: string; ended: boolean; rstCode: number }>((resolve) => {
        let status: number | undefined;
        let body = '';
        let ended = false;
        req.on('response', (h) => (status = Number(h[':status'])));
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => (ended = true));
        req.on('error', () => {});
        req.on('close', () => resolve({ status, body, ended, rstCode: req.rstCode ?? 0 }));
      });
      assert.equal(outcome.status, 200);
      assert.equal(outcome.rstCode, http2Constants.NGHTTP2_INTERNAL_ERROR);
      assert.equal(outcome.ended, false, 'the body never ends cleanly');
    } finally {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('closes an HTTP/1.1 connection before the body ends', async () => {
    const server = createHttp1Server((_req, res) => failMidBody(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const outcome = await new Promise<{ status?: number; complete: boolean }>((resolve) => {
        const req = http1Get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/api/v1/pods', agent: false }, (res) => {
          res.on('data', () => {});
          res.on('error', () => {});
          res.on('close', () => resolve({ status: res.statusCode, complete: res.complete }));
        });
        req.on('error', () => resolve({ complete: false }));
      });
      assert.equal(outcome.status, 200);
      assert.equal(outcome.complete, false, 'the client sees the message cut short');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
