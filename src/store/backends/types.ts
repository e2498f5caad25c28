// Where changes are kept: a log of commands plus an occasional snapshot.
// The engine (store/machine/engine.ts) applies every command, in log order, to the
// in-memory state; a CommandLog only stores and returns them. Commands and
// snapshot parts are opaque JSON values here: a log never looks inside.
//
// Three logs share this shape: memory (nothing kept), a local file
// (TOGAI_MOCK_STATE_FILE) and a Redis stream shared by many replicas
// (TOGAI_MOCK_REDIS_URL). Each is built in one place (backends/index.ts);
// what the engine needs to know about one is a capability (`shared`), never
// which one it is. The HTTP layer never knows which one is in use.

import type { RequestJournal } from '../services/journal.js';
import type { RateCounter } from '../services/types.js';

/** One append: the commands of one batch, under one sequence number. */
export interface LogEntry {
  seq: number;
  commands: unknown[];
  /**
   * The format the commands were written in (the state machine's, see
   * machine/format.ts), as the appender gave it; absent in entries written
   * before entries carried one (and by callers that give none).
   */
  format?: number;
}

/** What a log holds when the engine starts (or re-joins after falling behind a snapshot). */
export interface Opened {
  /** The seq the snapshot was taken at; 0 when there is none. */
  snapshotSeq: number;
  /** Snapshot parts in order; undefined when there is no snapshot. */
  snapshot: unknown[] | undefined;
  /** Every entry after snapshotSeq, in order. */
  entries: LogEntry[];
}

/** append: another process appended after `afterSeq`; catch up and try again. */
export class LogConflictError extends Error {
  override name = 'LogConflictError';
}

/** The log cannot be written or read now (a disk error, Redis down): answered as 503. */
export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
}

/** open: the stored state cannot be read; the message names the file or key and what is wrong. */
export class LogCorruptError extends Error {
  override name = 'LogCorruptError';
}

/** readAfter: the entries after that seq were compacted into a snapshot; open again. */
export class SnapshotNeededError extends Error {
  override name = 'SnapshotNeededError';
}

export type LogBackend = LogHealth['backend'];

interface HealthBase {
  connected: boolean;
  /** The newest seq the log holds (for Redis: the stream's end, so lag = lastSeq - applied). */
  lastSeq: number;
}

export interface MemoryHealth extends HealthBase {
  backend: 'memory';
}

export interface FileHealth extends HealthBase {
  backend: 'file';
  detail: {
    path: string;
    logPath: string;
    snapshotSeq: number;
    /** 'parts': written by the file log; 'document': an earlier version's state file; 'none': no snapshot yet. */
    snapshotLayout: 'parts' | 'document' | 'none';
    entriesSinceSnapshot: number;
    logBytes: number;
    compacting: boolean;
    /** Why appends are refused until the log is opened again. */
    error?: string;
    lastSnapshotError?: string;
  };
}

export interface RedisHealth extends HealthBase {
  backend: 'redis';
  /** How this process names itself to the other replicas (in appends, leases and the journal). */
  replica: string;
  detail: {
    /** The server, without its password. */
    url: string;
    prefix: string;
    /** ioredis' connection status. */
    status: string;
    snapshotSeq: number;
    appendonly?: string;
    appendfsync?: string;
    durable?: boolean | 'unknown';
    warning?: string;
    /** Why Redis cannot be reached (or asked) now. */
    error?: string;
  };
}

/** What a log says about itself: one shape per backend. */
export type LogHealth = MemoryHealth | FileHealth | RedisHealth;

/**
 * What writeSnapshot did. Not written is not an error of the caller's: the
 * log keeps every entry meanwhile. `failed` tells a failure (a disk or Redis
 * error, worth a warning) from a snapshot skipped by design (one is being
 * written, another replica wrote a newer one).
 */
export type SnapshotResult = { written: true; bytes?: number } | { written: false; reason: string; failed: boolean };

export interface CommandLog {
  readonly backend: LogBackend;
  /**
   * True when other processes append to the same log (Redis): a read must
   * first catch up to the log's end. False when this process is the log's
   * only writer, so its state is always the log's end.
   */
  readonly shared: boolean;
  open(): Promise<Opened>;
  /**
   * Appends one entry at afterSeq + 1, in `format` (kept with the entry and
   * handed back by open and readAfter); durable once resolved. Rejects with
   * LogConflictError or LogUnavailableError.
   */
  append(afterSeq: number, commands: unknown[], format?: number): Promise<number>;
  /**
   * The same, synchronously, for a log that keeps nothing and so has nothing
   * to wait for (memory): the engine then applies a change in the same tick
   * it was asked for. Durable logs leave it out.
   */
  appendNow?(afterSeq: number, commands: unknown[], format?: number): number;
  /**
   * Entries with a seq greater than `seq`, in order. Rejects with SnapshotNeededError when some were compacted away.
   */
  readAfter(seq: number): Promise<LogEntry[]>;
  /** True when enough was appended since the last snapshot that the engine should offer one. */
  wantsSnapshot(): boolean;
  /**
   * Stores `parts` as the snapshot at `seq` and drops the entries it covers.
   * Resolves with whether it did and why not; never logs (the caller says what
   * happened). Rejects only when called wrongly (a seq past the log's end).
   */
  writeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult>;
  health(): Promise<LogHealth>;
  /** Finishes pending writes and lets go of files and connections. */
  close(): Promise<void>;
}

/** One backend, built (backends/index.ts): the log and the request services that live where it lives. */
export interface Backend {
  readonly log: CommandLog;
  /** Togai API requests as clients sent them (GET /_mock/requests). */
  readonly journal: RequestJournal;
  /** Requests counted against the rate limit (the limit itself is state). */
  readonly rateCounter: RateCounter;
}
