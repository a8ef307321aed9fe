#!/usr/bin/env node
/**
 * The `skiff` command. Each subcommand lives in its own module under src/cli/ and is
 * registered here; this file only parses arguments and reports failures.
 */
import { Command } from 'commander';
import { registerComponentCommands } from './components.js';
import { registerDatastoreCommands } from './datastore.js';
import { registerServerCommand } from './server.js';

const program = new Command('skiff')
  .description('Kubernetes, written in TypeScript')
  .version('0.1.0')
  .showHelpAfterError();

registerServerCommand(program);
registerDatastoreCommands(program);
registerComponentCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`skiff: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
