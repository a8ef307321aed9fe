/**
 * Duplicate keys in a JSON text, as paths (`metadata.labels.app`, `spec.containers[0].name`).
 * JSON.parse keeps the last of two equal keys without a word; upstream's strict decoder
 * reports each one (fieldValidation Strict: 400, Warn: a warning). Written here because
 * no JSON parser on npm reports duplicates with their paths; it scans text that
 * JSON.parse has already accepted, so it only needs to follow structure, not validate.
 */

interface ObjectFrame {
  kind: 'object';
  path: string;
  keys: Set<string>;
  /** The key whose value comes next. */
  pending: string | undefined;
}

interface ArrayFrame {
  kind: 'array';
  path: string;
  index: number;
}

type Frame = ObjectFrame | ArrayFrame;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Index just past the string starting at `start` (a quote), and whether it holds escapes. */
function stringEnd(text: string, start: number): [number, boolean] {
  let escaped = false;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      escaped = true;
      i++;
    } else if (c === QUOTE) {
      return [i + 1, escaped];
    }
  }
  return [text.length, escaped];
}

function childPath(frame: Frame | undefined): string {
  if (!frame) return '';
  if (frame.kind === 'array') return `${frame.path}[${frame.index}]`;
  const key = frame.pending ?? '';
  return frame.path ? `${frame.path}.${key}` : key;
}

export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === QUOTE) {
      const [end, escaped] = stringEnd(text, i);
      // A string in an object before its colon is a key.
      if (top?.kind === 'object' && top.pending === undefined) {
        const raw = text.slice(i + 1, end - 1);
        const key = escaped ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.keys.has(key)) found.push(top.path ? `${top.path}.${key}` : key);
        else top.keys.add(key);
        top.pending = key;
      }
      i = end - 1;
    } else if (c === OPEN_BRACE) {
      stack.push({ kind: 'object', path: childPath(top), keys: new Set(), pending: undefined });
    } else if (c === OPEN_BRACKET) {
      stack.push({ kind: 'array', path: childPath(top), index: 0 });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      stack.pop();
    } else if (c === COMMA && top) {
      // The next array item, or the next key of an object.
      if (top.kind === 'array') top.index++;
      else top.pending = undefined;
    }
  }
  return found;
}
