import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatchDecoder } from './watch-decoder.js';

describe('WatchDecoder', () => {
  it('splits events at newlines across arbitrary chunk boundaries, multi-byte characters included', () => {
    const text = `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'ä€😀' } } })}\n${JSON.stringify({ type: 'DELETED', object: { metadata: { name: 'b' } } })}\n`;
    const bytes = Buffer.from(text);
    for (const size of [1, 2, 3, 7, bytes.length]) {
      const d = new WatchDecoder();
      const events = [];
      for (let i = 0; i < bytes.length; i += size) events.push(...d.push(bytes.subarray(i, i + size)));
      events.push(...d.end());
      assert.deepEqual(events.map((e) => [e.type, (e.object.metadata as { name: string }).name]), [['ADDED', 'ä€😀'], ['DELETED', 'b']], `chunk size ${size}`);
    }
  });

  it('skips blank and unparseable lines and takes a last line without a newline', () => {
    const d = new WatchDecoder();
    const events = d.push('\nnot json\n{"type":"WHAT","object":{}}\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"9"}}}');
    assert.equal(events.length, 0);
    const rest = d.end();
    assert.equal(rest.length, 1);
    assert.equal(rest[0]!.type, 'BOOKMARK');
  });
});
