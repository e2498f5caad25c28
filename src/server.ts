// Starts a togai-mock HTTP server for resolved options and stops it cleanly:
// stop accepting, let in-flight requests finish (cut them off after a grace
// period), then run the close hooks (e.g. flush the state file).

import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prepareState } from './control/startup.js';
import { createApp } from './http/app.js';
import { durableResponses } from './store/stateFile.js';
import { loadFallback } from './fallback/prism.js';
import type { TogaiMockOptions } from './options.js';
import { MockRuntime } from './runtime.js';

/** Work to do once the server no longer serves requests. */
export type CloseHook = () => void | Promise<void>;

export interface CloseOptions {
  /** How long in-flight requests may take before their connections are cut. Default 3000 ms. */
  graceMs?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly host: string;
  readonly runtime: MockRuntime;
  readonly server: Server;
  /** Registers work for close(), run in registration order after the last request ended. */
  onClose(hook: CloseHook): void;
  /** Stops accepting connections, lets in-flight requests finish, runs the close hooks, then resolves. */
  close(options?: CloseOptions): Promise<void>;
}

export const DEFAULT_GRACE_MS = 3_000;

export async function startServer(options: TogaiMockOptions): Promise<RunningServer> {
  const runtime = new MockRuntime(options);
  const closeHooks: CloseHook[] = [];
  // Loaded before listening so a bad --fallback-spec fails the start, not the first request.
  const fallback = options.fallbackSpec === undefined ? undefined : await loadFallback(runtime, options.fallbackSpec);
  // State file, seed and fixtures; a state file that cannot be loaded stops the start here.
  const stateFile = await prepareState(runtime);
  const app = createApp(runtime, { fallback });
  // With a state file, a change is answered only once it is on disk.
  const server = createServer(stateFile ? durableResponses(stateFile, app) : app);
  if (stateFile) closeHooks.push(() => stateFile.flush());
  // A client that sends its headers or body too slowly cannot hold a socket forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  server.listen(options.port, options.host);
  // once() rejects with the server's 'error' (e.g. EADDRINUSE) when listening fails.
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;

  // Responses in flight, so a shutdown can tell their keep-alive sockets to close after them.
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });

  const stopServing = (graceMs: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      // Past the grace period, requests still running are cut off so shutdown stays bounded.
      const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
      cutOff.unref();
      server.close((err) => {
        clearTimeout(cutOff);
        if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
        else resolve();
      });
      // Keep-alive sockets with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
    });

  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    host: options.host,
    runtime,
    server,
    onClose(hook) {
      closeHooks.push(hook);
    },
    close(closeOptions = {}) {
      closing ??= (async () => {
        await stopServing(closeOptions.graceMs ?? DEFAULT_GRACE_MS);
        for (const hook of closeHooks) await hook();
      })();
      return closing;
    },
  };
}
