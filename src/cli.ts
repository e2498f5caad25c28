#!/usr/bin/env node
// Command line entry: reads options from the environment, starts the server,
// prints where it listens, and shuts down cleanly on SIGTERM / SIGINT.

import { OptionError, optionsFromEnv, resolveOptions } from './options.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  let options;
  try {
    options = resolveOptions(optionsFromEnv(process.env));
  } catch (err) {
    if (err instanceof OptionError) {
      process.stderr.write(`togai-mock: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await startServer(options);
  process.stdout.write(`togai-mock listening on ${running.url}\n`);
  const stop = (signal: string): void => {
    running.runtime.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`togai-mock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
