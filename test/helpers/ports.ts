// A free TCP port on 127.0.0.1, for a process or container the test starts
// itself (redis-server, a published container port), released for that
// process to bind.
//
// Taken below the kernel's ephemeral range (ip_local_port_range): a port the
// kernel picks on its own (a server's listen on port 0, a client's connect)
// comes from that range, and with hundreds of tests connecting in parallel
// such a port could be taken in the moment between its release here and the
// other process's bind (or between a restart's stop and start on the same
// port), failing that start with "address already in use". A port below the
// range is only ever taken by an explicit bind.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Lowest port taken from (above the ports services commonly use). */
const FROM = 10_000;

/** The first port of the kernel's ephemeral range (Linux's default when it cannot be read). */
export function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Binds `port` (0: any) on 127.0.0.1 and releases it; resolves with the port bound, or undefined when taken. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/** A random port in [from, below). */
const randomPort = (from: number, below: number): number => from + Math.floor(Math.random() * (below - from));

/** A free port; `pick` chooses each candidate (random; a test gives its own). */
export async function freePort(pick: (from: number, below: number) => number = randomPort): Promise<number> {
  const low = ephemeralLow();
  if (low - FROM >= 1_000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await tryPort(pick(FROM, low));
      if (port !== undefined) return port;
    }
  }
  // No room below the range (or all tries taken): one the kernel picks.
  const port = await tryPort(0);
  if (port === undefined) throw new Error('no free port on 127.0.0.1');
  return port;
}
