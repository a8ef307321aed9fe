/**
 * The controller manager: builds one client and one set of shared informers, starts
 * each controller on them, and stops them together. It is an API client like any
 * other: given an in-process transport inside `skiff server`, or HTTPS when run on
 * its own.
 */
import { Client, InformerFactory, type RunningController, type Transport } from '../client/index.js';
import type { Logger } from '../util/logger.js';
import { startNamespaceController } from './namespace/namespace-controller.js';

export interface ControllerManager {
  /** Whether every controller's caches have synced and its workers run. */
  healthy(): boolean;
  stop(): Promise<void>;
}

export async function startControllerManager(options: { transport: Transport; logger: Logger }): Promise<ControllerManager> {
  const client = new Client(options.transport, { fieldManager: 'skiff-controller-manager' });
  const informers = new InformerFactory(client, { logger: options.logger });
  const controllers: RunningController[] = [startNamespaceController({ client, informers, logger: options.logger })];
  informers.start();
  let running = false;
  void Promise.all(controllers.map((c) => c.started)).then((started) => (running = started.every(Boolean)));
  return {
    healthy: () => running,
    async stop() {
      running = false;
      await Promise.all(controllers.map((c) => c.stop()));
      await informers.stop();
    },
  };
}
