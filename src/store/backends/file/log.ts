// The log of a mock that keeps its state on local disk (TOGAI_MOCK_STATE_FILE):
// a snapshot at `path` (see snapshot-file.ts) and the commands appended since,
// one JSON line per entry, in `path + '.log'`: {"seq":N,"format":F,"commands":[...]}
// (no "format" in the lines of earlier versions, nor when the appender gave none). A restarted mock loads the
// snapshot and applies the log's entries after it: nothing answered is lost.
//
// Appends: the line is written at the end and fdatasync'd before append()
// resolves (the engine batches the commands that arrive together into one
// append: one fsync for all of them). If a write or sync fails, the file is
// cut back to its last good length (and synced), so a later append never
// glues onto half a line and an entry answered 503 does not come back after
// a restart. If even that fails, the log refuses every further append
// (LogUnavailableError) until it is opened again, which drops the torn tail.
//
// Opening: a torn last line (no newline at its end, or not JSON — what a kill
// -9 or a crash mid-write leaves) is dropped and cut off the file. Anything
// else unreadable — a bad line before the last, a seq that skips or repeats, a
// log that does not continue the snapshot — throws LogCorruptError naming the
// file and line, and nothing is written.
//
// Compaction (writeSnapshot, in the background): (1) the snapshot is written
// beside the file and renamed over it; from then on the log's entries up to
// its seq are skipped on open. (2) The entries after it are copied to a new
// log file while appends go on; then, with appends held for a moment, the few
// appended meanwhile are copied too, and the new file is renamed over the log.
// A kill -9 at any moment leaves a snapshot and a log that load together.
//
// One process at a time: see fileLock.ts.

import { constants, readdir } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { codeOf, copyRange, forEachLine, nodeIo, writeAll, type FileLogIo } from './io.js';
import { LockFile, LogLockedError } from './lock.js';
import { readSnapshotFile, unreadable, writeSnapshotFile, type StoredSnapshot } from './snapshot-file.js';
import {
  LogConflictError,
  LogCorruptError,
  LogUnavailableError,
  SnapshotNeededError,
  type CommandLog,
  type FileHealth,
  type LogEntry,
  type Opened,
  type SnapshotResult,
} from '../types.js';

export { LogLockedError } from './lock.js';
export type { FileLogIo } from './io.js';

export interface FileLogOptions {
  /** wantsSnapshot() once this many entries were appended since the last snapshot. Default 10,000. */
  snapshotEveryEntries?: number;
  /** ...or once the log grew by this many bytes since it. Default 64 MiB. */
  snapshotEveryBytes?: number;
  /** After a failed snapshot, wantsSnapshot() stays false this long. Default 30 s. */
  snapshotRetryMs?: number;
  /** How often the lock file is touched, for processes on other hosts sharing the directory. Default 10 s. */
  lockRefreshMs?: number;
  /** A lock from another host untouched this long is stale. Default 60 s. */
  lockStaleMs?: number;
  /** File operations (tests make them fail); each one given replaces the default. */
  io?: Partial<FileLogIo>;
}

export const FILE_LOG_DEFAULTS = {
  snapshotEveryEntries: 10_000,
  snapshotEveryBytes: 64 * 1024 * 1024,
  snapshotRetryMs: 30_000,
  lockRefreshMs: 10_000,
  lockStaleMs: 60_000,
} as const;

export class FileLog implements CommandLog {
  readonly backend = 'file' as const;
  /** One process at a time (the lock): its state is always the log's end. */
  readonly shared = false;
  readonly path: string;
  readonly logPath: string;
  private readonly io: FileLogIo;
  private readonly options: Required<Omit<FileLogOptions, 'io'>>;
  private readonly lock: LockFile;

