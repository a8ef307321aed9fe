/**
 * Cluster IP and node port allocation for Services. Each allocated address or port
 * is a key in storage (`…/serviceipallocations/10.43.0.7`), created with the store's
 * create-if-absent, so two services can never get the same one — not under
 * concurrency, not across several API servers, not after a restart.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { invalid, type FieldError } from '../../../api/errors.js';
import type { Mutable, StoredObject } from '../../../api/object.js';
import type { Backend } from '../../../storage/backend.js';
import { isStorageError } from '../../../storage/errors.js';
import type { Rollback, StoreHooks } from '../store-hooks.js';

const IP_PREFIX = '/registry/core/serviceipallocations/';
const PORT_PREFIX = '/registry/core/servicenodeportallocations/';
export const NODE_PORT_RANGE: [number, number] = [30000, 32767];
const RANDOM_TRIES = 64;

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new Error(`service CIDR ${text} is not an IPv4 CIDR such as 10.43.0.0/16`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`service CIDR ${text} is not a usable IPv4 CIDR (/8 to /30)`);
  const ip = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return { base: (ip & mask) >>> 0, bits, text };
}

export const ipToString = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

/** The first usable address: the `kubernetes` Service's. */
export function firstServiceIp(cidr: Cidr): string {
  return ipToString(cidr.base + 1);
}

const asService = (obj: StoredObject) => obj as unknown as Mutable<Service> & { spec: NonNullable<Service['spec']> };
const ownerOf = (obj: StoredObject) => Buffer.from(JSON.stringify({ service: `${obj.metadata.namespace}/${obj.metadata.name}` }));
const needsClusterIp = (svc: Service) => (svc.spec?.type ?? 'ClusterIP') !== 'ExternalName' && svc.spec?.clusterIP !== 'None';
const needsNodePorts = (svc: Service) => svc.spec?.type === 'NodePort' || (svc.spec?.type === 'LoadBalancer' && svc.spec.allocateLoadBalancerNodePorts !== false);

export class ServiceAllocator {
  private readonly cidr: Cidr;
  private readonly size: number;

  constructor(private readonly storage: Backend, serviceCidr: string) {
    this.cidr = parseCidr(serviceCidr);
    this.size = 2 ** (32 - this.cidr.bits);
  }

  hooks(): StoreHooks {
    return {
      allocates: true,
      beforeCreate: (obj, dryRun) => this.allocate(obj, undefined, dryRun),
      beforeUpdate: (obj, old, dryRun) => this.allocate(obj, old, dryRun),
      afterUpdate: (obj, old) => this.releaseDropped(obj, old),
      afterDelete: async (obj) => {
        await this.release(asService(obj).spec.clusterIPs ?? [], (asService(obj).spec.ports ?? []).map((p) => p.nodePort ?? 0));
      },
    };
  }

  /** Fills spec.clusterIP(s) and node ports, keeping what `old` already had. */
  private async allocate(obj: StoredObject, old: StoredObject | undefined, dryRun: boolean): Promise<Rollback> {
    const svc = asService(obj);
    const before = old ? asService(old) : undefined;
    const taken: { ips: string[]; ports: number[] } = { ips: [], ports: [] };
    const rollback: Rollback = async () => {
      if (!dryRun) await this.release(taken.ips, taken.ports);
    };
    try {
      if (svc.spec.clusterIP === 'None') svc.spec.clusterIPs = ['None'];
      else if (needsClusterIp(svc)) {
        const previous = before && needsClusterIp(before) ? before.spec.clusterIP : undefined;
        if (!svc.spec.clusterIP && previous) svc.spec.clusterIP = previous;
        if (svc.spec.clusterIP !== previous || !previous) {
          const ip = await this.allocateIp(obj, svc.spec.clusterIP || undefined, dryRun);
          taken.ips.push(ip);
          svc.spec.clusterIP = ip;
        }
        svc.spec.clusterIPs = [svc.spec.clusterIP!];
      } else {
        delete svc.spec.clusterIP;
        delete svc.spec.clusterIPs;
      }
      if (needsNodePorts(svc)) {
        const kept = new Map((before?.spec.ports ?? []).map((p) => [portKey(p), p.nodePort]));
        const previousPorts = new Set((before?.spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));
        for (const port of svc.spec.ports ?? []) {
          if (!port.nodePort) port.nodePort = kept.get(portKey(port)) ?? undefined;
          if (port.nodePort && previousPorts.has(port.nodePort)) continue;
          port.nodePort = await this.allocatePort(obj, port.nodePort || undefined, dryRun);
          taken.ports.push(port.nodePort);
        }
      }
    } catch (err) {
      await rollback();
      throw err;
    }
    return rollback;
  }

