/**
 * The pool of per-node pod ranges carved out of the cluster CIDR (upstream
 * pkg/controller/nodeipam/ipam/cidrset), IPv4 only: the cluster range split into
 * blocks of the node mask size, handed out round-robin from the block after the last
 * one given (so a freed range is not reused at once), occupied again from existing
 * nodes after a restart, released when a node goes.
 */

export interface Ipv4Cidr {
  base: number;
  prefix: number;
}

export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  return value;
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseIpv4Cidr(cidr: string): Ipv4Cidr | undefined {
  const [ip, prefixText, ...rest] = cidr.split('/');
  if (rest.length || ip === undefined || prefixText === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const addr = parseIpv4(ip);
  if (addr === undefined || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  return { base: addr - (addr % size), prefix };
}

export const formatCidr = (c: Ipv4Cidr) => `${formatIpv4(c.base)}/${c.prefix}`;

export class CidrSet {
  readonly cluster: Ipv4Cidr;
  readonly nodeMaskSize: number;
  private readonly blockSize: number;
  private readonly used: boolean[];
  private next = 0;
  private usedCount = 0;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    const cluster = parseIpv4Cidr(clusterCidr);
    if (!cluster) throw new Error(`invalid IPv4 cluster CIDR ${JSON.stringify(clusterCidr)}`);
    if (!Number.isInteger(nodeMaskSize) || nodeMaskSize < cluster.prefix || nodeMaskSize > 32) {
      throw new Error(`node CIDR mask size ${nodeMaskSize} must be between ${cluster.prefix} and 32`);
    }
    // Upstream refuses more than 2^16 node ranges; so do we (the bitmap stays small).
    if (nodeMaskSize - cluster.prefix > 16) throw new Error(`cluster CIDR ${clusterCidr} split into /${nodeMaskSize} gives too many ranges`);
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.blockSize = 2 ** (32 - nodeMaskSize);
    this.used = new Array<boolean>(2 ** (nodeMaskSize - cluster.prefix)).fill(false);
  }

  get capacity(): number {
    return this.used.length;
  }

  get allocated(): number {
    return this.usedCount;
  }

  /** The next free range, or undefined when the cluster CIDR is exhausted. */
  allocateNext(): string | undefined {
    for (let i = 0; i < this.used.length; i++) {
      const index = (this.next + i) % this.used.length;
      if (this.used[index]) continue;
      this.used[index] = true;
      this.usedCount++;
      this.next = (index + 1) % this.used.length;
      return formatCidr({ base: this.cluster.base + index * this.blockSize, prefix: this.nodeMaskSize });
    }
    return undefined;
  }

  /** Marks a range taken (one learned from an existing node); false if it is not one of ours. */
  occupy(cidr: string): boolean {
    const index = this.indexOf(cidr);
    if (index === undefined) return false;
    if (!this.used[index]) {
      this.used[index] = true;
      this.usedCount++;
    }
    return true;
  }

  release(cidr: string): boolean {
    const index = this.indexOf(cidr);
    if (index === undefined || !this.used[index]) return false;
    this.used[index] = false;
    this.usedCount--;
    return true;
  }

  isUsed(cidr: string): boolean {
    const index = this.indexOf(cidr);
    return index !== undefined && this.used[index] === true;
  }

  private indexOf(cidr: string): number | undefined {
    const parsed = parseIpv4Cidr(cidr);
    if (!parsed || parsed.prefix !== this.nodeMaskSize) return undefined;
    const offset = parsed.base - this.cluster.base;
    if (offset < 0 || offset >= this.used.length * this.blockSize) return undefined;
    return offset / this.blockSize;
  }
}
