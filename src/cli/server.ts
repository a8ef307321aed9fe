/**
 * `skiff server`: the command-line face of cmd/server.ts — flags, defaults, signals.
 */
import type { Command } from 'commander';
import { startServer } from '../cmd/server.js';
import { defaultDataDir } from './defaults.js';
import { checkPort, outliveClosedStdout, parsePort, parseSeconds, stopOnSignals } from './long-running.js';

export function registerServerCommand(program: Command): void {
  program
    .command('server')
    .description('run the control plane: API server on SQLite (default) or etcd')
    .option('--data-dir <dir>', 'where certificates, kubeconfig and the SQLite store live', defaultDataDir())
    .option('--port <port>', 'HTTPS port of the API server', parsePort, 6443)
    .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
    .option('--datastore <dsn>', 'sqlite:///path/state.db (default: in the data dir) or etcd://host:port[,host:port]')
    .option('--service-cidr <cidr>', 'range of Service cluster IPs', '10.43.0.0/16')
    .option('--token-file <file>', 'static bearer tokens: token,user,uid,"group1,group2"')
    .option('--tls-san <name>', 'extra name or IP for the serving certificate (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--disable-agent', 'run the control plane only (no node agent on this machine)', false)
    .option('--disable-controllers', 'run no controllers in this process', false)
    .option('--disable-scheduler', 'run no scheduler in this process', false)
    .option('--min-request-timeout <seconds>', 'watches without timeoutSeconds end after a random time between this and twice this (upstream default 1800)', parseSeconds, 1800)
    .action(async (opts: { dataDir: string; port: number; bindAddress: string; datastore?: string; serviceCidr: string; tokenFile?: string; tlsSan: string[]; disableAgent: boolean; disableControllers: boolean; disableScheduler: boolean; minRequestTimeout: number }) => {
      checkPort(opts.port);
      outliveClosedStdout();
      // Signals are handled from the start: a SIGTERM while starting (the server answers
      // /readyz before its controllers are up) stops what has started, then exits.
      const starting = startServer(opts);
      stopOnSignals({ stop: async () => (await starting).stop() });
      await starting;
    });
}
