/**
 * componentstatuses (v1, deprecated upstream but what the seed's `kubectl get
 * componentstatuses` shows): computed on each request, never stored. etcd-0 is the
 * store's live health; scheduler and controller-manager report through a probe the
 * server is given (Unhealthy until those components run).
 */
import { notFound } from '../../api/errors.js';
import type { Backend } from '../../storage/backend.js';

export const COMPONENT_STATUS_WARNING = 'v1 ComponentStatus is deprecated in v1.19+';

export interface ComponentProbe {
  name: string;
  /** undefined when healthy; otherwise what is wrong. */
  check(): Promise<string | undefined>;
}

export interface ComponentStatus {
  kind: 'ComponentStatus';
  apiVersion: 'v1';
  metadata: { name: string };
  conditions: { type: 'Healthy'; status: 'True' | 'False'; message?: string; error?: string }[];
}

export function storageProbe(storage: Backend): ComponentProbe {
  return {
    name: 'etcd-0',
    async check() {
      try {
        await storage.currentRevision();
        return undefined;
      } catch (err) {
        return String(err);
      }
    },
  };
}

/** A component that is not running in this server yet. */
export function absentProbe(name: string): ComponentProbe {
  return { name, check: async () => `${name} is not running: it is not part of this server yet` };
}

export async function componentStatuses(probes: ComponentProbe[]): Promise<ComponentStatus[]> {
  return Promise.all(
    probes.map(async (probe) => {
      const problem = await probe.check();
      const healthyMessage = probe.name.startsWith('etcd') ? '{"health":"true"}' : 'ok';
      return {
        kind: 'ComponentStatus' as const,
        apiVersion: 'v1' as const,
        metadata: { name: probe.name },
        conditions: [
          problem === undefined
            ? { type: 'Healthy' as const, status: 'True' as const, message: healthyMessage }
            : { type: 'Healthy' as const, status: 'False' as const, error: problem },
        ],
      };
    }),
  );
}

export async function componentStatus(probes: ComponentProbe[], name: string): Promise<ComponentStatus> {
  const probe = probes.find((p) => p.name === name);
  if (!probe) throw notFound({ group: '', resource: 'componentstatuses', name });
  return (await componentStatuses([probe]))[0]!;
}
