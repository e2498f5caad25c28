// The mock on Redis set up the way hosted services run it: TLS only with a
// certificate from a private CA, a password for the default user, an ACL user
// with only the permissions docs/replicas.md lists (taken from that page, so
// the page cannot drift), and a database index. The real CLI (the built
// dist/cli.js) is started as a user starts it, with --redis-url and
// NODE_EXTRA_CA_CERTS, and granted and read through. Then what a user gets
// wrong: each mistake must stop the start with exit status 1 and one line on
// stderr naming the problem (never the password, never a stack trace).
//
// The bound on a failed start is the wait for the exit below (the test fails
// when the process is still running then); what retrying cannot fix must not
// go through the 5 s connect timeout, which the message shows ("within ... ms").

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { builtCli, creditRequest, ReplicaGroup, type Replica } from '../helpers/replicas.js';
import { makeTestCertificates, opensslAvailable, warnIfOpensslMissing, type TestCertificates } from '../helpers/tls.js';
import { cleanEnv, ROOT, start } from '../ship/process.js';

// Child processes and a build on a busy 2-core machine.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 400_000 });
warnIfRedisMissing('the mock on a hosted-style Redis (test/reliability/managed-redis.test.ts)');
warnIfOpensslMissing('the mock on Redis with TLS (test/reliability/managed-redis.test.ts)');
const runnable = redisAvailable && opensslAvailable;

/** The ACL user of docs/replicas.md, as that page creates it: [name, ...rules]. */
function documentedAclUser(): string[] {
  const page = readFileSync(join(ROOT, 'docs/replicas.md'), 'utf8');
  const start = page.indexOf('redis-cli ACL SETUSER ');
  if (start < 0) throw new Error('docs/replicas.md no longer shows a "redis-cli ACL SETUSER" command');
  let command = '';
  for (const line of page.slice(start).split('\n')) {
    command += line.replace(/\\$/, ' ');
    if (!line.endsWith('\\')) break;
  }
  // Shell words: split on blanks; single quotes only group (the page uses no other quoting).
  const words = command.match(/'[^']*'|\S+/g)!.map((w) => w.replace(/^'(.*)'$/, '$1'));
  return words.slice(words.indexOf('SETUSER') + 1);
}

const ACL_USER = documentedAclUser();
const ACL_NAME = ACL_USER[0]!;
const ACL_PASSWORD = ACL_USER.find((rule) => rule.startsWith('>'))!.slice(1);
const DEFAULT_PASSWORD = 'default p@ss:/%';

let dir: string;
let certs: TestCertificates;
/** TLS only, a password for the default user, the documented ACL user, and one that lacks a command the mock runs. */
let tlsRedis: TestRedis;
/** Plain text, a password for the default user. */
let plainRedis: TestRedis;
let cli: string;
const groups: ReplicaGroup[] = [];

beforeAll(async () => {
  if (!runnable) return;
  dir = mkdtempSync(join(tmpdir(), 'togai-mock-managed-'));
  certs = await makeTestCertificates(dir);
  const lacking = ['togai-mock-lacking', ...ACL_USER.slice(1).filter((rule) => rule !== '+hgetall')].map((rule) =>
    rule.startsWith('>') ? '>lacking-pw' : rule,
  );
  [tlsRedis, plainRedis, cli] = await Promise.all([
    TestRedis.start({ tls: certs, password: DEFAULT_PASSWORD, users: [ACL_USER, lacking] }),
    TestRedis.start({ password: DEFAULT_PASSWORD }),
    builtCli(),
  ]);
});

