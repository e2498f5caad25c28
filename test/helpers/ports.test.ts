// The tests' freePort(): a port below the kernel's ephemeral range, free, and
// bindable by the process it is handed to.

import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, freePort } from './ports.js';

const listen = (port: number): Promise<() => Promise<void>> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });

describe('freePort', () => {
  it('hands out ports below the ephemeral range that another server can bind', async () => {
    const low = ephemeralLow();
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(low);
    }
    const close = await listen(ports[0]!);
    await close();
  });

  it('never hands out a port a server holds', async () => {
    const held = await freePort();
    const close = await listen(held);
    try {
      // The held port is the first two candidates: both are skipped.
      let picks = 0;
      const port = await freePort((from, below) =>
        ++picks <= 2 ? held : from + Math.floor(Math.random() * (below - from)),
      );
      expect(picks).toBeGreaterThanOrEqual(3);
      expect(port).not.toBe(held);
    } finally {
      await close();
    }
  });
});
