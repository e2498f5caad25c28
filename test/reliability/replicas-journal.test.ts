// The shared journal is read-your-writes: once a client has an answer from
// one replica, GET /_mock/requests on another replica lists it. Two replicas
// (the built CLI) on one real redis-server, the CPU kept busy by a spinning
// child process (bounded in time, stopped by its PID), and 1,000 rounds of
// "a request through B, then that request's journal entry through A", without
// waiting in between: not one may miss. Before entries were written ahead of
// the answer, such rounds missed a few in a hundred.

import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { creditRequest, ReplicaGroup, type Replica } from '../helpers/replicas.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });
warnIfRedisMissing('read-your-writes journal across replicas (test/reliability/replicas-journal.test.ts)');

const ROUNDS = 1000;
/** Clients doing rounds at the same time (each its own requests), so the rounds fit a busy machine's minute. */
const CLIENTS = 4;

let redis: TestRedis | undefined;
let group: ReplicaGroup | undefined;
let spinner: ChildProcess | undefined;

beforeAll(async () => {
  if (redisAvailable) redis = await TestRedis.start();
});
afterAll(async () => {
  // ChildProcess.kill signals this child's PID only (and does nothing once it has exited).
  spinner?.kill('SIGKILL');
  await group?.killAll();
  await redis?.dispose();
});

/** A process that keeps one core busy for at most `ms` (it also ends itself). */
function spin(ms: number): ChildProcess {
  return spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end) {}`], {
    stdio: 'ignore',
  });
}

describe.skipIf(!redisAvailable)('the shared journal across replicas', () => {
  let a: Replica;
  let b: Replica;
  beforeAll(async () => {
    group = new ReplicaGroup(redis!.url, 'journal-ryw:');
    [a, b] = await group.pair();
  });

  it(`lists an answer of replica B on replica A at once, ${ROUNDS} times, with the CPU busy`, async () => {
    const replicaB = (await b.call('GET', '/_mock/health', { token: null })).body.replica as string;
    expect((await a.call('DELETE', '/_mock/requests')).status).toBe(204);
    spinner = spin(90_000);
    const misses: string[] = [];
    /**
     * One client's rounds: each answer through B, then at once the journal
     * through A, filtered to that request (other clients' requests go on meanwhile).
     */
    const client = async (c: number): Promise<void> => {
      for (let i = c; i < ROUNDS; i += CLIENTS) {
        // Mostly reads (a credit that does not exist: 404, no log entry); every tenth a grant (a log entry too).
        const grant = i % 10 === 0;
        const account = `ACC-J${i}`;
        const answer = grant
          ? await b.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: account })] } })
          : await b.call('GET', `/credits/cred.round.${i}`);
        expect(answer.status, answer.text).toBe(grant ? 200 : 404);
        // A grant is found by its account among the newest grants (clients have one request at a time).
        const query = grant ? 'operationId=createCredit&limit=10' : `path=/credits/cred.round.${i}&limit=1`;
        const journal = await a.call('GET', `/_mock/requests?${query}`);
        expect(journal.status, journal.text).toBe(200);
        const entry = (journal.body.requests as any[]).find((e) =>
          grant ? e.requestBody?.creditRequests?.[0]?.accountId === account : true,
        );
        if (entry === undefined || entry.replica !== replicaB || entry.status !== answer.status) {
          misses.push(
            `round ${i} (${grant ? `grant for ${account}` : 'details'}): A listed ${JSON.stringify(journal.body.requests.slice(-3)).slice(0, 300)}`,
          );
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    } finally {
      spinner.kill('SIGKILL');
    }
    expect(misses, misses.slice(0, 5).join('\n')).toEqual([]);
    // Every round is in the journal once.
    const all = await b.call('GET', `/_mock/requests?limit=${ROUNDS}`);
    expect(all.body.requests).toHaveLength(ROUNDS);
    expect(all.body.requests.filter((e: any) => e.replica === replicaB)).toHaveLength(ROUNDS);
  });
});
