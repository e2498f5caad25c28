// Soak: a bounded mixed load against togai-mock in a child process, for
// SOAK_SECONDS (default 300), sampling the server's RSS and the client-side
// latency every SOAK_SAMPLE_SECONDS (default 10). Not a test (never in
// `npm test`): run `npm run soak`, read the table, paste it into
// bench/RESULTS.md under "## Soak".
//
// The load is what CI jobs sharing one mock do: grants (some repeated with an
// idempotency key), listing with cursors, details, balances, voids,
// consumption and holds through the control API, clock moves that expire
// credits, invalid requests, journal reads, and a reset every
// SOAK_RESET_SECONDS (default 60), as each job starting afresh would. What it
// shows: no 5xx, latency steady, memory and the journal bounded (the lowest
// RSS between two resets stays at about the same level).
//
// Environment: SOAK_SECONDS, SOAK_SAMPLE_SECONDS, SOAK_RESET_SECONDS,
// SOAK_CONCURRENCY (default 16), SOAK_SEED (default 1).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const num = (name: string, def: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number (got "${raw}")`);
  return n;
};
const SECONDS = num('SOAK_SECONDS', 300);
const SAMPLE = num('SOAK_SAMPLE_SECONDS', 10);
const RESET_EVERY = num('SOAK_RESET_SECONDS', 60);
const CONCURRENCY = num('SOAK_CONCURRENCY', 16);
let seed = num('SOAK_SEED', 1) >>> 0;

/** mulberry32: a small seeded generator, so a run's mix is reproducible. */
function random(): number {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;

// ------------------------------------------------------------------ server

function startMock(): Promise<{ url: string; pid: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, TOGAI_MOCK_PORT: '0', TOGAI_MOCK_HOST: '127.0.0.1', TOGAI_MOCK_LOG_LEVEL: 'warn' },
    // The URL line is on stderr (stdout is the JSON log).
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, pid: child.pid!, stop: () => child.kill('SIGTERM') });
    });
    child.on('exit', (code) => reject(new Error(`togai-mock exited (${code}) before listening: ${out}`)));
  });
}

/** Resident set size of a process in MiB (Linux /proc; `ps` elsewhere). */
function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

// ------------------------------------------------------------------ client

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let base = '';

interface Result {
  status: number;
  json: any;
}

function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Result> {
  const url = new URL(path, base);
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent,
        headers: {
          authorization: 'Bearer soak',
          ...(text === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = t === '' ? undefined : JSON.parse(t);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (text !== undefined) req.write(text);
    req.end();
  });
}

// --------------------------------------------------------------- the mix

const ACCOUNTS = Array.from({ length: 200 }, (_, i) => `SOAK-${i}`);
const knownIds: string[] = [];
const remember = (id: string): void => {
  if (knownIds.length < 5_000) knownIds.push(id);
  else knownIds[Math.floor(random() * knownIds.length)] = id;
};
const day = (offset: number): string => new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);

