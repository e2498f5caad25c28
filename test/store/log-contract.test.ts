// One contract, three logs: the same cases run against the memory log, the
// state file's log and the Redis log (a real redis-server; skipped loudly when
// it is missing). What the engine relies on holds for each of them:
// - appends are numbered in order and read back in order, with their format;
// - an append after the wrong seq is a conflict and changes nothing;
// - open() gives the snapshot plus every entry after it (the tail);
// - nothing half-written is ever read back (the file's torn tail);
// - a compaction running while appends go on loses none of them;
// - a failed append answers 503 and nothing of it is applied, then or later.
// The memory log keeps nothing by design (a restart starts empty): where a
// case is about what a log keeps, the memory log shows that it keeps nothing,
// and says so in the case's name.

import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MockError } from '../../src/domain/errors.js';
import { FileLog, type FileLogIo } from '../../src/store/backends/file/log.js';
import { nodeIo } from '../../src/store/backends/file/io.js';
import { MemoryLog } from '../../src/store/backends/memory.js';
import { RedisLog } from '../../src/store/backends/redis/log.js';
import { LogConflictError, type CommandLog, type LogEntry } from '../../src/store/backends/types.js';
import { silentLogger } from '../../src/store/logger.js';
import { COMMAND_FORMAT } from '../../src/store/machine/format.js';
import { redisAvailable, TestRedis, warnIfRedisMissing } from '../helpers/redis.js';
import { engineOn, grantOf, stateText } from './engine-support.js';

warnIfRedisMissing('the Redis log in the log contract (test/store/log-contract.test.ts)');

/** One log under test, and how to reach the same storage again. */
interface Subject {
  log: CommandLog;
  /** The storage as a restarted process opens it (a new instance; the old one is closed when that matters). */
  reopen(): Promise<CommandLog>;
  /** False for the memory log: it keeps nothing across instances. */
  keeps: boolean;
  /** Makes the storage fail the next appends (a disk error, Redis down); the returned function heals it. */
  breakStorage?: () => Promise<() => Promise<void>>;
  /** Leaves half an entry at the end, as a crash mid-write does; only a log written in pieces can have one. */
  tear?: () => void;
}

interface Backend {
  name: string;
  available: boolean;
  make(): Promise<Subject>;
}

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

let redis: TestRedis | undefined;
beforeAll(async () => {
  if (redisAvailable) redis = await TestRedis.start();
});
afterAll(async () => {
  await redis?.dispose();
});

let prefixes = 0;

const backends: Backend[] = [
  {
    name: 'memory',
    available: true,
    make: async () => ({ log: new MemoryLog(), reopen: async () => new MemoryLog(), keeps: false }),
  },
  {
    name: 'file',
    available: true,
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'togai-mock-contract-'));
      closers.push(async () => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, 'state.json');
      let failing = false;
      const io: Partial<FileLogIo> = {
        write: (...args) => (failing ? Promise.reject(new Error('EIO: injected failure')) : nodeIo.write(...args)),
      };
      const open = (): FileLog => {
        const log = new FileLog(path, { io });
        closers.push(() => log.close());
        return log;
      };
      let current = open();
      return {
        log: current,
        keeps: true,
        reopen: async () => {
          // One process per file: the old one lets go of the lock first.
          await current.close();
          current = open();
          return current;
        },
        breakStorage: async () => {
          failing = true;
          return async () => {
            failing = false;
          };
        },
        tear: () => appendFileSync(`${path}.log`, '{"seq":99,"commands":[{"type":"gra'),
      };
    },
  },
  {
    name: 'redis',
    available: redisAvailable,
    make: async () => {
      const prefix = `contract${process.pid}-${++prefixes}:`;
      const open = (): RedisLog => {
        const log = new RedisLog({ url: redis!.url, prefix, logger: silentLogger, connectTimeoutMs: 5000 });
        closers.push(() => log.close());
        return log;
      };
      const log = open();
      return {
        log,
        keeps: true,
        reopen: async () => open(),
        breakStorage: async () => {
          // A clean stop: the connection is refused at once, so no append can land later either.
          await redis!.stop();
          return async () => {
            await redis!.restart();
            await log.connection.ready();
          };
        },
      };
    },
  },
];

const commandsFor = (seq: number): unknown[] => [{ type: 'grant', n: seq }];

const EMPTY = { snapshotSeq: 0, snapshot: undefined, entries: [] };

async function appendRange(log: CommandLog, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) await log.append(seq - 1, commandsFor(seq), COMMAND_FORMAT);
}

const entries = (from: number, to: number): LogEntry[] => {
  const out: LogEntry[] = [];
  for (let seq = from; seq <= to; seq++) out.push({ seq, format: COMMAND_FORMAT, commands: commandsFor(seq) });
  return out;
};

