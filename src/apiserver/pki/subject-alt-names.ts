/**
 * Subject alternative names of the serving certificate: which names and addresses the
 * API server must answer to (the in-cluster `kubernetes` service names, the service IP,
 * this host's name and addresses, and operator extras), their canonical text form, and
 * reading them back from an existing certificate so a missing name triggers a reissue.
 * Pure apart from `hostIdentity()`, which reads the host.
 */
import type { X509Certificate } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';

export interface SubjectAltNames {
  /** Lower-case DNS names, de-duplicated, in first-seen order. */
  dns: string[];
  /** Canonical IP text (IPv6 compressed, lower-case), de-duplicated. */
  ips: string[];
}

export interface HostIdentity {
  hostname: string;
  addresses: string[];
}

export const DEFAULT_SERVICE_IP = '10.43.0.1';

/** What in-cluster clients and the usual local clients dial. */
const BUILTIN_DNS = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];
const BUILTIN_IPS = ['127.0.0.1', '::1'];

// Labels may carry '_' (seen in real hostnames); a leading '*.' allows one wildcard.
const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

export function hostIdentity(): HostIdentity {
  const addresses: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) addresses.push(info.address);
  }
  return { hostname: hostname(), addresses };
}

/** Canonical text of an IP address (zone and brackets dropped), or undefined if `text` is no IP. */
export function canonicalIp(text: string): string | undefined {
  let ip = text.trim();
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  // A zone ("fe80::1%eth0") is meaningful only on this host and cannot go in a certificate.
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  if (IPV4.test(ip)) return ip;
  if (!ip.includes(':')) return undefined;
  // The WHATWG URL parser validates IPv6 and produces the RFC 5952 form, so both sides of
  // a comparison agree. (node:net's isIPv6 compiles a large regular expression on first
  // use: ~20 ms of the server's start-up.)
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/** Dotted-quad IPv4, each part 0–255 without leading zeros (as node:net's isIPv4). */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

/** fe80::/10 and 169.254.0.0/16. */
export function isLinkLocal(address: string): boolean {
  const ip = canonicalIp(address);
  if (ip === undefined) return false;
  if (IPV4.test(ip)) return ip.startsWith('169.254.');
  return /^fe[89ab][0-9a-f]:/.test(ip);
}

export function isValidDnsName(name: string): boolean {
  return name.length > 0 && name.length <= 253 && DNS_NAME.test(name);
}

class SanSet {
  readonly dns: string[] = [];
  readonly ips: string[] = [];

  /** Adds `name` as an IP if it parses as one, else as a DNS name. */
  add(name: string, onInvalid: 'throw' | 'skip'): void {
    if (canonicalIp(name) !== undefined) this.addIp(name, onInvalid);
    else this.addDns(name, onInvalid);
  }

  addIp(text: string, onInvalid: 'throw' | 'skip'): void {
    const ip = canonicalIp(text);
    if (ip === undefined) return this.invalid(text, onInvalid);
    if (!this.ips.includes(ip)) this.ips.push(ip);
  }

  addDns(name: string, onInvalid: 'throw' | 'skip'): void {
    const dns = name.trim().toLowerCase().replace(/\.$/, '');
    if (!isValidDnsName(dns)) return this.invalid(name, onInvalid);
    if (!this.dns.includes(dns)) this.dns.push(dns);
  }

  private invalid(name: string, onInvalid: 'throw' | 'skip'): void {
    if (onInvalid === 'throw') {
      throw new Error(`subject alternative name ${JSON.stringify(name)} is neither an IP address nor a DNS name`);
    }
  }
}

/** Every name the serving certificate must carry. Throws on an invalid extra SAN or service IP. */
export function servingCertificateSans(opts: {
  serviceIp?: string;
  extraSans?: readonly string[];
  host: HostIdentity;
}): SubjectAltNames {
  const set = new SanSet();
  for (const name of BUILTIN_DNS) set.add(name, 'throw');
  for (const ip of BUILTIN_IPS) set.add(ip, 'throw');
  const serviceIp = opts.serviceIp ?? DEFAULT_SERVICE_IP;
  if (canonicalIp(serviceIp) === undefined) throw new Error(`service IP ${JSON.stringify(serviceIp)} is not an IP address`);
  set.add(serviceIp, 'throw');
  // A hostname that is not a valid DNS name is skipped, not fatal: nobody can dial it anyway.
  set.add(opts.host.hostname, 'skip');
  for (const address of opts.host.addresses) {
    // Link-local addresses are skipped: they cannot be dialled without a zone (which a
    // certificate cannot carry), and every pod veth brings a new one, which would
    // otherwise force a reissue on nearly every start.
    if (!isLinkLocal(address)) set.add(address, 'skip');
  }
  for (const extra of opts.extraSans ?? []) set.add(extra, 'throw');
  return { dns: set.dns, ips: set.ips };
}

/**
 * Reads the SANs of a certificate from node's `subjectAltName` text
 * ("DNS:a, IP Address:0:0:0:0:0:0:0:1"); node JSON-quotes values that need escaping.
 */
export function certificateSans(cert: X509Certificate): SubjectAltNames {
  const set = new SanSet();
  const text = cert.subjectAltName ?? '';
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      end += 1;
      value = JSON.parse(text.slice(colon + 1, end)) as string;
    } else {
      end = text.indexOf(', ', colon);
      if (end < 0) end = text.length;
      value = text.slice(colon + 1, end);
    }
    if (type === 'DNS') set.addDns(value, 'skip');
    else if (type === 'IP Address') set.addIp(value, 'skip');
    i = text.startsWith(', ', end) ? end + 2 : end;
  }
  return { dns: set.dns, ips: set.ips };
}

/** The wanted names that `have` lacks, as "DNS:x" / "IP:y" labels for messages. */
export function missingSans(want: SubjectAltNames, have: SubjectAltNames): string[] {
  return [
    ...want.dns.filter((d) => !have.dns.includes(d)).map((d) => `DNS:${d}`),
    ...want.ips.filter((ip) => !have.ips.includes(ip)).map((ip) => `IP:${ip}`),
  ];
}
