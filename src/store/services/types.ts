// Per-request services that every replica must share but that are not log
// commands: the rate-limit counters (one count per credential across all
// replicas) and the storage of the request journal (what every replica
// answered). Neither changes the ledger, so neither goes through the log:
// a lost count or journal line never makes two replicas disagree on state.
//
// Each has a memory implementation (one process) and a Redis one (many).
// Methods answer `MaybePromise`: the memory versions stay synchronous, so
// the request path of a single mock costs no promise; callers that may be
// given either write `await` (or check for a promise) once.

export type MaybePromise<T> = T | Promise<T>;

/**
 * Requests per credential in a sliding window: at most `limit` requests in
 * any `windowMs` (1000 ms for Togai's per-second limit). A refused request
 * is not counted. The Redis version rejects with LogUnavailableError while
 * Redis is unreachable (answered as 503, like any change).
 */
export interface RateCounter {
  /**
   * Counts one request under `key` (e.g. `c:<credential>`). Answers the whole
   * seconds to wait before retrying (>= 1, the Retry-After value) when
   * `limit` requests were already counted in the window, else undefined.
   * A `limit` <= 0 means no limit (nothing counted).
   */
  hit(key: string, limit: number): MaybePromise<number | undefined>;
  /** Forgets every count (a new limit was set, or a reset). */
  clear(): MaybePromise<void>;
}

/** One journal record as stored: the caller's entry plus what the store adds. */
export interface JournalRecord<E> {
  /** Increasing across the whole store (all replicas); never reused, even after clear(). */
  id: number;
  /** Which replica added it. */
  replica: string;
  entry: E;
}

export interface JournalQuery<E> {
  /** At most this many records (the newest matching ones). */
  limit: number;
  /** Only records with an id greater than this. */
  after?: number | undefined;
  /** Only records whose entry matches. */
  match?: ((entry: E) => boolean) | undefined;
}

/**
 * An entry as a store that leaves the process keeps it: named fields of text
 * or raw bytes (bytes are read back as UTF-8 text), no JSON around them.
 */
export interface StoredFields {
  [name: string]: string | Buffer | undefined;
}

/**
 * A bounded store of journal entries (the newest `limit` are kept; older ones
 * fall out). Entries are opaque to the store; the Redis version keeps them as
 * named fields (StoredFields).
 */
export interface JournalStore<E> {
  /** How many entries are kept; 0 keeps none. */
  readonly limit: number;
  /**
   * Adds one entry. Never rejects: a failure to record is logged and counted,
   * and answered as the error (undefined once the entry is stored, and every
   * reader of the store lists it).
   */
  add(entry: E): MaybePromise<Error | undefined>;
  /** The newest `query.limit` matching records, oldest first. */
  list(query: JournalQuery<E>): MaybePromise<JournalRecord<E>[]>;
  /** Forgets every entry, or only those that match. Ids keep increasing afterwards. */
  clear(match?: (entry: E) => boolean): MaybePromise<void>;
}
