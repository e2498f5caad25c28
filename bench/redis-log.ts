// A micro-benchmark of the Redis command log alone (no HTTP, no ledger):
// what an append costs, single and batched; what the per-read catch-up costs
// when nothing is new (round trips per second at several concurrencies on one
// connection); and how long open() takes over 100k entries and over a
// snapshot of 1M parts. Starts its own redis-server (Debian's) on a free port
// in a temporary directory, with the settings the mock needs for durability
// (appendonly yes, appendfsync always). Prints a markdown table; not a test.
//
//   npx tsx bench/redis-log.ts [--seconds=2] [--entries=100000] [--parts=1000000]

import { RedisLog } from '../src/store/backends/redis/log.js';
import { redisAvailable, TestRedis } from '../test/helpers/redis.js';

const arg = (name: string, fallback: number): number => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found === undefined ? fallback : Number(found.slice(name.length + 3));
};
const SECONDS = arg('seconds', 2);
const ENTRIES = arg('entries', 100_000);
const PARTS = arg('parts', 1_000_000);

const quiet = { warn: (m: string) => console.warn(m), error: (m: string) => console.error(m), info: () => undefined };
const rows: string[][] = [];
const row = (...cells: (string | number)[]): void => {
  rows.push(cells.map(String));
  console.log(cells.join(' | '));
};
const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** A command of about the size of a one-credit grant. */
const command = (i: number) => ({
  type: 'grant',
  tenant: 'shared',
  at: 1_700_000_000_000 + i,
  entropy: (i * 2654435761) >>> 0,
  credits: [
    {
      accountId: `ACC${i % 1000}`,
      purpose: 'PREPAID_CREDIT',
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2024-12-31',
      creditAmount: 1000,
      priority: 1,
      idempotencyKey: `key-${i}`,
    },
  ],
});

async function appendLatency(log: RedisLog, batch: number): Promise<number> {
  let seq = (await log.health()).lastSeq;
  const times: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  let commands = 0;
  while (performance.now() < until) {
    const list = Array.from({ length: batch }, (_, k) => command(seq * batch + k));
    const began = performance.now();
    seq = await log.append(seq, list);
    times.push(performance.now() - began);
    commands += batch;
  }
  const total = times.reduce((a, b) => a + b, 0);
  times.sort((a, b) => a - b);
  row(
    `append, ${batch} command${batch > 1 ? 's' : ''} per entry, one at a time`,
    `${fmt((times.length * 1000) / total)} appends/s (${fmt((commands * 1000) / total)} commands/s)`,
    `p50 ${fmt(quantile(times, 0.5), 2)} ms, p99 ${fmt(quantile(times, 0.99), 2)} ms`,
  );
  return seq;
}

async function readNothing(log: RedisLog, seq: number, concurrency: number): Promise<void> {
  let done = 0;
  const until = performance.now() + SECONDS * 1000;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const entries = await log.readAfter(seq);
        if (entries.length !== 0) throw new Error('expected nothing new');
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - began) / 1000;
  row(
    `readAfter(end), nothing new, ${concurrency} in flight on one connection`,
    `${fmt(done / elapsed)} reads/s`,
    `${fmt((elapsed * 1000 * concurrency) / done, 3)} ms each`,
  );
}

/**
 * Fills a prefix with `count` entries of one command, in the log's own format, pipelined (fast set-up, not measured).
 */
async function fill(log: RedisLog, count: number): Promise<void> {
  const client = log.connection.client;
  for (let first = 1; first <= count; first += 1000) {
    const p = client.pipeline();
    const last = Math.min(count, first + 999);
    for (let seq = first; seq <= last; seq++)
      p.xadd(`${log.prefix}log`, `0-${seq}`, 'c', JSON.stringify([command(seq)]), 'w', 'bench');
    p.set(`${log.prefix}log:head`, String(last));
    await p.exec();
  }
}

async function main(): Promise<void> {
  if (!redisAvailable) {
    console.error("redis-server not found; install Debian's redis-server");
    process.exit(1);
  }
  const redis = await TestRedis.start();
  const version = (await import('node:child_process')).execFileSync('redis-server', ['--version']).toString().trim();
  console.log(`${version}; appendonly yes, appendfsync always; node ${process.version}; dir ${redis.dir}`);
  try {
    const log = new RedisLog({ url: redis.url, prefix: 'bench:', logger: quiet });
    await log.open();
    let seq = await appendLatency(log, 1);
    seq = await appendLatency(log, 100);
    for (const concurrency of [1, 16, 64]) await readNothing(log, seq, concurrency);
    await log.close();

    // open() over many entries (no snapshot): the start of a replica that joins late.
    const big = new RedisLog({ url: redis.url, prefix: 'bench-entries:', logger: quiet });
    await big.open();
    await fill(big, ENTRIES);
    let began = performance.now();
    const joining = new RedisLog({ url: redis.url, prefix: 'bench-entries:', logger: quiet });
    const opened = await joining.open();
    row(
      `open() over ${fmt(ENTRIES)} entries (one command each)`,
      `${fmt(performance.now() - began)} ms`,
      `${fmt(opened.entries.length)} entries read`,
    );
    await big.close();
    await joining.close();

    // A snapshot of 1M parts (about credit-sized), written then opened.
    const snap = new RedisLog({ url: redis.url, prefix: 'bench-snapshot:', logger: quiet });
    await snap.open();
    await snap.append(0, [command(0)]);
    const parts: unknown[] = Array.from({ length: PARTS }, (_, i) => ({
      id: `cr_${i.toString(36).padStart(10, '0')}`,
      accountId: `ACC${i % 1000}`,
      amount: 1000,
      consumed: i % 100,
      status: 'ACTIVE',
      effectiveFrom: 1_704_067_200_000,
      effectiveUntil: 1_735_603_200_000,
      priority: 1,
    }));
    began = performance.now();
    await snap.writeSnapshot(1, parts);
    const wrote = performance.now() - began;
    const reader = new RedisLog({ url: redis.url, prefix: 'bench-snapshot:', logger: quiet });
    began = performance.now();
    const loaded = await reader.open();
    const read = performance.now() - began;
    if (loaded.snapshot?.length !== PARTS) throw new Error('snapshot not read back whole');
    const meta = await snap.connection.client.hgetall('bench-snapshot:snapshot');
    row(
      `writeSnapshot() of ${fmt(PARTS)} parts`,
      `${fmt(wrote)} ms`,
      `${meta.chunks} chunks, ${fmt(Number(meta.bytes) / 1048576, 1)} MiB of JSON`,
    );
    row(`open() of that snapshot`, `${fmt(read)} ms`, `${fmt(loaded.snapshot.length)} parts read`);
    await snap.close();
    await reader.close();

    console.log('\n| measure | result | detail |\n|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  } finally {
    await redis.dispose();
  }
  process.exit(0);
}

await main();