afterAll(async () => {
  for (const group of groups) await group.killAll();
  await tlsRedis?.dispose();
  await plainRedis?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** An administrator's connection (the default user), to look at what the mock left in Redis. */
async function admin(redis: TestRedis, db = 0): Promise<Redis> {
  const client = new Redis(redis.urlWith({ password: DEFAULT_PASSWORD, db }), {
    tls: redis.options.tls === undefined ? undefined : { ca: readFileSync(certs.caFile) },
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  await client.connect();
  return client;
}

/** Mocks on `url` with the key prefix `prefix` (the ACL user's key pattern allows only the default one). */
async function replicas(url: string, prefix: string, count: 1 | 2, env: Record<string, string> = {}) {
  const group = new ReplicaGroup(url, prefix, { env: { NODE_EXTRA_CA_CERTS: certs.caFile, ...env } });
  groups.push(group);
  return count === 1 ? [await group.add()] : group.pair();
}

/** Grants through one replica, then reads the credit back through another (or the same). */
async function grantAndRead(writer: Replica, reader: Replica, accountId: string): Promise<void> {
  const body = { creditRequests: [creditRequest({ accountId, creditAmount: 70 })] };
  const granted = await writer.call('POST', '/credits', { body });
  expect(granted.status, granted.text).toBe(200);
  const id = granted.body.credits[0].id as string;
  const list = await reader.call('GET', `/credits?account_id=${accountId}`);
  expect(list.status, list.text).toBe(200);
  expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([id]);
  const balance = await reader.call('GET', `/accounts/${accountId}/credit_balance`);
  expect(balance.body.availableBalance, balance.text).toBe(70);
}

describe.skipIf(!runnable)('the mock on Redis with TLS, a password and an ACL user', () => {
  it("rediss:// with the private CA in NODE_EXTRA_CA_CERTS and the default user's password", async () => {
    const url = tlsRedis.urlWith({ password: DEFAULT_PASSWORD });
    expect(url).toMatch(/^rediss:\/\//);
    const [mock] = await replicas(url, 'tls-default-user:', 1);
    await grantAndRead(mock!, mock!, 'ACC-TLS');
    const health = await mock!.call('GET', '/_mock/health', { token: null });
    expect(health.body).toMatchObject({
      status: 'ok',
      connected: true,
      redis: { appendonly: 'yes', appendfsync: 'always' },
    });
    // The password is never shown, not even percent-encoded.
    expect(health.body.redis.url).toBe(`rediss://:***@127.0.0.1:${tlsRedis.port}`);
    expect(mock!.output()).not.toContain('p@ss');
    expect(mock!.output()).not.toContain('p%40ss');
  });

  it('plain redis:// with a password (requirepass): grant and read', async () => {
    const [mock] = await replicas(plainRedis.urlWith({ password: DEFAULT_PASSWORD }), 'plain:', 1);
    await grantAndRead(mock!, mock!, 'ACC-PLAIN');
  });

  it('the ACL user of docs/replicas.md, TLS, database 3: replicas, snapshots, journal, rate limit, reset', async () => {
    const url = tlsRedis.urlWith({ user: ACL_NAME, password: ACL_PASSWORD, db: 3 });
    const db0 = await admin(tlsRedis, 0);
    const db3 = await admin(tlsRedis, 3);
    try {
      await db0.call('ACL', 'LOG', 'RESET');
      // A snapshot after every change (with its lease and the log trimmed), and the rate limit's shared counts.
      const env = { TOGAI_MOCK_STATE_SNAPSHOT_EVERY: '1', TOGAI_MOCK_RATE_LIMIT: '1000' };
      const [a, b] = await replicas(url, 'togai-mock:', 2, env);
      await grantAndRead(a!, b!, 'ACC-ACL');
      await grantAndRead(b!, a!, 'ACC-ACL-2');
      // A replica writes a snapshot once it holds the lease, which it asks for in the background and
      // uses on a later change: a few more changes, until one of them carries the snapshot.
      for (let i = 0; i < 50 && (await db3.hget('togai-mock:snapshot', 'seq')) === null; i++) {
        const body = { creditRequests: [creditRequest({ accountId: 'ACC-ACL-3' })] };
        const more = await [a, b][i % 2]!.call('POST', '/credits', { body });
        expect(more.status, more.text).toBe(200);
      }
      expect(Number(await db3.hget('togai-mock:snapshot', 'seq'))).toBeGreaterThanOrEqual(1);
      const journal = await a!.call('GET', '/_mock/requests');
      expect(journal.status, journal.text).toBe(200);
      expect(journal.body.requests.length).toBeGreaterThanOrEqual(4);
      const reset = await b!.call('POST', '/_mock/reset', { token: null });
      expect(reset.status, reset.text).toBe(204);
      expect((await a!.call('GET', '/credits?account_id=ACC-ACL')).body.data).toEqual([]);

      // Everything the mock keeps is in database 3, none in database 0.
      expect(await db3.exists('togai-mock:log', 'togai-mock:log:head')).toBe(2);
      expect(await db0.keys('togai-mock:*')).toEqual([]);
      // Redis refused the user nothing but CONFIG GET (left out on purpose: the health says it cannot tell).
      const refused = (await db0.call('ACL', 'LOG')) as unknown[][];
      const objects = new Set(refused.map((entry) => String(entry[entry.indexOf('object') + 1])));
      expect([...objects]).toEqual(['config|get']);
      const health = await a!.call('GET', '/_mock/health', { token: null });
      expect(health.body.redis).toMatchObject({ durable: 'unknown', appendonly: 'yes' });
    } finally {
      db0.disconnect();
      db3.disconnect();
    }
  });
});

interface FailedStart {
  code: number | string;
  stderr: string[];
  output: string;
}

/** Starts the CLI on `url`; it must exit (not listen). The exit is awaited at most 60 s. */
async function failedStart(url: string, env: Record<string, string | undefined> = {}): Promise<FailedStart> {
  const childEnv = cleanEnv({
    TOGAI_MOCK_REDIS_URL: url,
    TOGAI_MOCK_PORT: '0',
    TOGAI_MOCK_LOG_LEVEL: 'warn',
    NODE_EXTRA_CA_CERTS: certs.caFile,
  });
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  const child = start(process.execPath, [cli], { env: childEnv });
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'still running'>((resolve) => (timer = setTimeout(() => resolve('still running'), 60_000)));
  const code = await Promise.race([child.exited, bound]).finally(() => clearTimeout(timer));
  if (code === 'still running') child.proc.kill('SIGKILL');
  const stderr = child.stderr.filter((line) => line.trim() !== '');
  return { code, stderr, output: [...child.stderr, ...child.stdout].join('\n') };
}

/**
 * Exit 1, one line on stderr matching `message`, no stack trace, no password; 'at once': not by the
 * connect timeout (the message says "within 5000 ms" only then), 'after the timeout': by it.
 */
function expectClearExit(result: FailedStart, message: RegExp, when: 'at once' | 'after the timeout' | 'either'): void {
  expect(result.code, result.output).toBe(1);
  expect(result.stderr, result.output).toHaveLength(1);
  expect(result.stderr[0]).toMatch(/^togai-mock: /);
  expect(result.stderr[0]).toMatch(message);
  expect(result.output).not.toMatch(/^\s+at /m);
  for (const secret of [DEFAULT_PASSWORD, encodeURIComponent(DEFAULT_PASSWORD), ACL_PASSWORD, 'not-the-password']) {
    expect(result.output).not.toContain(secret);
  }
  if (when === 'at once') expect(result.stderr[0]).not.toMatch(/within \d+ ms/);
  if (when === 'after the timeout') expect(result.stderr[0]).toMatch(/within 5000 ms/);
}

describe.skipIf(!runnable)('a start on a Redis it cannot use stops with one clear line', () => {
  it('a wrong password', async () => {
    const result = await failedStart(tlsRedis.urlWith({ password: 'not-the-password' }));
    const message = /Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the user name or password \(WRONGPASS/;
    expectClearExit(result, message, 'at once');
  });

  it('an unknown user', async () => {
    const result = await failedStart(tlsRedis.urlWith({ user: 'nobody', password: ACL_PASSWORD }));
    expectClearExit(result, /refused the user name or password \(WRONGPASS .*\(user "nobody"\)/, 'at once');
  });

  it('no password where Redis wants one', async () => {
    const result = await failedStart(plainRedis.url);
    const message = /Redis at redis:\/\/127\.0\.0\.1:\d+ requires a password \(NOAUTH .*redis:\/\/:password@host:port/;
    expectClearExit(result, message, 'at once');
  });

  it('an ACL user without a command the mock runs', async () => {
    const result = await failedStart(tlsRedis.urlWith({ user: 'togai-mock-lacking', password: 'lacking-pw' }));
    expectClearExit(result, /refused to read the snapshot: NOPERM .*'hgetall'.*docs\/replicas\.md/, 'at once');
  });

  it('a database index the server does not have (16 databases, /99)', async () => {
    const url = plainRedis.urlWith({ password: DEFAULT_PASSWORD, db: 99 });
    const result = await failedStart(url, { TOGAI_MOCK_REDIS_PREFIX: 'no-such-db:' });
    const message = /Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/99 has no database 99 \(ERR DB index is out of range/;
    expectClearExit(result, message, 'at once');
    // Not on database 0 instead (where the client is left when SELECT fails) either.
    const db0 = await admin(plainRedis, 0);
    try {
      expect(await db0.keys('no-such-db:*')).toEqual([]);
    } finally {
      db0.disconnect();
    }
  });

  it('a TLS certificate from a CA Node was not told to trust', async () => {
    const url = tlsRedis.urlWith({ password: DEFAULT_PASSWORD });
    const result = await failedStart(url, { NODE_EXTRA_CA_CERTS: undefined });
    const message = /the TLS certificate of Redis at rediss:\/\/\S+ is not trusted \(.+\): .*NODE_EXTRA_CA_CERTS/;
    expectClearExit(result, message, 'at once');
  });

  it('redis:// to a port that speaks only TLS', async () => {
    const plainToTls = tlsRedis.urlWith({ password: DEFAULT_PASSWORD }).replace(/^rediss:/, 'redis:');
    const result = await failedStart(plainToTls);
    const message = /is unreachable \(.+\): could not open the log within 5000 ms; .*use rediss:\/\/ instead of redis:/;
    expectClearExit(result, message, 'after the timeout');
  });

  it('rediss:// to a port without TLS', async () => {
    const tlsToPlain = plainRedis.urlWith({ password: DEFAULT_PASSWORD }).replace(/^redis:/, 'rediss:');
    const result = await failedStart(tlsToPlain);
    // The server either waits for more bytes (no handshake by the timeout) or answers the
    // TLS hello as a bad command (a TLS error at once): both say to use redis://.
    const where = String.raw`rediss://:\*\*\*@127\.0\.0\.1:\d+`;
    const atOnce = `the TLS handshake with Redis at ${where} failed`;
    const byTimeout = `Redis at ${where} is unreachable .* no TLS handshake completed`;
    const message = new RegExp(`(${atOnce}|${byTimeout}).*use redis:// instead of rediss://`);
    expectClearExit(result, message, 'either');
  });
});
