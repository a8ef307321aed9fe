/**
 * What the long-running commands (`skiff server`, `scheduler`, `controller-manager`)
 * share: reading and checking `--port`, outliving a closed stdout, and stopping cleanly on
 * SIGTERM or SIGINT.
 */

/** Commander's parser for `--port`; `checkPort` rejects what is not a port number. */
export function parsePort(value: string): number {
  return Number.parseInt(value, 10);
}

/** A positive whole number of seconds; anything else stops the command with a message. */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`"${value}" is not a positive whole number of seconds`);
  return n;
}

export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${port} is not a port number`);
}

/**
 * Lines on stdout are progress for whoever watches, not state: a reader that goes away
 * (`skiff server | head`, a closed terminal) must not take the process down with it, as
 * an unhandled EPIPE on the next line would.
 */
export function outliveClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** On the first SIGTERM or SIGINT, stops `running` and exits: 0 once stopped, 1 if stopping failed. */
export function stopOnSignals(running: { stop(): Promise<void> }): void {
  const shutdown = (signal: string) => {
    process.stdout.write(`\n${signal}: shutting down\n`);
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}