  /** The open log file; undefined before open() and after close(). */
  private fd: number | undefined;
  private lastSeq = 0;
  private snapshotSeq = 0;
  private snapshotLayout: StoredSnapshot['layout'] | undefined;
  /** The seq of the log file's first line (lastSeq + 1 when the file is empty). */
  private fileFirstSeq = 1;
  /** ends[i]: the byte just past the line of seq fileFirstSeq + i. */
  private ends: number[] = [];
  private size = 0;
  /** Set when a failed append could not be undone: appends are refused until open() again. */
  private broken: Error | undefined;
  private closing = false;
  /** Appends, the end of a compaction, readAfter and open run one at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();
  private compaction: Promise<void> | undefined;
  private snapshotFailedAt: number | undefined;
  private lastSnapshotError: string | undefined;
  private tmpCounter = 0;

  constructor(path: string, options: FileLogOptions = {}) {
    this.path = resolve(path);
    this.logPath = `${this.path}.log`;
    this.io = { ...nodeIo, ...options.io };
    const { io: _io, ...rest } = options;
    this.options = { ...FILE_LOG_DEFAULTS, ...withoutUndefined(rest) };
    this.lock = new LockFile(`${this.path}.lock`, this.path, {
      refreshMs: this.options.lockRefreshMs,
      staleMs: this.options.lockStaleMs,
    });
  }

  /**
   * Takes the lock (LogLockedError if another live process has it), drops
   * temporaries of an interrupted save, and reads the snapshot and the log.
   * May be called again while open: it reads the files afresh.
   */
  async open(): Promise<Opened> {
    if (this.closing) throw new LogUnavailableError(`state file ${this.path}: the log was closed`);
    const wasHeld = this.lock.held;
    try {
      this.lock.acquire();
    } catch (err) {
      if (err instanceof LogLockedError) throw err;
      throw new LogUnavailableError(`cannot lock state file ${this.path}: ${(err as Error).message}`);
    }
    try {
      await this.compaction;
      return await this.exclusive(() => this.load());
    } catch (err) {
      if (!wasHeld) this.lock.release();
      throw err;
    }
  }

