/**
 * Small pieces of Go's behaviour that upstream's messages and orderings depend on, so
 * that our output matches what kubectl users see from a Go API server.
 */

/** Go's string order: by code point (= UTF-8 byte order), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Go's name for a JSON value's kind in json.UnmarshalTypeError messages. */
export function goJsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return 'object';
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

/** Go's strconv.ParseBool truth: query flags such as `watch=True` (the Python client's form). */
export function goParseBoolTrue(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && GO_TRUE.has(value);
}
