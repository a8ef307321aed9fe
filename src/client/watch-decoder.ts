/**
 * Turns the bytes of a watch response into events: one JSON object per line
 * (kubectl-wire.md §4). Chunks may split lines and multi-byte characters anywhere.
 * Lines that are not JSON events are skipped, as client-node does.
 */
import { StringDecoder } from 'node:string_decoder';
import type { WatchEvent } from './transport.js';

const TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

export class WatchDecoder {
  private readonly text = new StringDecoder('utf8');
  private pending = '';

  /** The complete events in `chunk` (plus what earlier chunks left unfinished). */
  push(chunk: Buffer | string): WatchEvent[] {
    this.pending += typeof chunk === 'string' ? chunk : this.text.write(chunk);
    const events: WatchEvent[] = [];
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      const event = parseEvent(line);
      if (event) events.push(event);
    }
    return events;
  }

  /** The last event when the stream ended without a final newline. */
  end(): WatchEvent[] {
    const rest = this.pending + this.text.end();
    this.pending = '';
    const event = parseEvent(rest);
    return event ? [event] : [];
  }
}

function parseEvent(line: string): WatchEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const value = JSON.parse(line) as { type?: unknown; object?: unknown };
    if (typeof value.type !== 'string' || !TYPES.has(value.type)) return undefined;
    if (typeof value.object !== 'object' || value.object === null) return undefined;
    return value as WatchEvent;
  } catch {
    return undefined;
  }
}
