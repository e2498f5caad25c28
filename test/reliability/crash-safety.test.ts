// Crash safety of TOGAI_MOCK_STATE_FILE: the mock runs as a child process
// under heavy concurrent writes and is killed with SIGKILL at a random point
// (after a seeded random number of answered grants, so mid-append is likely),
// then restarted on the same file, several times over. After every crash:
// - the mock loads the state file and its log (a torn last line is dropped; no stray temporaries);
// - every grant a client got 200 for is there (a change is answered only once on disk);
// - every batch is there whole or not at all, exactly as sent, and nothing
//   is there that was not sent.
// CRASH_ROUNDS sets the number of kill/restart rounds (default 3).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FUZZ_SEED } from '../fuzz/config.js';
import { RawClient } from '../fuzz/http.js';
import { startCli, urlOf, type Child } from '../ship/process.js';

const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const WORKERS = 8;
const BATCH = 10;
const dir = mkdtempSync(join(tmpdir(), 'togai-mock-crash-'));
const file = join(dir, 'state.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Batch {
  keys: string[];
  acked: boolean;
}

const request = (key: string) => ({
  accountId: `ACC-${key.split('-')[1]}`,
  purpose: `p-${key}`,
  effectiveFrom: '2024-01-01',
  effectiveUntil: '2999-12-31',
  creditAmount: key.length,
  priority: 1,
  idempotencyKey: key,
});

async function startMock(): Promise<{ child: Child; client: RawClient }> {
  const child = startCli([], { TOGAI_MOCK_PORT: '0', TOGAI_MOCK_STATE_FILE: file, TOGAI_MOCK_LOG_LEVEL: 'warn' });
  const url = await urlOf(child);
  return { child, client: new RawClient(url, WORKERS * 2) };
}

/** The credits in the state file, by idempotency key, read by a fresh mock. */
async function storedAfterRestart(): Promise<{ byKey: Map<string, any>; child: Child; client: RawClient }> {
  // Every line of the log but a torn last one is a complete entry.
  const lines = readFileSync(`${file}.log`, 'utf8').split('\n').slice(0, -1);
  for (const line of lines)
    expect(() => JSON.parse(line), 'a complete line of the log is not JSON after a crash').not.toThrow();
  const started = await startMock();
  // The snapshot (once a compaction wrote one), the log and the running mock's lock; nothing else.
  const files = readdirSync(dir).filter((n) => n !== 'state.json' && n !== 'state.json.log' && n !== 'state.json.lock');
  expect(files, 'temporary files left behind').toEqual([]);
  const state = await started.client.get('/_mock/state');
  expect(state.status, state.text).toBe(200);
  const byKey = new Map<string, any>();
  for (const t of (state.json as any).tenants) for (const c of t.ledger.credits) byKey.set(c.request.idempotencyKey, c);
  return { ...started, byKey };
}

describe('state file under kill -9', () => {
  it(`keeps every answered change and never corrupts, over ${ROUNDS} crashes`, async () => {
    const killAfter = fc.sample(fc.integer({ min: 1, max: 40 }), { numRuns: ROUNDS, seed: FUZZ_SEED });
    let { child, client } = await startMock();
    const all: Batch[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let acked = 0;
      let killed = false;
      const batches: Batch[] = [];
      const worker = async (w: number): Promise<void> => {
        for (let i = 0; !killed; i++) {
          const keys = Array.from({ length: BATCH }, (_, j) => `r${round}-w${w}-b${i}-c${j}`);
          const batch: Batch = { keys, acked: false };
          batches.push(batch);
          try {
            const r = await client.post('/credits', JSON.stringify({ creditRequests: keys.map(request) }));
            if (r.status !== 200) throw new Error(`grant answered ${r.status}: ${r.text}`);
            batch.acked = !killed;
            if (!killed && ++acked >= killAfter[round]!) {
              killed = true;
              child.proc.kill('SIGKILL');
            }
          } catch (err) {
            if (!killed) throw err; // only the crash may break a request
            return;
          }
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      expect(await child.exited).toBe('SIGKILL');
      client.close();
      all.push(...batches);

      const after = await storedAfterRestart();
      ({ child, client } = after);
      for (const b of all) {
        const present = b.keys.filter((k) => after.byKey.has(k)).length;
        if (b.acked) expect(present, `round ${round}: answered batch ${b.keys[0]} lost`).toBe(BATCH);
        expect([0, BATCH], `round ${round}: batch ${b.keys[0]} stored in part`).toContain(present);
      }
      const sent = new Set(all.flatMap((b) => b.keys));
      for (const [key, credit] of after.byKey) {
        expect(sent.has(key), `stored ${key} was never sent`).toBe(true);
        expect(credit.request).toEqual({ applicableEntityIds: [], ...request(key) });
      }
      const answered = all.filter((b) => b.acked).length * BATCH;
      expect(after.byKey.size).toBeGreaterThanOrEqual(answered);
      expect(after.byKey.size).toBeLessThanOrEqual(sent.size);
    }
    client.close();
    child.proc.kill('SIGKILL');
    await child.exited;
  }, 240_000);
});
