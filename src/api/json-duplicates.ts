/**
 * Duplicate keys in a JSON text, as paths (`metadata.labels.app`, `spec.containers[0].name`).
 * JSON.parse keeps the last of two equal keys without a word; upstream's strict decoder
 * reports each one (fieldValidation Strict: 400, Warn: a warning). Written here because
 * no JSON parser on npm reports duplicates with their paths; it scans text that
 * JSON.parse has already accepted, so it only needs to follow structure, not validate.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Past this many keys an object's keys are looked up in a Set rather than scanned. */
const SCAN_KEYS = 16;

/**
 * Where the strings of one text end. Most strings hold no escapes, so their end is the
 * next quote, found natively rather than by a character loop (an annotation may be
 * kilobytes long); the next backslash is remembered, so the text is searched for
 * backslashes once, not once per string.
 */
class StringScanner {
  /** Whether the string last measured holds escapes. */
  escaped = false;
  private nextBackslash: number;

  constructor(private readonly text: string) {
    this.nextBackslash = text.indexOf('\\');
  }

  /** Index just past the string starting at `start` (a quote). */
  end(start: number): number {
    const text = this.text;
    if (this.nextBackslash >= 0 && this.nextBackslash <= start) this.nextBackslash = text.indexOf('\\', start + 1);
    const quote = text.indexOf('"', start + 1);
    if (this.nextBackslash < 0 || (quote >= 0 && this.nextBackslash > quote)) {
      this.escaped = false;
      return quote < 0 ? text.length : quote + 1;
    }
    this.escaped = true;
    for (let i = start + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) return i + 1;
    }
    return text.length;
  }
}

/**
 * Runs on every JSON body a write sends (fieldValidation Warn is the default), so it
 * allocates little: the open containers live in parallel arrays, the keys of the open
 * objects on one stack, and a path is spelled out only for a duplicate found.
 */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  // Per open container, innermost last: whether it is an array, its item index (arrays),
  // the key whose value comes next (objects; undefined before the colon), where its keys
  // start on `keys`, and a Set of them once there are many.
  const isArray: boolean[] = [];
  const index: number[] = [];
  const pending: (string | undefined)[] = [];
  const keysFrom: number[] = [];
  const keySets: (Set<string> | undefined)[] = [];
  const keys: string[] = [];
  const strings = new StringScanner(text);
  let depth = 0;
  const pathTo = (level: number): string => {
    let out = '';
    for (let j = 0; j < level; j++) out += isArray[j] ? `[${index[j]}]` : out ? `.${pending[j]}` : pending[j];
    return out;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = depth - 1;
    if (c === QUOTE) {
      const end = strings.end(i);
      const escaped = strings.escaped;
      // A string in an object before its colon is a key.
      if (top >= 0 && !isArray[top] && pending[top] === undefined) {
        const key = escaped ? (JSON.parse(text.slice(i, end)) as string) : text.slice(i + 1, end - 1);
        let set = keySets[top];
        let seen: boolean;
        if (set) seen = set.has(key);
        else {
          seen = false;
          for (let k = keysFrom[top]!; k < keys.length; k++) {
            if (keys[k] === key) {
              seen = true;
              break;
            }
          }
        }
        if (seen) {
          const path = pathTo(top);
          found.push(path ? `${path}.${key}` : key);
        } else if (set) set.add(key);
        else {
          keys.push(key);
          if (keys.length - keysFrom[top]! > SCAN_KEYS) keySets[top] = set = new Set(keys.slice(keysFrom[top]!));
        }
        pending[top] = key;
      }
      i = end - 1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      isArray[depth] = c === OPEN_BRACKET;
      index[depth] = 0;
      pending[depth] = undefined;
      keysFrom[depth] = keys.length;
      keySets[depth] = undefined;
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (top >= 0) {
        keys.length = keysFrom[top]!;
        keySets[top] = undefined;
        depth--;
      }
    } else if (c === COMMA && top >= 0) {
      // The next array item, or the next key of an object.
      if (isArray[top]) index[top]!++;
      else pending[top] = undefined;
    }
  }
  return found;
}

/** Object members in a JSON text: one colon outside strings each. */
export function memberCount(text: string): number {
  const strings = new StringScanner(text);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) n++;
    else if (c === QUOTE) i = strings.end(i) - 1;
  }
  return n;
}

/** Members of the objects in a parsed value: JSON.parse keeps one per distinct key. */
function parsedMemberCount(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push(item);
    } else if (typeof v === 'object' && v !== null) {
      for (const k in v) {
        n++;
        const child = (v as Record<string, unknown>)[k];
        if (typeof child === 'object' && child !== null) stack.push(child);
      }
    }
  }
  return n;
}

/**
 * `duplicateFields` of a text JSON.parse gave `parsed` for. A text without duplicates
 * holds exactly as many members as were parsed, and counting them (colons outside
 * strings) is a fraction of the scan, which runs only when the counts differ.
 */
export function duplicateFieldsOf(text: string, parsed: unknown): string[] {
  return memberCount(text) === parsedMemberCount(parsed) ? [] : duplicateFields(text);
}