type Op = { name: string; weight: number; run: () => Promise<Result> };
const ops: Op[] = [
  {
    name: 'grant',
    weight: 30,
    run: async () => {
      const n = 1 + Math.floor(random() * 5);
      const creditRequests = Array.from({ length: n }, () => {
        const from = Math.floor(random() * 400);
        const r: Record<string, unknown> = {
          accountId: pick(ACCOUNTS),
          purpose: pick(['PREPAID_CREDIT', 'PROMOTIONAL', 'GOODWILL']),
          effectiveFrom: day(from),
          effectiveUntil: day(from + 30 + Math.floor(random() * 400)),
          creditAmount: Math.round(random() * 100_000) / 100,
          priority: Math.floor(random() * 5),
        };
        if (random() < 0.3) r.idempotencyKey = `k-${Math.floor(random() * 500)}`;
        return r;
      });
      const res = await call('POST', '/credits', { creditRequests });
      if (res.status === 200) for (const c of res.json.credits) remember(c.id);
      return res;
    },
  },
  {
    name: 'list',
    weight: 15,
    run: async () => {
      const q =
        random() < 0.5 ? `account_id=${pick(ACCOUNTS)}&pageSize=20` : `pageSize=${1 + Math.floor(random() * 50)}`;
      let res = await call('GET', `/credits?${q}`);
      // Follow a couple of pages.
      for (let i = 0; i < 2 && res.status === 200 && res.json.nextToken; i++) {
        res = await call('GET', `/credits?${q}&nextToken=${encodeURIComponent(res.json.nextToken)}`);
      }
      return res;
    },
  },
  { name: 'details', weight: 15, run: () => call('GET', `/credits/${knownIds.length ? pick(knownIds) : 'cred.none'}`) },
  { name: 'balance', weight: 15, run: () => call('GET', `/accounts/${pick(ACCOUNTS)}/credit_balance`) },
  {
    name: 'void',
    weight: 4,
    run: () => call('POST', `/credits/${knownIds.length ? pick(knownIds) : 'cred.none'}/void`),
  },
  {
    name: 'consume',
    weight: 8,
    run: () =>
      call('POST', `/_mock/accounts/${pick(ACCOUNTS)}/consume`, {
        amount: Math.round(random() * 50_000) / 100 + 0.01,
        invoiceId: `inv-${Math.floor(random() * 1000)}`,
        hold: random() < 0.3,
      }),
  },
  {
    name: 'holds',
    weight: 2,
    run: () => call('POST', `/_mock/accounts/${pick(ACCOUNTS)}/holds/${random() < 0.5 ? 'settle' : 'release'}`, {}),
  },
  {
    name: 'advance',
    weight: 1,
    run: () => call('POST', '/_mock/clock/advance', { seconds: 86_400 * Math.ceil(random() * 10) }),
  },
  {
    name: 'invalid',
    weight: 5,
    run: () =>
      call(
        'POST',
        '/credits',
        pick(['{"creditRequests":[{"accountId":1}]}', '{"creditRequests":[]}', 'not json', '{"a":1,"a":2}']),
      ),
  },
  { name: 'journal', weight: 2, run: () => call('GET', '/_mock/requests?limit=50') },
];
const totalWeight = ops.reduce((s, o) => s + o.weight, 0);
function chooseOp(): Op {
  let r = random() * totalWeight;
  for (const o of ops) if ((r -= o.weight) < 0) return o;
  return ops[0]!;
}

// ------------------------------------------------------------------ stats

const quantile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');

