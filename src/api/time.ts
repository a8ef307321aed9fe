/** Kubernetes' wire form of a metav1.Time: RFC 3339 in UTC with whole seconds. */
export function rfc3339(d: Date): string {
  // Every write stamps a time or two, and many fall in the same second: the last
  // second's text is kept.
  const second = Math.floor(d.getTime() / 1000);
  if (second !== lastSecond || Number.isNaN(second)) {
    lastText = `${d.toISOString().slice(0, 19)}Z`;
    lastSecond = second;
  }
  return lastText;
}

let lastSecond = Number.NaN;
let lastText = '';