for (const backend of backends) {
  describe.skipIf(!backend.available)(`the ${backend.name} log keeps the log contract`, () => {
    it('numbers appends in order and reads them back in order, each with the format it was written in', async () => {
      const s = await backend.make();
      await s.log.open();
      for (let seq = 1; seq <= 5; seq++) {
        expect(await s.log.append(seq - 1, commandsFor(seq), COMMAND_FORMAT)).toBe(seq);
      }
      // Unversioned, as entries written before entries carried a format: read back without one.
      expect(await s.log.append(5, commandsFor(6))).toBe(6);
      expect((await s.log.health()).lastSeq).toBe(6);
      const reopened = await s.reopen();
      const opened = await reopened.open();
      if (!s.keeps) {
        expect(opened, 'memory keeps nothing: a restart starts empty').toEqual(EMPTY);
        return;
      }
      const unversioned = { seq: 6, commands: commandsFor(6) };
      expect(opened).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [...entries(1, 5), unversioned] });
      if (reopened.shared) expect(await reopened.readAfter(3)).toEqual([...entries(4, 5), unversioned]);
    });

    it('refuses an append after the wrong seq as a conflict, and keeps nothing of it', async () => {
      const s = await backend.make();
      await s.log.open();
      await appendRange(s.log, 1, 3);
      await expect(s.log.append(2, commandsFor(99), COMMAND_FORMAT)).rejects.toBeInstanceOf(LogConflictError);
      await expect(s.log.append(7, commandsFor(99), COMMAND_FORMAT)).rejects.toBeInstanceOf(LogConflictError);
      // The right seq still works, right after the refusals.
      expect(await s.log.append(3, commandsFor(4), COMMAND_FORMAT)).toBe(4);
      const opened = await (await s.reopen()).open();
      expect(opened.entries).toEqual(s.keeps ? entries(1, 4) : []);
    });

    it(
      backend.name === 'memory'
        ? 'has no snapshot to offer on open: it writes none and keeps nothing'
        : 'opens with the snapshot plus every entry after it (the tail)',
      async () => {
        const s = await backend.make();
        await s.log.open();
        await appendRange(s.log, 1, 5);
        const result = await s.log.writeSnapshot(3, [{ at: 3 }, { part: 2 }]);
        const opened = await (await s.reopen()).open();
        if (!s.keeps) {
          expect(result).toEqual({ written: false, failed: false, reason: expect.any(String) });
          expect(opened).toEqual(EMPTY);
          return;
        }
        expect(result).toMatchObject({ written: true });
        expect(opened).toEqual({ snapshotSeq: 3, snapshot: [{ at: 3 }, { part: 2 }], entries: entries(4, 5) });
      },
    );

    it(
      backend.name === 'file'
        ? 'drops a torn last line on open; the next append follows the last whole entry'
        : 'reads back nothing half-written: an entry is one atomic write (no torn tail can exist)',
      async () => {
        const s = await backend.make();
        await s.log.open();
        await appendRange(s.log, 1, 3);
        if (s.tear) {
          s.tear();
        } else {
          // What a crash could leave on a log written in pieces cannot exist here: an append lands whole
          // (one Redis script; memory writes nothing) or not at all, as a refused one shows.
          await expect(s.log.append(1, commandsFor(2), COMMAND_FORMAT)).rejects.toBeInstanceOf(LogConflictError);
        }
        const reopened = await s.reopen();
        const opened = await reopened.open();
        expect(opened.entries).toEqual(s.keeps ? entries(1, 3) : []);
        expect(await reopened.append(s.keeps ? 3 : 0, commandsFor(4), COMMAND_FORMAT)).toBe(s.keeps ? 4 : 1);
        if (s.keeps) expect((await (await s.reopen()).open()).entries).toEqual(entries(1, 4));
      },
    );

    it('loses no append made while a compaction runs', async () => {
      const s = await backend.make();
      await s.log.open();
      await appendRange(s.log, 1, 20);
      const parts = Array.from({ length: 50 }, (_, i) => ({ part: i, text: 'x'.repeat(200) }));
      const compaction = s.log.writeSnapshot(20, parts);
      // Appended while the snapshot is being written, not after it.
      await appendRange(s.log, 21, 40);
      const result = await compaction;
      expect(result.written).toBe(s.keeps);
      await appendRange(s.log, 41, 45);
      const opened = await (await s.reopen()).open();
      if (!s.keeps) {
        expect(opened.entries).toEqual([]);
        return;
      }
      expect(opened.snapshotSeq).toBe(20);
      expect(opened.snapshot).toEqual(parts);
      expect(opened.entries).toEqual(entries(21, 45));
    });

    it(
      backend.name === 'memory'
        ? 'applies nothing of a refused append (memory can only refuse: another append came first)'
        : 'applies nothing of an append its storage failed: answered 503, absent after a restart too',
      async () => {
        const s = await backend.make();
        const engine = engineOn(s.log);
        await engine.start();
        await engine.execute(grantOf('t1', 'KEPT'));
        const before = stateText(engine);
        let heal: (() => Promise<void>) | undefined;
        if (s.breakStorage) heal = await s.breakStorage();
        else s.log.appendNow!(engine.appliedSeq, commandsFor(99), COMMAND_FORMAT);
        const failed = await engine.execute(grantOf('t1', 'LOST')).catch((e: unknown) => e);
        expect(failed).toBeInstanceOf(MockError);
        expect((failed as MockError).kind).toBe('unavailable');
        expect(stateText(engine)).toBe(before);
        await heal?.();
        if (!s.keeps) return;
        await engine.close();
        const again = engineOn(await s.reopen());
        await again.start();
        expect(stateText(again)).toBe(before);
        await again.close();
      },
    );
  });
}
