// FileLog when the disk fails (tests run as root, which ignores permissions,
// so the failures are injected through the log's `io` option): an append that
// cannot be written or synced rejects with LogUnavailableError (the engine
// answers 503), leaves no partial line for the next append to glue onto, and
// does not come back after a restart; a failed snapshot loses nothing.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLog, type FileLogIo } from '../../src/store/backends/file/log.js';
import { nodeIo } from '../../src/store/backends/file/io.js';
import { LogUnavailableError } from '../../src/store/backends/types.js';
import { commandsFor, tempDir } from './file-log-fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: injected failure`), { code });

interface Failure {
  op: keyof FileLogIo;
  /** Only calls these arguments match (default: the next call). */
  when?: (args: unknown[]) => boolean;
  /** write: first write half of what is asked (as when the disk fills mid-line), then fail. */
  halfWrite?: boolean;
}

/** A disk that fails on demand: each failure queued fires once, on the first call it matches. */
class FlakyDisk {
  failures: Failure[] = [];
  readonly io: Partial<FileLogIo>;
  constructor() {
    const wrap =
      (op: keyof FileLogIo) =>
      (...args: unknown[]): Promise<unknown> => {
        const f = this.failures.find((x) => x.op === op && (x.when?.(args) ?? true));
        if (f?.halfWrite) {
          f.halfWrite = false;
          const [fd, buf, off, len, pos] = args as [number, Buffer, number, number, number];
          return nodeIo.write(fd, buf, off, Math.floor(len / 2), pos);
        }
        if (f) {
          this.failures.splice(this.failures.indexOf(f), 1);
          return Promise.reject(errno(op === 'write' ? 'ENOSPC' : 'EIO'));
        }
        return (nodeIo[op] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
    this.io = Object.fromEntries(
      (Object.keys(nodeIo) as Array<keyof FileLogIo>).map((k) => [k, wrap(k)]),
    ) as Partial<FileLogIo>;
  }
}

function setup(): { dir: string; path: string; disk: FlakyDisk; make: (withDisk?: boolean) => FileLog } {
  const t = tempDir('file-log-fail');
  cleanups.push(t.remove);
  const path = `${t.dir}/state.json`;
  const disk = new FlakyDisk();
  const make = (withDisk = true): FileLog => {
    const log = new FileLog(path, withDisk ? { io: disk.io, snapshotRetryMs: 60_000, snapshotEveryEntries: 1 } : {});
    cleanups.push(() => log.close());
    return log;
  };
  return { dir: t.dir, path, disk, make };
}

const expected = (...seqs: number[]) => seqs.map((seq) => ({ seq, commands: commandsFor(seq) }));

describe('FileLog: failed appends', () => {
  it('a disk that fills mid-line: 503-kind error, the half line cut off, the next append fine, nothing extra after a restart', async () => {
    const { path, disk, make } = setup();
    const log = make();
    await log.open();
    await log.append(0, commandsFor(1));
    const sizeBefore = statSync(`${path}.log`).size;

    disk.failures.push({ op: 'write', halfWrite: true });
    const err = await log.append(1, [{ type: 'lost' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogUnavailableError);
    expect((err as Error).message).toMatch(/state could not be saved to \S+state\.json\.log: ENOSPC/);
    expect(statSync(`${path}.log`).size, 'the partial line was cut off').toBe(sizeBefore);

    expect(await log.append(1, commandsFor(2))).toBe(2);
    await log.close();
    expect((await make(false).open()).entries).toEqual(expected(1, 2));
  });

  it('a failed fsync: the entry, though written, is cut off and never loaded', async () => {
    const { path, disk, make } = setup();
    const log = make();
    await log.open();
    await log.append(0, commandsFor(1));
    const sizeBefore = statSync(`${path}.log`).size;
    disk.failures.push({ op: 'datasync' });
    await expect(log.append(1, [{ type: 'unsure' }])).rejects.toBeInstanceOf(LogUnavailableError);
    expect(disk.failures).toEqual([]);
    expect(statSync(`${path}.log`).size).toBe(sizeBefore);
    expect(await log.append(1, commandsFor(2))).toBe(2);
    await log.close();
    expect((await make(false).open()).entries).toEqual(expected(1, 2));
  });

  it('when even cutting back fails, it refuses appends until reopened, and the reopen drops the torn line', async () => {
    const { path, disk, make } = setup();
    const log = make();
    await log.open();
    await log.append(0, commandsFor(1));
    const sizeBefore = statSync(`${path}.log`).size;
    disk.failures.push({ op: 'write', halfWrite: true }, { op: 'truncate' });
    await expect(log.append(1, [{ type: 'lost' }])).rejects.toBeInstanceOf(LogUnavailableError);
    expect(statSync(`${path}.log`).size, 'the half line is still there').toBeGreaterThan(sizeBefore);

    expect(disk.failures).toEqual([]);
    await expect(log.append(1, commandsFor(2))).rejects.toThrow(
      /unusable since a failed write could not be undone .* opened again/,
    );
    expect((await log.health()).connected).toBe(false);
    expect(log.wantsSnapshot()).toBe(false);

    // Opening again (same object, as the engine would) drops the torn line; appends work again.
    expect((await log.open()).entries).toEqual(expected(1));
    expect(statSync(`${path}.log`).size).toBe(sizeBefore);
    expect(await log.append(1, commandsFor(2))).toBe(2);
    expect((await log.health()).connected).toBe(true);
  });

  it('refuses to open in a directory that does not exist, with a 503-kind error naming the file', async () => {
    const { dir } = setup();
    const log = new FileLog(`${dir}/missing/state.json`);
    await expect(log.open()).rejects.toThrow(LogUnavailableError);
    await expect(log.open()).rejects.toThrow(/cannot lock state file \S+missing\/state\.json/);
  });
});

describe('FileLog: failed snapshots', () => {
  const isTemp = (p: unknown): boolean => typeof p === 'string' && p.includes('.tmp-');

  it('a snapshot that cannot be written: rejected, no temporary left, appends go on, nothing lost', async () => {
    const { dir, path, disk, make } = setup();
    const log = make();
    await log.open();
    for (let s = 1; s <= 3; s++) await log.append(s - 1, commandsFor(s));
    expect(log.wantsSnapshot()).toBe(true);

    disk.failures.push({ op: 'write', when: (args) => args[4] === 0 }); // the snapshot's first write (appends write further on)
    // Not written, and why: writeSnapshot resolves with it (the engine logs it), it never rejects for a disk error.
    expect(await log.writeSnapshot(3, [{ a: 1 }])).toEqual({
      written: false,
      failed: true,
      reason: expect.stringMatching(/writing the snapshot \S+state\.json at seq 3 failed: ENOSPC/),
    });
    expect(readdirSync(dir).filter(isTemp)).toEqual([]);
    expect(existsSync(path)).toBe(false);
    expect(log.wantsSnapshot(), 'no new offer during the retry delay').toBe(false);
    expect((await log.health()).detail!.lastSnapshotError).toMatch(/ENOSPC/);

    expect(await log.append(3, commandsFor(4))).toBe(4);
    await log.close();
    expect(await make(false).open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: expected(1, 2, 3, 4) });
  });

  it('a log rewrite that fails after the snapshot is in place: the old log still loads with it', async () => {
    const { dir, path, disk, make } = setup();
    const log = make();
    await log.open();
    for (let s = 1; s <= 4; s++) await log.append(s - 1, commandsFor(s));
    disk.failures.push({ op: 'rename', when: (args) => args[1] === `${path}.log` });
    expect(await log.writeSnapshot(2, [{ at: 2 }])).toEqual({
      written: false,
      failed: true,
      reason: expect.stringMatching(/compacting the log \S+ at seq 2 failed: EIO/),
    });
    expect(readdirSync(dir).filter(isTemp)).toEqual([]);
    expect(readFileSync(`${path}.log`, 'utf8').split('\n')).toHaveLength(5);
    expect(await log.append(4, commandsFor(5))).toBe(5);
    await log.close();
    expect(await make(false).open()).toEqual({ snapshotSeq: 2, snapshot: [{ at: 2 }], entries: expected(3, 4, 5) });
  });

  it('a directory fsync that fails after the new log took over: appends refused until reopened, nothing lost', async () => {
    const { disk, make } = setup();
    const log = make();
    await log.open();
    for (let s = 1; s <= 4; s++) await log.append(s - 1, commandsFor(s));
    let dirSyncs = 0;
    disk.failures.push({ op: 'syncDir', when: () => ++dirSyncs === 2 }); // the first is the snapshot's rename
    const reason = expect.stringMatching(/compacting the log/);
    expect(await log.writeSnapshot(3, [{ at: 3 }])).toMatchObject({ written: false, failed: true, reason });
    await expect(log.append(4, commandsFor(5))).rejects.toThrow(/opened again/);
    expect((await log.open()).entries).toEqual(expected(4));
    expect(await log.append(4, commandsFor(5))).toBe(5);
    await log.close();
    expect(await make(false).open()).toEqual({ snapshotSeq: 3, snapshot: [{ at: 3 }], entries: expected(4, 5) });
  });
});