  append(afterSeq: number, commands: unknown[], format?: number): Promise<number> {
    if (this.closing) return Promise.reject(new LogUnavailableError(`state log ${this.logPath} was closed`));
    if (!Array.isArray(commands)) return Promise.reject(new TypeError('append: commands must be an array'));
    const seq = afterSeq + 1;
    let line: Buffer;
    try {
      // Serialised now, so a command its caller changes after the call is logged as it was.
      const version = format === undefined ? '' : `"format":${JSON.stringify(format)},`;
      line = Buffer.from(`{"seq":${seq},${version}"commands":${JSON.stringify(commands)}}\n`, 'utf8');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.exclusive(async () => {
      const fd = this.writableFd();
      if (afterSeq !== this.lastSeq) {
        throw new LogConflictError(
          `append after seq ${afterSeq}, but the log ${this.logPath} ends at seq ${this.lastSeq}`,
        );
      }
      try {
        await writeAll(this.io, fd, line, this.size);
        await this.io.datasync(fd);
      } catch (err) {
        await this.cutBack(fd, err as Error);
        throw new LogUnavailableError(`state could not be saved to ${this.logPath}: ${(err as Error).message}`);
      }
      this.size += line.length;
      this.ends.push(this.size);
      this.lastSeq = seq;
      return seq;
    });
  }

  /** Entries after `seq` still in the log file; SnapshotNeededError when a compaction removed some. */
  readAfter(seq: number): Promise<LogEntry[]> {
    return this.exclusive(async () => {
      if (this.fd === undefined) throw new LogUnavailableError(`state log ${this.logPath} is not open`);
      if (seq >= this.lastSeq) return [];
      if (seq < this.fileFirstSeq - 1) {
        throw new SnapshotNeededError(
          `entries after seq ${seq} were compacted into the snapshot at seq ${this.snapshotSeq}`,
        );
      }
      const entries: LogEntry[] = [];
      let lineNo = seq - this.fileFirstSeq + 1;
      await forEachLine(this.io, this.fd, this.startOf(seq + 1), (line, offset) => {
        lineNo++;
        if (offset >= this.size) return false;
        const entry = parseEntry(line);
        if ('why' in entry) throw new LogCorruptError(`state log ${this.logPath} line ${lineNo}: ${entry.why}`);
        entries.push(entry);
      });
      return entries;
    });
  }

  wantsSnapshot(): boolean {
    if (this.fd === undefined || this.broken || this.closing || this.compaction) return false;
    if (this.snapshotFailedAt !== undefined && Date.now() - this.snapshotFailedAt < this.options.snapshotRetryMs)
      return false;
    const entries = this.lastSeq - this.snapshotSeq;
    if (entries <= 0) return false;
    return (
      entries >= this.options.snapshotEveryEntries ||
      this.size - this.startOf(this.snapshotSeq + 1) >= this.options.snapshotEveryBytes
    );
  }

  /**
   * Writes `parts` as the snapshot at `seq` (at most the last appended seq),
   * then rewrites the log without the entries it covers. Appends go on
   * meanwhile. When it fails, it says why ({written: false, failed: true});
   * the snapshot and log on disk still load together, and nothing appended
   * is lost. The parts are serialised one by one between writes, so they
   * must not change after this call: pass copies, never live state.
   */
  writeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult> {
    if (this.fd === undefined || this.closing) {
      return Promise.resolve({ written: false, reason: `state log ${this.logPath} is not open`, failed: true });
    }
    if (!Number.isSafeInteger(seq) || seq > this.lastSeq) {
      return Promise.reject(new RangeError(`writeSnapshot: seq ${seq} is past the log's end (${this.lastSeq})`));
    }
    const run = (this.compaction ?? Promise.resolve()).then(() => this.compact(seq, parts));
    // Never rejects: it only says when the compaction is over (the caller gets `run`'s error).
    const tracked: Promise<void> = run
      .catch(() => undefined)
      .then(() => {
        if (this.compaction === tracked) this.compaction = undefined;
      });
    this.compaction = tracked;
    return run;
  }

  async health(): Promise<FileHealth> {
    return {
      backend: 'file',
      connected: this.fd !== undefined && !this.broken,
      lastSeq: this.lastSeq,
      detail: {
        path: this.path,
        logPath: this.logPath,
        snapshotSeq: this.snapshotSeq,
        snapshotLayout: this.snapshotLayout ?? 'none',
        entriesSinceSnapshot: this.lastSeq - this.snapshotSeq,
        logBytes: this.size,
        compacting: this.compaction !== undefined,
        ...(this.broken ? { error: this.broken.message } : {}),
        ...(this.lastSnapshotError ? { lastSnapshotError: this.lastSnapshotError } : {}),
      },
    };
  }

  /** Waits for a running compaction and pending appends, closes the file and lets go of the lock. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.compaction;
    await this.exclusive(async () => {
      const fd = this.fd;
      this.fd = undefined;
      if (fd !== undefined) await this.io.close(fd).catch(() => undefined);
    }).catch(() => undefined);
    this.lock.release();
  }

  // ---------------------------------------------------------------- opening

  private async load(): Promise<Opened> {
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      await this.io.close(fd).catch(() => undefined);
    }
    this.broken = undefined;
    await this.removeStaleTemporaries();
    const snapshot = await readSnapshotFile(this.io, this.path);
    const snapshotSeq = snapshot?.seq ?? 0;

    let fd: number | undefined;
    try {
      fd = await this.io.open(this.logPath, constants.O_RDWR);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT')
        throw new LogUnavailableError(`cannot open state log ${this.logPath}: ${(err as Error).message}`);
    }
    let scan: LogScan = { entries: [], ends: [], firstSeq: snapshotSeq + 1, goodSize: 0, torn: false };
    try {
      if (fd !== undefined) scan = await this.scanLog(fd, snapshotSeq);
      if (fd === undefined) {
        // A new file: its name must be durable before an append in it is acknowledged.
        fd = await this.io.open(this.logPath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
        await this.io.syncDir(dirname(this.logPath));
      } else if (scan.torn) {
        await this.io.truncate(fd, scan.goodSize);
        await this.io.datasync(fd);
      }
    } catch (err) {
      if (fd !== undefined) await this.io.close(fd).catch(() => undefined);
      if (err instanceof LogCorruptError || err instanceof LogUnavailableError) throw err;
      throw new LogUnavailableError(`cannot open state log ${this.logPath}: ${(err as Error).message}`);
    }

    this.fd = fd;
    this.snapshotSeq = snapshotSeq;
    this.snapshotLayout = snapshot?.layout;
    this.fileFirstSeq = scan.firstSeq;
    this.ends = scan.ends;
    this.size = scan.goodSize;
    this.lastSeq = scan.firstSeq + scan.ends.length - 1;
    return { snapshotSeq, snapshot: snapshot?.parts, entries: scan.entries };
  }

  /** Reads and checks every line of the log; entries up to the snapshot's seq are kept out of the result. */
  private async scanLog(fd: number, snapshotSeq: number): Promise<LogScan> {
    const entries: LogEntry[] = [];
    const ends: number[] = [];
    let firstSeq: number | undefined;
    let prevSeq: number | undefined;
    let lineNo = 0;
    let goodSize = 0;
    /** A line that did not parse: fine only if nothing follows it. */
    let bad: { lineNo: number; why: string } | undefined;
    let torn = false;
    const corrupt = (n: number, why: string): LogCorruptError =>
      new LogCorruptError(
        `state log ${this.logPath} cannot be loaded: line ${n}: ${why}. It was left untouched; fix it, move it away, or point TOGAI_MOCK_STATE_FILE elsewhere.`,
      );
    await forEachLine(this.io, fd, 0, (line, _offset, end, terminated) => {
      lineNo++;
      if (bad) throw corrupt(bad.lineNo, bad.why);
      if (!terminated) {
        torn = true; // the last line, cut short by a crash mid-write
        return;
      }
      const entry = parseEntry(line);
      if ('why' in entry) {
        // Valid JSON that is not an entry was never half-written by a crash: not a torn tail.
        if (entry.json) throw corrupt(lineNo, entry.why);
        bad = { lineNo, why: entry.why };
        return;
      }
      if (prevSeq !== undefined && entry.seq !== prevSeq + 1) {
        throw corrupt(lineNo, `seq ${entry.seq} follows seq ${prevSeq} (entries are missing or repeated)`);
      }
      if (firstSeq === undefined) {
        firstSeq = entry.seq;
        if (entry.seq > snapshotSeq + 1) {
          throw corrupt(
            lineNo,
            `the log starts at seq ${entry.seq} but the snapshot ${this.path} covers only up to seq ${snapshotSeq} (entries are missing)`,
          );
        }
      }
      prevSeq = entry.seq;
      goodSize = end;
      ends.push(goodSize);
      if (entry.seq > snapshotSeq) entries.push(entry);
    });
    if (bad) torn = true; // not JSON, but the last line: a torn write
    if (prevSeq !== undefined && prevSeq < snapshotSeq) {
      throw unreadable(
        this.path,
        `its seq ${snapshotSeq} is past the end of the log ${this.logPath} (seq ${prevSeq}); the two do not belong together`,
      );
    }
    return { entries, ends, firstSeq: firstSeq ?? snapshotSeq + 1, goodSize, torn };
  }

  /** Temporary files left by a process killed mid-save (as the state file always did). */
  private async removeStaleTemporaries(): Promise<void> {
    const dir = dirname(this.path);
    const prefix = `.${basename(this.path)}.tmp-`;
    const names = await new Promise<string[]>((done) => readdir(dir, (err, list) => done(err ? [] : list)));
    for (const name of names) {
      if (name.startsWith(prefix)) await this.io.unlink(join(dir, name)).catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- appending

  private writableFd(): number {
    if (this.fd === undefined) throw new LogUnavailableError(`state log ${this.logPath} is not open`);
    if (this.broken) {
      throw new LogUnavailableError(
        `state log ${this.logPath} is unusable since a failed write could not be undone (${this.broken.message}); it must be opened again`,
      );
    }
    return this.fd;
  }

  /** After a failed write: the file back to its last good length, or the log refuses appends until reopened. */
  private async cutBack(fd: number, cause: Error): Promise<void> {
    try {
      await this.io.truncate(fd, this.size);
      await this.io.datasync(fd);
    } catch (err) {
      this.broken = new Error(`${cause.message}; then cutting the file back failed: ${(err as Error).message}`);
    }
  }

  /** Byte offset where the line of `seq` starts in the current log file. */
  private startOf(seq: number): number {
    const i = seq - this.fileFirstSeq;
    if (i <= 0) return 0;
    return this.ends[i - 1] ?? this.size;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- compaction

  private async compact(seq: number, parts: unknown[]): Promise<SnapshotResult> {
    if (this.fd === undefined) return { written: false, reason: `state log ${this.logPath} was closed`, failed: true };
    if (seq <= this.snapshotSeq) {
      const reason = `the snapshot ${this.path} is at seq ${this.snapshotSeq} already`;
      return { written: false, reason, failed: false };
    }
    let bytes: number;
    try {
      bytes = await writeSnapshotFile(this.io, this.path, this.tempName(''), seq, parts);
      this.snapshotSeq = seq;
      this.snapshotLayout = 'parts';
      await this.rewriteLog(seq);
      this.snapshotFailedAt = undefined;
      this.lastSnapshotError = undefined;
    } catch (err) {
      this.snapshotFailedAt = Date.now();
      this.lastSnapshotError = (err as Error).message;
      const what =
        this.snapshotSeq === seq ? `compacting the log ${this.logPath}` : `writing the snapshot ${this.path}`;
      return { written: false, reason: `${what} at seq ${seq} failed: ${(err as Error).message}`, failed: true };
    }
    return { written: true, bytes };
  }

  /** Replaces the log file by one holding only the entries after `seq`, appends included. */
  private async rewriteLog(seq: number): Promise<void> {
    const oldFd = this.fd;
    if (oldFd === undefined || this.broken) return;
    const from = this.startOf(seq + 1);
    if (from === 0) return; // nothing before it to drop
    const tmp = this.tempName('.log');
    const newFd = await this.io.open(tmp, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    let renamed = false;
    try {
      // Most of the copy runs while appends go on: they only ever write past `upTo`.
      const upTo = this.size;
      await copyRange(this.io, oldFd, from, upTo, newFd, 0);
      await this.io.datasync(newFd);
      await this.exclusive(async () => {
        if (this.fd !== oldFd || this.broken) throw new Error('the log was reopened or broke during compaction');
        await copyRange(this.io, oldFd, upTo, this.size, newFd, upTo - from);
        await this.io.datasync(newFd);
        await this.io.rename(tmp, this.logPath);
        renamed = true;
        // From here the new file is the log: appends go there.
        const dropped = seq + 1 - this.fileFirstSeq;
        this.fd = newFd;
        this.ends = this.ends.slice(dropped).map((end) => end - from);
        this.size -= from;
        this.fileFirstSeq = seq + 1;
        try {
          // Until the rename is durable, a crash could bring back the old file, without the
          // appends that follow: none is acknowledged before this succeeds.
          await this.io.syncDir(dirname(this.logPath));
        } catch (err) {
          this.broken = new Error(`the new log's name could not be made durable: ${(err as Error).message}`);
          throw err;
        }
      });
    } catch (err) {
      if (!renamed) {
        await this.io.close(newFd).catch(() => undefined);
        await this.io.unlink(tmp).catch(() => undefined);
      }
      throw err;
    } finally {
      if (renamed) await this.io.close(oldFd).catch(() => undefined);
    }
  }

  private tempName(suffix: string): string {
    return join(dirname(this.path), `.${basename(this.path)}.tmp-${process.pid}-${++this.tmpCounter}${suffix}`);
  }
}

interface LogScan {
  entries: LogEntry[];
  ends: number[];
  firstSeq: number;
  goodSize: number;
  torn: boolean;
}

/** One log line as an entry, or why it is not one (and whether it was JSON at all). */
function parseEntry(line: string): LogEntry | { why: string; json: boolean } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { why: `not valid JSON (${(err as Error).message})`, json: false };
  }
  const e = value as Partial<LogEntry> | null;
  if (
    typeof e !== 'object' ||
    e === null ||
    !Number.isSafeInteger(e.seq) ||
    (e.seq as number) < 1 ||
    !Array.isArray(e.commands)
  ) {
    return { why: 'not a log entry ({"seq":N,"commands":[...]})', json: true };
  }
  if (e.format === undefined) return { seq: e.seq as number, commands: e.commands };
  if (!Number.isSafeInteger(e.format)) return { why: 'its format is not a whole number', json: true };
  return { seq: e.seq as number, format: e.format, commands: e.commands };
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
