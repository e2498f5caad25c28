// Slow clients (slowloris): a client that drips its headers or its body, or
// sits idle on a keep-alive socket, is cut off, and many of them do not stop
// other clients from being served.
//
// The production limits (10 s for headers, 30 s for a whole request; see
// SLOW_CLIENT_LIMITS in src/server.ts) are checked on a real server; the
// behaviour is shown on the same server factory and app with the limits
// scaled down, so the file takes well under a second of waiting. Set
// SLOWLORIS_REAL=1 to run the behaviour against the production limits
// (about 45 s).

import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { resolveOptions } from '../../src/options.js';
import { MockRuntime } from '../../src/runtime.js';
import { createHttpServer, SLOW_CLIENT_LIMITS, startServer, type SlowClientLimits } from '../../src/server.js';
import { creditRequest } from '../helpers/mock.js';
import { head, parse, type RawExchange } from './raw-socket.js';

const REAL = process.env.SLOWLORIS_REAL === '1';
const LIMITS: SlowClientLimits = REAL
  ? SLOW_CLIENT_LIMITS
  : { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 200, checkIntervalMs: 50 };
const TIMEOUT = REAL ? 120_000 : 20_000;

let server: Server;
let port: number;
let runtime: MockRuntime;
const sockets = new Set<Socket>();

beforeAll(async () => {
  runtime = new MockRuntime(resolveOptions({ port: 0, logLevel: 'silent' }));
  server = createHttpServer(createApp(runtime), LIMITS);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Opens a connection that writes `first`, then `drip` every few ms until the server closes it. */
function slowClient(first: string, drip: string): Promise<RawExchange> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    sockets.add(s);
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    s.on('connect', () => {
      s.write(first);
      timer = setInterval(() => s.writable && s.write(drip), Math.max(10, LIMITS.checkIntervalMs / 2));
    });
    s.on('data', (d: Buffer) => got.push(d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearInterval(timer);
      sockets.delete(s);
      resolve(parse(Buffer.concat(got).toString('latin1'), true));
    });
  });
}

describe('slow-client limits of the real server', () => {
  it('are set on the server startServer() starts', async () => {
    const running = await startServer(resolveOptions({ port: 0, logLevel: 'silent' }));
    try {
      expect(running.server.headersTimeout).toBe(SLOW_CLIENT_LIMITS.headersTimeoutMs);
      expect(running.server.requestTimeout).toBe(SLOW_CLIENT_LIMITS.requestTimeoutMs);
      expect(running.server.keepAliveTimeout).toBe(SLOW_CLIENT_LIMITS.keepAliveTimeoutMs);
      expect((running.server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval).toBe(
        SLOW_CLIENT_LIMITS.checkIntervalMs,
      );
      // A slow client is cut after at most headers + one check: about 11 s, not Node's default 40 s.
      expect(SLOW_CLIENT_LIMITS.headersTimeoutMs + SLOW_CLIENT_LIMITS.checkIntervalMs).toBeLessThanOrEqual(11_000);
      expect(SLOW_CLIENT_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(30_000);
    } finally {
      await running.close();
    }
  });
});

describe(`slow clients (limits ${REAL ? 'of production' : 'scaled down'})`, () => {
  it(
    'cuts a client that drips its headers (408, connection closed)',
    async () => {
      const r = await slowClient('GET /credits HTTP/1.1\r\nHost: x\r\n', 'X-Drip: 1\r\n');
      expect(r.status).toBe(408);
      expect(r.closed).toBe(true);
      // With a Togai error body that names the limits.
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(r.body)).toEqual({
        message: `Request timeout: the headers must arrive within ${LIMITS.headersTimeoutMs / 1000} s and the whole request within ${LIMITS.requestTimeoutMs / 1000} s`,
      });
    },
    TIMEOUT,
  );

  it(
    'cuts a client that drips its body, and stores nothing',
    async () => {
      const before = runtime.store.peek('shared').ledger.creditCount;
      const body = JSON.stringify({ creditRequests: [creditRequest()] });
      const r = await slowClient(
        head('POST', '/credits', { 'Content-Type': 'application/json', 'Content-Length': body.length + 10_000 }) + body,
        ' ',
      );
      expect(r.closed).toBe(true);
      expect(r.status).toBe(408);
      expect(JSON.parse(r.body)).toEqual({ message: expect.stringMatching(/^Request timeout: /) });
      expect(runtime.store.peek('shared').ledger.creditCount).toBe(before);
    },
    TIMEOUT,
  );

  it(
    'closes an idle keep-alive connection',
    async () => {
      const r = await new Promise<RawExchange>((resolve) => {
        const s = connect(port, '127.0.0.1', () => s.write('GET /_mock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
        sockets.add(s);
        const got: Buffer[] = [];
        s.on('data', (d: Buffer) => got.push(d));
        s.on('close', () => resolve(parse(Buffer.concat(got).toString('latin1'), true)));
      });
      expect(r.status).toBe(200);
      expect(r.closed).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'keeps serving others while 100 slow clients hang on',
    async () => {
      const slow = Array.from({ length: 100 }, () =>
        slowClient('GET /credits HTTP/1.1\r\nHost: x\r\n', 'X-Drip: 1\r\n'),
      );
      const res = await fetch(`http://127.0.0.1:${port}/_mock/health`);
      expect(res.status).toBe(200);
      const cut = await Promise.all(slow);
      expect(cut.every((r) => r.closed)).toBe(true);
    },
    TIMEOUT,
  );
});
