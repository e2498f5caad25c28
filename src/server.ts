// Starts a togai-mock HTTP server for resolved options and stops it cleanly
// (flushing the state file, when there is one).

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prepareState } from './control/startup.js';
import { createApp } from './http/app.js';
import { durableResponses } from './store/stateFile.js';
import type { TogaiMockOptions } from './options.js';
import { MockRuntime } from './runtime.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly runtime: MockRuntime;
  readonly server: Server;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export async function startServer(options: TogaiMockOptions): Promise<RunningServer> {
  const runtime = new MockRuntime(options);
  // State file, seed and fixtures; a state file that cannot be loaded stops the start here.
  const stateFile = await prepareState(runtime);
  const app = createApp(runtime);
  // With a state file, a change is answered only once it is on disk.
  const server = createServer(stateFile ? durableResponses(stateFile, app) : app);
  // A client that sends its headers or body too slowly cannot hold a socket forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    host: options.host,
    runtime,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }).then(() => stateFile?.flush());
      return closing;
    },
  };
}
