import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { joinJsonPieces, type JsonPiece } from '../../api/json-pieces.js';
import { ClientGoneError, parseJson, readBody, writeJsonPieces, type Request, type Response } from './io.js';

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
