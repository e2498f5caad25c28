// Format versions: what one version of togai-mock wrote, another reads the
// same way or not at all. A log entry carries the format of its commands and
// a snapshot the format of its parts. A process that meets a command type or
// a format it does not know (a newer version wrote it into a log it shares)
// stops applying: every request answers 503 naming why, GET /_mock/health
// says so, and it never skips the change and drifts apart. What older
// versions wrote (entries without a format, version 1 state files) still loads.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MockError } from '../../src/domain/errors.js';
import { resolveOptions, type TogaiMockOptions } from '../../src/options.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { RedisLog } from '../../src/store/backends/redis/log.js';
import { silentLogger } from '../../src/store/logger.js';
import { COMMAND_FORMAT, COMMAND_INTRODUCED } from '../../src/store/machine/format.js';
import { PARTS_FORMAT_VERSION } from '../../src/store/machine/snapshot.js';

/** A format this version does not read yet. */
const NEWER = COMMAND_FORMAT + 1;
import { creditRequest } from '../helpers/mock.js';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { engineOn, grantOf, SharedLog } from './engine-support.js';

warnIfRedisMissing('the Redis case of the format tests (test/store/formats.test.ts)');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Handle = ReturnType<SharedLog['handle']>;

async function start(options: Partial<TogaiMockOptions>, log?: Handle): Promise<RunningServer> {
  const resolved = resolveOptions({ port: 0, logLevel: 'silent', validateResponses: true }, options);
  const running = await startServer(resolved, log ? { log } : {});
  cleanups.push(() => running.close());
  return running;
}

type Answer = { status: number; body: any };

