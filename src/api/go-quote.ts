/**
 * Go's `%q` formatting of a string (strconv.Quote), for the few upstream messages that
 * quote user input that way — selector keys, field-error values. Matching it keeps those
 * messages byte-identical to kube-apiserver's even for control and non-printable runes.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    // A lone surrogate cannot come from valid UTF-8; Go would see the replacement rune.
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    // Go keeps printable runes (letters, marks, numbers, punctuation, symbols) as they are.
    else if (cp > 0x7f && !/[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}
