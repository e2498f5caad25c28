// A togai-mock in a child process, configured by TOGAI_MOCK_* like the CLI,
// for tests that must kill it (kill -9) or watch it refuse to start. Prints
// one JSON line {"url"} once it listens; a failed start goes to stderr.
import { optionsFromEnv, resolveOptions } from '../../../src/options.js';
import { startServer } from '../../../src/server.js';

try {
  const running = await startServer(resolveOptions({ port: 0, logLevel: 'silent' }, optionsFromEnv(process.env)));
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
} catch (err) {
  process.stderr.write(`togai-mock: ${(err as Error).message}\n`);
  process.exit(1);
}
