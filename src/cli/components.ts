/**
 * `skiff scheduler` and `skiff controller-manager`: run one control-plane component as
 * its own process against an API server named by a kubeconfig, with leader election.
 */
import type { Command } from 'commander';
import { runStandalone, type StandaloneOptions } from '../cmd/standalone.js';
import { startControllerManager } from '../controllers/manager.js';
import { startScheduler } from '../scheduler/index.js';
import { checkPort, parsePort, stopOnSignals } from './long-running.js';

interface Flags {
  kubeconfig: string;
  port: number;
  bindAddress: string;
  leaderElect: boolean;
}

function register(program: Command, command: string, description: string, defaultPort: number, name: string, start: StandaloneOptions['start']): void {
  program
    .command(command)
    .description(description)
    .requiredOption('--kubeconfig <file>', 'kubeconfig naming the API server and credentials')
    .option('--port <port>', 'plain-HTTP port for /healthz and /metrics', parsePort, defaultPort)
    .option('--bind-address <ip>', 'address for /healthz and /metrics', '127.0.0.1')
    .option('--no-leader-elect', 'run without leader election (only one replica may run)')
    .action(async (opts: Flags) => {
      checkPort(opts.port);
      const running = await runStandalone({
        name,
        kubeconfig: opts.kubeconfig,
        port: opts.port,
        bindAddress: opts.bindAddress,
        leaderElect: opts.leaderElect,
        start,
        // As upstream: a replica that loses its lease exits and is restarted by its supervisor.
        onLeadershipLost: () => process.exit(1),
      });
      process.stdout.write(`${command} ${running.identity}: health and metrics on ${running.url}\n`);
      stopOnSignals(running);
    });
}

export function registerComponentCommands(program: Command): void {
  register(program, 'scheduler', 'run the scheduler against an API server (leader-elected on kube-system/kube-scheduler)', 10259, 'kube-scheduler', (transport, logger) => startScheduler({ transport, logger }));
  register(program, 'controller-manager', 'run the controllers against an API server (leader-elected on kube-system/kube-controller-manager)', 10257, 'kube-controller-manager', (transport, logger) =>
    startControllerManager({ transport, logger }),
  );
}