async function main(): Promise<void> {
  const mock = await startMock();
  base = mock.url;
  // The clock starts inside the credits' windows so consumption finds spendable credits.
  await call('PUT', '/_mock/clock', { now: '2024-06-01T00:00:00Z' });
  console.log(
    `togai-mock soak: ${SECONDS} s, ${CONCURRENCY} clients, sample every ${SAMPLE} s, reset every ${RESET_EVERY} s, seed ${num('SOAK_SEED', 1)}`,
  );
  console.log(
    `node ${process.version}, server pid ${mock.pid} (src/cli.ts through tsx), RSS at start ${f1(rssMiB(mock.pid))} MiB`,
  );
  console.log('');
  console.log(
    '| t (s) | RSS (MiB) | operations | ops/s | p50 ms | p95 ms | p99 ms | max ms | 4xx (total) | 5xx/errors (total) | journal entries |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');

  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let window: number[] = [];
  let all: number[] = [];
  let fourxx = 0;
  let failures = 0;
  let totalRequests = 0;
  const failureKinds = new Map<string, number>();
  const rss: number[] = [];
  /** Lowest RSS sampled in each stretch between resets. */
  const lows: number[] = [];
  let journalMax = 0;

  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const op = chooseOp();
      const t0 = process.hrtime.bigint();
      try {
        const res = await op.run();
        window.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.status >= 500) {
          failures++;
          failureKinds.set(`${op.name} ${res.status}`, (failureKinds.get(`${op.name} ${res.status}`) ?? 0) + 1);
        } else if (res.status >= 400) fourxx++;
      } catch (err) {
        failures++;
        failureKinds.set(
          `${op.name} ${(err as Error).message}`,
          (failureKinds.get(`${op.name} ${(err as Error).message}`) ?? 0) + 1,
        );
      }
    }
  };

  let lastReset = started;
  let lastSample = started;
  let windowLow = Infinity;
  const sample = async (final: boolean): Promise<void> => {
    {
      const span = (Date.now() - lastSample) / 1000;
      lastSample = Date.now();
      const t = Math.round((Date.now() - started) / 1000);
      const lat = window.sort((a, b) => a - b);
      all = all.concat(lat);
      window = [];
      totalRequests += lat.length;
      const journal = await call('GET', '/_mock/requests?limit=10000').catch(() => ({ status: 0, json: undefined }));
      const journalSize = journal.json?.requests?.length ?? NaN;
      journalMax = Math.max(journalMax, journalSize || 0);
      const r = rssMiB(mock.pid);
      rss.push(r);
      // V8 gives memory back lazily, so a reset shows in the next samples; the
      // low point of each stretch between resets is what would reveal a leak.
      windowLow = Math.min(windowLow, r);
      console.log(
        `| ${t} | ${f1(r)} | ${lat.length} | ${f1(lat.length / span)} | ${f1(quantile(lat, 0.5))} | ${f1(quantile(lat, 0.95))} | ${f1(quantile(lat, 0.99))} | ${f1(lat[lat.length - 1] ?? NaN)} | ${fourxx} | ${failures} | ${journalSize} |`,
      );
      if (!final && Date.now() - lastReset >= RESET_EVERY * 1000 && Date.now() < deadline) {
        lastReset = Date.now();
        await call('POST', '/_mock/reset');
        await call('PUT', '/_mock/clock', { now: '2024-06-01T00:00:00Z' });
        knownIds.length = 0;
        lows.push(windowLow);
        windowLow = Infinity;
      }
    }
  };
  const sampler = setInterval(() => void sample(false), SAMPLE * 1000);

  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  clearInterval(sampler);
  if (window.length > 0) await sample(true);
  if (windowLow !== Infinity) lows.push(windowLow);
  const sorted = all.sort((a, b) => a - b);
  const finalRss = rssMiB(mock.pid);
  mock.stop();
  agent.destroy();

  console.log('');
  console.log(
    `operations: ${totalRequests} in ${SECONDS} s (${f1(totalRequests / SECONDS)}/s; a list operation follows up to two more pages); 4xx (expected, invalid on purpose and voids of spent credits): ${fourxx}; 5xx or transport errors: ${failures}`,
  );
  for (const [k, v] of failureKinds) console.log(`  failure: ${k} x${v}`);
  console.log(
    `latency over the run: p50 ${f1(quantile(sorted, 0.5))} ms, p95 ${f1(quantile(sorted, 0.95))} ms, p99 ${f1(quantile(sorted, 0.99))} ms, max ${f1(sorted[sorted.length - 1] ?? NaN)} ms`,
  );
  console.log(
    `RSS: min ${f1(Math.min(...rss))} MiB, max ${f1(Math.max(...rss))} MiB, last ${f1(finalRss)} MiB; lowest in each stretch between resets: ${lows.map(f1).join(', ')} MiB`,
  );
  console.log(`journal: at most ${journalMax} entries seen (bounded by its limit)`);
  const resetsFlat = lows.length < 2 || lows[lows.length - 1]! <= lows[0]! * 1.5;
  console.log(
    `verdict: ${failures === 0 && resetsFlat ? 'OK' : 'CHECK'} (no 5xx: ${failures === 0}; the last stretch's low point within 1.5x of the first's: ${resetsFlat})`,
  );
  process.exitCode = failures === 0 && resetsFlat ? 0 : 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
