/** Kubernetes' wire form of a metav1.Time: RFC 3339 in UTC with whole seconds. */
export function rfc3339(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}
