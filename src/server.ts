// Starts a togai-mock HTTP server for resolved options and stops it cleanly:
// stop accepting, let in-flight requests finish (cut them off after a grace
// period), then run the close hooks (e.g. let go of the state file).

import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppExtras } from './app.js';
import { prepareState } from './control/startup.js';
import { loadFallback } from './fallback/prism.js';
import { authenticate } from './http/auth.js';
import { answerParserErrors } from './http/parser-errors.js';
import type { TogaiMockOptions } from './options.js';
import { MockRuntime, type RuntimeOverrides } from './runtime.js';

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

/**
 * How long a client may take, so a slow one (slowloris) cannot hold a socket:
 * all headers within headersTimeoutMs, the whole request within
 * requestTimeoutMs (Node answers 408 and closes), idle keep-alive sockets
 * closed after keepAliveTimeoutMs. Node enforces the first two only when it
 * checks its connections, every 30 s by default, which would let a slow
 * client hold a socket for 40 s; checkIntervalMs makes that check frequent.
 */
export const SLOW_CLIENT_LIMITS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
};
export type SlowClientLimits = typeof SLOW_CLIENT_LIMITS;

/** The HTTP server of startServer() with its slow-client limits (tests pass shorter ones). */
export function createHttpServer(handler: RequestListener, limits: SlowClientLimits = SLOW_CLIENT_LIMITS): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    handler,
  );
  // What Node's parser refuses (400, 408, 431) is answered with a Togai {"message"} body too.
  server.on('clientError', answerParserErrors(limits));
  return server;
}

/** Replacements for parts of the app and its state's log; tests only (see AppExtras, RuntimeOverrides). */
export type ServerOverrides = Pick<AppExtras, 'handlers' | 'creditHandlers'> & RuntimeOverrides;

export async function startServer(options: TogaiMockOptions, overrides: ServerOverrides = {}): Promise<RunningServer> {
  const { handlers, creditHandlers, ...runtimeOverrides } = overrides;
  const runtime = new MockRuntime(options, runtimeOverrides);
  const closeHooks: CloseHook[] = [];
  // Loaded before listening so a bad --fallback-spec fails the start, not the first request.
  const fallback =
    options.fallbackSpec === undefined
      ? undefined
      : await loadFallback(options.fallbackSpec, {
          logger: runtime.logger,
          logLevel: options.logLevel,
          authenticate: authenticate(options.tokens, runtime.tenantKeyForCredential),
        });
  // The log (state file), seed and fixtures; a state file that cannot be loaded stops the start here.
  try {
    await prepareState(runtime);
  } catch (err) {
    await runtime.engine.close().catch(() => undefined);
    throw err;
  }
  // A change is answered only once its command is in the log: the engine's promise (no wrapper needed here).
  const app = createApp(runtime, { fallback, handlers, creditHandlers });
  const server = createHttpServer(app);
  // Last: finishes queued changes and lets go of the state file (its lock).
  closeHooks.push(() => runtime.engine.close());
  server.listen(options.port, options.host);
  try {
    // once() rejects with the server's 'error' (e.g. EADDRINUSE) when listening fails.
    await once(server, 'listening');
  } catch (err) {
    await runtime.engine.close();
    throw err;
  }
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
