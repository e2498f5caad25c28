// Where changes are kept: a log of commands plus an occasional snapshot.
// The engine (store/machine/engine.ts) applies every command, in log order, to the
// in-memory state; a CommandLog only stores and returns them. Commands and
// snapshot parts are opaque JSON values here: a log never looks inside.
//
// Three logs share this shape: memory (nothing kept), a local file
// (TOGAI_MOCK_STATE_FILE) and a Redis stream shared by many replicas
// (TOGAI_MOCK_REDIS_URL). The HTTP layer never knows which one is in use.

/** One append: the commands of one batch, under one sequence number. */
export interface LogEntry {
  seq: number;
  commands: unknown[];
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

export type LogBackend = 'memory' | 'file' | 'redis';

export interface LogHealth {
  backend: LogBackend;
  connected: boolean;
  /** The newest seq the log holds (for Redis: the stream's end, so lag = lastSeq - applied). */
  lastSeq: number;
  detail?: Record<string, unknown>;
}

export interface CommandLog {
  readonly backend: LogBackend;
  open(): Promise<Opened>;
  /** Appends one entry at afterSeq + 1; durable once resolved. Rejects with LogConflictError or LogUnavailableError. */
  append(afterSeq: number, commands: unknown[]): Promise<number>;
  /**
   * The same, synchronously, for a log that keeps nothing and so has nothing
   * to wait for (memory): the engine then applies a change in the same tick
   * it was asked for. Durable logs leave it out.
   */
  appendNow?(afterSeq: number, commands: unknown[]): number;
  /** Entries with a seq greater than `seq`, in order. Rejects with SnapshotNeededError when some were compacted away. */
  readAfter(seq: number): Promise<LogEntry[]>;
  /** True when enough was appended since the last snapshot that the engine should offer one. */
  wantsSnapshot(): boolean;
  /** Stores `parts` as the snapshot at `seq` and drops the entries it covers. Failures are logged, never fatal. */
  writeSnapshot(seq: number, parts: unknown[]): Promise<void>;
  health(): Promise<LogHealth>;
  /** Finishes pending writes and lets go of files and connections. */
  close(): Promise<void>;
}
