import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { ApiError } from '../api/errors.js';
import { InProcessTransport, createInProcessIdentity } from './in-process-transport.js';

type Req = IncomingMessage;
type Res = ServerResponse;

async function readBody(req: Req): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

describe('InProcessTransport', () => {
  it('presents method, url, headers with the bearer token, and the body; returns status, headers and body', async () => {
    const identity = createInProcessIdentity('system:apiserver');
    assert.ok(identity.token.length >= 40);
    let seen: Record<string, unknown> = {};
    const t = new InProcessTransport(async (req: Req, res: Res) => {
      seen = { method: req.method, url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body: await readBody(req), socket: req.socket };
      res.setHeader('X-Extra', 'yes');
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end('{"ok":true}');
    }, identity);
    const res = await t.request('POST', '/api/v1/x', { body: '{"a":1}', headers: { 'Content-Type': 'application/json' }, query: { dryRun: 'All', skip: undefined } });
    assert.deepEqual(seen, { method: 'POST', url: '/api/v1/x?dryRun=All', auth: `Bearer ${identity.token}`, type: 'application/json', body: '{"a":1}', socket: undefined });
    assert.equal(res.status, 201);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['x-extra'], 'yes');
    assert.equal(res.body.toString(), '{"ok":true}');
  });

  it('answers a rejected dispatch with a 500 Status', async () => {
    const t = new InProcessTransport(async () => {
      throw new Error('boom');
    }, { token: 't' });
    const res = await t.request('GET', '/x');
    assert.equal(res.status, 500);
    assert.match(res.body.toString(), /boom/);
  });

  it('streams a watch; closing it shows the server a closed response', async () => {
    let closed = false;
    let release: () => void = () => {};
    const t = new InProcessTransport(async (req: Req, res: Res) => {
      assert.match(req.url ?? '', /watch=true/);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      res.on('close', () => {
        closed = true;
        release();
      });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } })}\n`);
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'a' } } })}\n`);
      await new Promise<void>((r) => (release = r));
    }, { token: 't' });
    const stream = t.watch('/api/v1/pods', { resourceVersion: '5' });
    const types: string[] = [];
    for await (const e of stream) {
      types.push(e.type);
      if (types.length === 2) stream.close();
    }
    assert.deepEqual(types, ['ADDED', 'MODIFIED']);
    assert.equal(closed, true);
  });

  it('a watch ends when the server ends the response, and a refused watch throws its Status', async () => {
    const t = new InProcessTransport(async (req: Req, res: Res) => {
      if ((req.url ?? '').includes('resourceVersion=1&')) {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(new ApiError(410, 'Expired', 'too old resource version: 1 (5)').toStatus()));
        return;
      }
      res.writeHead(200);
      res.flushHeaders();
      res.write('{"type":"ADDED","object":{"metadata":{"name":"x"}}}\n');
      res.end();
    }, { token: 't' });
    const events = [];
    for await (const e of t.watch('/api/v1/pods', { resourceVersion: '2' })) events.push(e);
    assert.equal(events.length, 1);
    await assert.rejects(
      (async () => {
        for await (const _ of t.watch('/api/v1/pods', { resourceVersion: '1' })) void _;
      })(),
      (err: unknown) => err instanceof ApiError && err.code === 410 && err.reason === 'Expired',
    );
  });

  it('applies backpressure: write() returns false until the reader drains', async () => {
    let sawFalse = false;
    let drained = false;
    const t = new InProcessTransport(async (_req: Req, res: Res) => {
      res.writeHead(200);
      res.flushHeaders();
      const line = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'x'.repeat(1000) } } })}\n`;
      for (let i = 0; i < 200; i++) {
        if (!res.write(line)) {
          sawFalse = true;
          await new Promise<void>((r) => res.once('drain', () => r()));
          drained = true;
        }
      }
      res.end();
    }, { token: 't' });
    let n = 0;
    for await (const _ of t.watch('/api/v1/pods')) {
      void _;
      n++;
    }
    assert.equal(n, 200);
    assert.ok(sawFalse && drained);
  });
});