  private async allocateIp(obj: StoredObject, requested: string | undefined, dryRun: boolean): Promise<string> {
    const fail = (ip: string, why: string): never => {
      const errors: FieldError[] = [{ type: 'FieldValueInvalid', field: 'spec.clusterIPs', value: [ip], detail: `failed to allocate IP ${ip}: ${why}` }];
      throw invalid({ group: '', resource: 'services', kind: 'Service', name: obj.metadata.name ?? '' }, errors);
    };
    if (requested !== undefined) {
      const n = ipToNumber(requested);
      if (n === undefined) return fail(requested, 'must be a valid IP address');
      if (n <= this.cidr.base || n >= this.cidr.base + this.size - 1) {
        return fail(requested, `the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`);
      }
      if (!(await this.claim(IP_PREFIX + requested, obj, dryRun))) return fail(requested, 'provided IP is already allocated');
      return requested;
    }
    for (let i = 0; i < RANDOM_TRIES; i++) {
      // The lowest addresses stay free for explicit requests (the kubernetes Service's first).
      const offset = 2 + Math.floor(Math.random() * (this.size - 3));
      const ip = ipToString(this.cidr.base + offset);
      if (await this.claim(IP_PREFIX + ip, obj, dryRun)) return ip;
    }
    // Nearly full: walk the range for any free address.
    for (let offset = 2; offset < this.size - 1; offset++) {
      const ip = ipToString(this.cidr.base + offset);
      if (await this.claim(IP_PREFIX + ip, obj, dryRun)) return ip;
    }
    return fail('', `range is full; no more addresses in ${this.cidr.text}`);
  }

  private async allocatePort(obj: StoredObject, requested: number | undefined, dryRun: boolean): Promise<number> {
    const [lo, hi] = NODE_PORT_RANGE;
    const fail = (port: number, why: string): never => {
      const index = (asService(obj).spec.ports ?? []).findIndex((p) => p.nodePort === port);
      const errors: FieldError[] = [{ type: 'FieldValueInvalid', field: `spec.ports[${Math.max(index, 0)}].nodePort`, value: port, detail: why }];
      throw invalid({ group: '', resource: 'services', kind: 'Service', name: obj.metadata.name ?? '' }, errors);
    };
    if (requested !== undefined) {
      if (requested < lo || requested > hi) return fail(requested, `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`);
      if (!(await this.claim(PORT_PREFIX + requested, obj, dryRun))) return fail(requested, 'provided port is already allocated');
      return requested;
    }
    for (let i = 0; i < RANDOM_TRIES; i++) {
      const port = lo + Math.floor(Math.random() * (hi - lo + 1));
      if (await this.claim(PORT_PREFIX + port, obj, dryRun)) return port;
    }
    for (let port = lo; port <= hi; port++) if (await this.claim(PORT_PREFIX + port, obj, dryRun)) return port;
    return fail(0, `range is full; no more node ports in ${lo}-${hi}`);
  }

  /** Takes a key if free. A dry run only looks. */
  private async claim(key: string, obj: StoredObject, dryRun: boolean): Promise<boolean> {
    if (dryRun) {
      try {
        await this.storage.get(key);
        return false;
      } catch (err) {
        if (isStorageError(err, 'KeyNotFound')) return true;
        throw err;
      }
    }
    try {
      await this.storage.create(key, ownerOf(obj));
      return true;
    } catch (err) {
      if (isStorageError(err, 'KeyExists')) return false;
      throw err;
    }
  }

  private async release(ips: string[], ports: number[]): Promise<void> {
    const keys = [...ips.filter((ip) => ip && ip !== 'None').map((ip) => IP_PREFIX + ip), ...ports.filter((p) => p > 0).map((p) => PORT_PREFIX + p)];
    for (const key of keys) {
      try {
        await this.storage.delete(key);
      } catch (err) {
        if (!isStorageError(err, 'KeyNotFound')) throw err;
      }
    }
  }

  /** Frees what an update dropped (type changed, ports removed). */
  async releaseDropped(obj: StoredObject, old: StoredObject): Promise<void> {
    const now = asService(obj);
    const before = asService(old);
    const ips = (before.spec.clusterIPs ?? []).filter((ip) => !(now.spec.clusterIPs ?? []).includes(ip));
    const nowPorts = new Set((now.spec.ports ?? []).map((p) => p.nodePort));
    const ports = (before.spec.ports ?? []).map((p) => p.nodePort ?? 0).filter((p) => p && !nowPorts.has(p));
    await this.release(ips, ports);
  }
}

const portKey = (p: ServicePort) => `${p.port}/${p.protocol ?? 'TCP'}`;