async function call(mock: RunningServer, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${mock.url}${path}`, {
    method,
    headers: { authorization: 'Bearer t', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

const grant = (accountId: string) => ({ creditRequests: [creditRequest({ accountId })] });

describe('the command format', () => {
  it('is the newest format any command type was introduced in (a new command bumps it)', () => {
    expect(COMMAND_FORMAT).toBe(Math.max(...Object.values(COMMAND_INTRODUCED)));
  });
});

describe('an engine that meets what it cannot read stops applying', () => {
  it('an unknown command type: none of its entry is applied, reads and changes answer 503, health says why', async () => {
    const shared = new SharedLog();
    const writer = engineOn(shared.handle());
    const reader = engineOn(shared.handle());
    await Promise.all([writer.start(), reader.start()]);
    await writer.execute(grantOf('shared', 'BEFORE'));
    // What a newer version appends: a known command and a new one in one entry.
    const unknown = { type: 'accountRename', tenant: 'shared', at: 0 };
    shared.entries.push(JSON.stringify([grantOf('shared', 'SAME-ENTRY'), unknown]));
    shared.formats.push(COMMAND_FORMAT);
    // The writer runs this version too: appending after entry 2 means applying it first, so it stops as well.
    await expect(writer.execute(grantOf('shared', 'AFTER'))).rejects.toThrow(/log entry 2 cannot be applied/);

    const failed = await Promise.resolve()
      .then(() => reader.read((s) => s.tenants.peek('shared').ledger.creditCount))
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(MockError);
    expect((failed as MockError).kind).toBe('unavailable');
    expect((failed as MockError).message).toMatch(
      new RegExp(
        '^togai-mock stopped applying changes after seq 1: log entry 2 cannot be applied: ' +
          'it holds a command of type "accountRename" that this togai-mock does not know',
      ),
    );
    // Not skipped as refused: nothing of entry 2 (its known grant included), nor anything after it.
    expect(reader.appliedSeq).toBe(1);
    expect(reader.state.tenants.peek('shared').ledger.creditCount).toBe(1);
    await expect(reader.execute(grantOf('shared', 'REFUSED'))).rejects.toThrow(/stopped applying changes after seq 1/);
    expect(shared.lastSeq, 'a stopped engine appends nothing').toBe(2);
    const health = await reader.health();
    const reason = expect.stringMatching(/^log entry 2 cannot be applied: .*"accountRename"/);
    expect(health.stopped).toEqual({ seq: 1, reason });
    // Later requests get the same answer, without reading the log again.
    const reads = shared.readAfterCalls;
    await expect(Promise.resolve().then(() => reader.read(() => 1))).rejects.toThrow(/stopped applying/);
    expect(shared.readAfterCalls).toBe(reads);
  });

  it('an entry of a newer format, even of commands it knows', async () => {
    const shared = new SharedLog();
    const reader = engineOn(shared.handle());
    await reader.start();
    shared.entries.push(JSON.stringify([grantOf('shared', 'NEWER')]));
    shared.formats.push(COMMAND_FORMAT + 1);
    await expect(Promise.resolve().then(() => reader.read(() => 1))).rejects.toThrow(
      `log entry 1 cannot be applied: it holds commands of format ${COMMAND_FORMAT + 1}, ` +
        `written by a newer togai-mock; this one reads formats up to ${COMMAND_FORMAT}`,
    );
    expect(reader.state.tenants.keys()).toEqual([]);
  });

  it('a snapshot of a newer format, met when it reloads after a compaction', async () => {
    const shared = new SharedLog();
    const writer = engineOn(shared.handle());
    const behind = engineOn(shared.handle());
    await Promise.all([writer.start(), behind.start()]);
    for (let i = 0; i < 3; i++) await writer.execute(grantOf('shared', `S-${i}`));
    const newer = PARTS_FORMAT_VERSION + 1;
    await shared.handle().writeSnapshot(3, [{ formatVersion: newer, seq: 3, whatever: 'a newer version holds' }]);
    shared.trimmedTo = 3;
    await expect(Promise.resolve().then(() => behind.read(() => 1))).rejects.toThrow(
      `stopped applying changes after seq 0: snapshot formatVersion ${newer} is not supported; ` +
        `this togai-mock reads version 1 (a document) and ${PARTS_FORMAT_VERSION} (parts)`,
    );
    expect((await behind.health()).stopped?.seq).toBe(0);
  });

  it('at start, the start fails naming what it cannot read (nothing is answered from a partial state)', async () => {
    const shared = new SharedLog();
    shared.entries.push(JSON.stringify([{ type: 'accountRename', tenant: 'shared', at: 0 }]));
    shared.formats.push(undefined);
    await expect(engineOn(shared.handle()).start()).rejects.toThrow(/log entry 1 cannot be applied: .*"accountRename"/);
  });

  it('over HTTP: the Togai and control APIs answer 503 with a Togai message; health answers 200 saying why', async () => {
    const shared = new SharedLog();
    const mock = await start({}, shared.handle());
    expect((await call(mock, 'POST', '/credits', grant('FIRST'))).status).toBe(200);
    shared.entries.push(JSON.stringify([{ type: 'accountRename', tenant: 'shared', at: 0 }]));
    shared.formats.push(COMMAND_FORMAT + 1);

    const listed = await call(mock, 'GET', '/credits?accountId=FIRST');
    expect(listed.status).toBe(503);
    const stoppedAt1 = new RegExp(
      `^togai-mock stopped applying changes after seq 1: log entry 2 cannot be applied: .* format ${NEWER}`,
    );
    expect(listed.body).toEqual({ message: expect.stringMatching(stoppedAt1) });
    expect(Object.keys(listed.body)).toEqual(['message']);
    expect((await call(mock, 'POST', '/credits', grant('SECOND'))).status).toBe(503);
    expect((await call(mock, 'GET', '/_mock/state')).status).toBe(503);
    const health = await call(mock, 'GET', '/_mock/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', connected: true, appliedSeq: 1, logSeq: 2, lag: 1 });
    const reason = expect.stringMatching(
      new RegExp(`^log entry 2 cannot be applied: it holds commands of format ${NEWER}`),
    );
    expect(health.body.stopped).toEqual({ seq: 1, reason });
  });
});

describe('what older versions wrote still loads', () => {
  function stateFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'togai-mock-formats-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'state.json');
  }

  it('a state file log of entries without a format (as earlier versions wrote); new entries carry it', async () => {
    const file = stateFile();
    const at = Date.parse('2024-03-01T00:00:00Z');
    const old = (seq: number, accountId: string): string =>
      JSON.stringify({ seq, commands: [{ ...grantOf('shared', accountId), at, entropy: 7 }] });
    writeFileSync(`${file}.log`, `${old(1, 'OLD-1')}\n${old(2, 'OLD-2')}\n`);
    const mock = await start({ stateFile: file });
    const listed = await call(mock, 'GET', '/credits');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((c: { accountId: string }) => c.accountId).sort()).toEqual(['OLD-1', 'OLD-2']);
    expect((await call(mock, 'POST', '/credits', grant('NEW'))).status).toBe(200);
    const lines = readFileSync(`${file}.log`, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toMatchObject({ seq: 3, format: COMMAND_FORMAT });
  });

  it('a state file whose log holds a newer format does not start, and names it; the file is left alone', async () => {
    const file = stateFile();
    const text = `${JSON.stringify({ seq: 1, format: COMMAND_FORMAT + 1, commands: [grantOf('shared', 'X')] })}\n`;
    writeFileSync(`${file}.log`, text);
    await expect(start({ stateFile: file })).rejects.toThrow(
      new RegExp(`log entry 1 cannot be applied: it holds commands of format ${NEWER}, written by a newer togai-mock`),
    );
    expect(readFileSync(`${file}.log`, 'utf8')).toBe(text);
  });
});

describe.skipIf(!redisAvailable)('replicas on one Redis prefix', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await TestRedis.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it('a replica meeting a newer format stops: 503 with the reason, health.stopped; the log keeps all', async () => {
    const prefix = `formats${process.pid}:`;
    const mock = await start({ redisUrl: redis.url, redisPrefix: prefix });
    expect((await call(mock, 'POST', '/credits', grant('FIRST'))).status).toBe(200);
    // A newer replica on the same prefix appends a command this version does not know.
    const newer = new RedisLog({ url: redis.url, prefix, logger: silentLogger });
    cleanups.push(() => newer.close());
    const opened = await newer.open();
    const head = opened.entries.at(-1)!.seq;
    const rename = { type: 'accountRename', tenant: 'shared', at: 0, accountId: 'FIRST', name: 'x' };
    await newer.append(head, [rename], COMMAND_FORMAT + 1);

    const answered = await call(mock, 'GET', '/credits?accountId=FIRST');
    expect(answered.status).toBe(503);
    expect(answered.body.message).toMatch(
      new RegExp(
        `^togai-mock stopped applying changes after seq \\d+: log entry \\d+ cannot be applied: .* format ${NEWER}`,
      ),
    );
    const health = await call(mock, 'GET', '/_mock/health');
    expect(health.body).toMatchObject({ status: 'degraded', backend: 'redis', connected: true, appliedSeq: head });
    expect(health.body.stopped.seq).toBe(head);
    expect(health.body.stopped.reason).toMatch(`format ${NEWER}, written by a newer togai-mock`);
    // The log still holds everything: an upgraded replica would apply it.
    expect((await newer.readAfter(0)).map((e) => e.seq)).toEqual([...Array(head + 1).keys()].map((i) => i + 1));
  });
});
