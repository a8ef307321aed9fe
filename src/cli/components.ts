/**
 * `skiff scheduler` and `skiff controller-manager`: run one control-plane component as
 * its own process against an API server named by a kubeconfig, with leader election.
 */
import type { Command } from 'commander';
import type { StandaloneOptions } from '../cmd/standalone.js';
import { checkPort, outliveClosedStdout, parsePort, stopOnSignals } from './long-running.js';

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
      outliveClosedStdout();
      // Loaded on use: `skiff server` start-up need not compile the standalone components.
      const { runStandalone } = await import('../cmd/standalone.js');
      const starting = runStandalone({
        name,
        kubeconfig: opts.kubeconfig,
        port: opts.port,
        bindAddress: opts.bindAddress,
        leaderElect: opts.leaderElect,
        start,
        // As upstream: a replica that loses its lease exits and is restarted by its supervisor.
        onLeadershipLost: () => process.exit(1),
      });
      // A SIGTERM while starting stops what has started, then exits.
      stopOnSignals({ stop: async () => (await starting).stop() });
      const running = await starting;
      process.stdout.write(`${command} ${running.identity}: health and metrics on ${running.url}\n`);
    });
}

export function registerComponentCommands(program: Command): void {
  register(program, 'scheduler', 'run the scheduler against an API server (leader-elected on kube-system/kube-scheduler)', 10259, 'kube-scheduler', async (transport, logger) => (await import('../scheduler/index.js')).startScheduler({ transport, logger }));
  register(program, 'controller-manager', 'run the controllers against an API server (leader-elected on kube-system/kube-controller-manager)', 10257, 'kube-controller-manager', async (transport, logger) =>
    (await import('../controllers/manager.js')).startControllerManager({ transport, logger }),
  );
}
