// The state machine over a command log: the one way state changes.
//
// Every change is a command (commands.ts). execute() queues it; one writer
// loop per process takes everything queued as one batch, appends it to the
// log as one entry (one fsync for all of them: group commit), and only once
// the append is durable applies each command, in order, and settles each
// caller's promise. Nothing is applied that is not in the log, so a restart
// (or another replica) that applies the log gets the same state, and an
// append that fails rejects the whole batch with a 503-kind error, leaving
// the state as it was.
//
// Reads look at the state directly. With a local log (memory, file) this
// process is the only writer, so its state is always the log's end and a
// read costs nothing extra: read() calls its function synchronously. With a
// shared log (Redis: `log.shared`) other processes append too: a read first catches up to
// the log's end, so a change answered by any replica is seen by the next
// request to any other (read your writes through a load balancer). Catch-ups
// are coalesced: one in flight plus at most one waiting, and a read never
// relies on one that started before it came.
//
// When the log asks for it, the engine takes a snapshot of the state at the
// last applied seq (synchronously, so it is consistent) and hands it to the
// log to write in the background (compaction).
//
// Formats: every entry is appended with the machine's command format. An
// entry another process appended that this machine cannot read (a newer
// format, a command type it does not know: a newer version wrote it), or a
// snapshot of a newer format met while catching up, STOPS the engine: it
// applies nothing more, every read and change answers 503 saying why, and
// health() reports it, rather than skipping what it cannot read and drifting
// apart from the processes that can (machine/format.ts). Met at start, it
// fails the start instead.
//
// The engine knows nothing of tenants or ledgers: what a command means, how
// state is snapshotted and restored, is the StateMachine's (mock-machine.ts).

import { MockError } from '../../domain/errors.js';
import {
  LogConflictError,
  LogUnavailableError,
  SnapshotNeededError,
  type CommandLog,
  type LogEntry,
  type LogHealth,
  type Opened,
  type SnapshotResult,
} from '../backends/types.js';
import type { StoreLogger } from '../logger.js';
import { UnknownFormatError } from './format.js';

/** A command or its input: its `type` picks its result type. */
export interface Typed {
  type: string;
}

/** A result type for each command type of C. */
export type ResultMap<C extends Typed> = { [T in C['type']]: unknown };

/**
 * What the engine runs: a deterministic state machine over commands of type
 * C, built from inputs I; applying a command of type T answers R[T].
 */
export interface StateMachine<
  S,
  C extends Typed,
  I extends { type: C['type'] } = C,
  R extends ResultMap<C> = ResultMap<C>,
> {
  readonly state: S;
  /** Completes a command with what only the accepting process knows (its time, random draws). Synchronous. */
  stamp(input: I): C;
  /** Applies one command; throws a MockError (on every process alike) when the command is refused. */
  apply<T extends C['type']>(command: C & { type: T }): R[T];
  /** Work needed before `commands` can be applied (e.g. loading a module); undefined when there is none. */
  prepare(commands: readonly C[]): Promise<void> | undefined;
  /** The state as snapshot parts, at log seq `seq`: copies that never change afterwards. */
  snapshot(seq: number): unknown[];
  /**
   * Replaces the whole state with a snapshot's parts (undefined: empty). Throws and changes nothing when they
   * cannot be loaded: an UnknownFormatError when a newer version wrote them.
   */
  restore(parts: readonly unknown[] | undefined): void;
  /** The format of the commands this machine stamps; every appended entry carries it. */
  readonly format: number;
  /** Why this machine cannot apply an entry's commands written in `format`; undefined when it can. */
  unreadable(commands: readonly unknown[], format: number | undefined): string | undefined;
}

/** Why the engine stopped applying the log, and the seq it had applied. */
export interface Stopped {
  reason: string;
  seq: number;
}

export type EngineHealth = LogHealth & {
  /** The last log seq applied here; for a shared log, lastSeq - appliedSeq is how far this process lags. */
  appliedSeq: number;
  /** Set once the engine met what it cannot apply (see the file's header). */
  stopped?: Stopped;
};

/** How often an append is retried after another process appended first. */
const MAX_CONFLICT_RETRIES = 50;

/**
 * A caller's render, kept with its command. Stored without its result type
 * (the queue holds commands of every type): execute() pairs each render
 * with the command it was given for, and apply answers that command's type.
 */
type Render<S> = (result: unknown, state: S) => unknown;

interface Pending<C, S> {
  command: C;
  render: Render<S> | undefined;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * What a request's stages and handlers use of the engine: reads and changes.
 * A change answers its command's own result type (R[T] for a command of type T).
 */
export interface EngineAccess<S, I extends Typed, R extends ResultMap<I>> {
  read<V>(fn: (state: S) => V): V | Promise<V>;
  execute<T extends I['type']>(input: I & { type: T }): Promise<R[T]>;
  execute<T extends I['type'], V>(input: I & { type: T }, render: (result: R[T], state: S) => V): Promise<V>;
}

export class Engine<S, C extends Typed, I extends { type: C['type'] } = C, R extends ResultMap<C> = ResultMap<C>> {
  private seq = 0;
  private queue: Array<Pending<C, S>> = [];
  /** The writer loop while it runs. */
  private writer: Promise<void> | undefined;
  /** Serialises appends and catch-ups on a shared log (a local log has no catch-ups). */
  private lock: Promise<unknown> = Promise.resolve();
  private catchUpRunning: Promise<void> | undefined;
  private catchUpNext: Promise<void> | undefined;
  private snapshotting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private stoppedBy: Stopped | undefined;
  /** True when this process is the log's only writer: reads need no catch-up. */
  readonly local: boolean;

  constructor(
    readonly log: CommandLog,
    private readonly machine: StateMachine<S, C, I, R>,
    private readonly logger?: StoreLogger,
  ) {
    this.local = !log.shared;
  }

  /** Why the engine stopped applying the log; undefined while it applies it. */
  get stopped(): Stopped | undefined {
    return this.stoppedBy;
  }

  get state(): S {
    return this.machine.state;
  }

  /** The last log seq applied to the state. */
  get appliedSeq(): number {
    return this.seq;
  }

  /**
   * Opens the log and loads what it holds: the snapshot, then every entry
   * after it. `restored` says whether there was anything. Throws what
   * log.open() throws, or the machine's MockError for a snapshot it cannot load.
   */
  async start(): Promise<{ restored: boolean }> {
    const opened = await this.log.open();
    await this.load(opened);
    this.offerSnapshot();
    return { restored: opened.snapshot !== undefined || opened.entries.length > 0 };
  }

  /**
   * Runs `fn` over the state once it holds every change already in the log.
   * Synchronous for a local log (the state is the log's end); a promise for a
   * shared one. Rejects with a 503-kind MockError when the log cannot be read.
   */
  read<T>(fn: (state: S) => T): T | Promise<T> {
    if (this.local) {
      if (this.stoppedBy) throw this.stoppedError();
      return fn(this.machine.state);
    }
    return this.catchUp().then(() => fn(this.machine.state));
  }

  /**
   * The engine as one request sees it. Its first read catches up like read();
   * the request's later reads reuse that catch-up: it began after the request
   * arrived, so it holds every change answered before, and a request then
   * costs one round trip to a shared log however many stages read. With a
   * local log there is nothing to share: the engine itself.
   */
  forRequest(): EngineAccess<S, I, R> {
    if (this.local) return this;
    let caughtUp: Promise<void> | undefined;
    return {
      read: <V>(fn: (state: S) => V): Promise<V> =>
        (caughtUp ??= this.catchUp()).then(() => {
          // Another read of the same request may have met what stopped the engine.
          if (this.stoppedBy) throw this.stoppedError();
          return fn(this.machine.state);
        }),
      execute: this.execute.bind(this),
    };
  }

  /**
   * Logs a change and applies it; resolves with what apply answered (passed
   * through `render`, run right after the command was applied, before any
   * later change) or rejects with its MockError. A failed append rejects with
   * a 503-kind MockError and nothing is applied.
   */
  execute<T extends I['type']>(input: I & { type: T }): Promise<R[T]>;
  execute<T extends I['type'], V>(input: I & { type: T }, render: (result: R[T], state: S) => V): Promise<V>;
  execute(input: I, typedRender?: (result: never, state: S) => unknown): Promise<unknown> {
    const render = typedRender as Render<S> | undefined;
    if (this.closing)
      return Promise.reject(new MockError('unavailable', 'togai-mock is shutting down; the change was not made'));
    if (this.stoppedBy) return Promise.reject(this.stoppedError());
    let command: C;
    try {
      command = this.machine.stamp(input);
    } catch (err) {
      return Promise.reject(err);
    }
    // A log with nothing to wait for (memory), nothing queued before it: applied now, in this tick.
    if (
      this.log.appendNow &&
      !this.writer &&
      this.queue.length === 0 &&
      this.machine.prepare([command]) === undefined
    ) {
      return this.commitNow(command, render);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ command, render, resolve, reject });
      // Started a microtask later, so that every change made in this tick goes into one append.
      this.writer ??= Promise.resolve().then(() => this.writeLoop());
    });
  }

  /** Resolves once every change queued so far is applied (or refused) and a running snapshot is written. */
  async flush(): Promise<void> {
    while (this.writer) await this.writer;
    await this.snapshotting;
  }

  /** Refuses new changes, finishes the queued ones and lets go of the log. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      await this.log.close();
    })();
    return this.closing;
  }

  async health(): Promise<EngineHealth> {
    const health: EngineHealth = { ...(await this.log.health()), appliedSeq: this.seq };
    if (this.stoppedBy) health.stopped = { ...this.stoppedBy };
    return health;
  }

  // ---------------------------------------------------------------- writing

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await (this.local ? this.commit(batch) : this.exclusive(() => this.commit(batch)));
      }
    } finally {
      this.writer = undefined;
    }
  }

  /** Appends one batch and applies it; settles every caller. Never rejects. */
  private async commit(batch: Array<Pending<C, S>>): Promise<void> {
    const commands = batch.map((p) => p.command);
    try {
      // Stopped while these waited: appending them would write past what this process can apply.
      if (this.stoppedBy) throw this.stoppedError();
      const preparing = this.machine.prepare(commands);
      if (preparing) await preparing;
      const seq = await this.append(commands);
      this.seq = seq;
    } catch (err) {
      const failure = asFailure(err);
      for (const p of batch) p.reject(failure);
      return;
    }
    for (const p of batch) {
      let value: unknown;
      try {
        const result = this.machine.apply(p.command);
        value = p.render ? p.render(result, this.machine.state) : result;
      } catch (err) {
        if (!(err instanceof MockError)) this.logger?.error('applying a command failed', { err });
        p.reject(err);
        continue;
      }
      p.resolve(value);
    }
    this.offerSnapshot();
  }

  /** commit() of one command, for a log that appends synchronously. */
  private commitNow(command: C, render: Render<S> | undefined): Promise<unknown> {
    try {
      this.seq = this.log.appendNow!(this.seq, [command], this.machine.format);
    } catch (err) {
      return Promise.reject(asFailure(err));
    }
    let value: unknown;
    try {
      const result = this.machine.apply(command);
      value = render ? render(result, this.machine.state) : result;
    } catch (err) {
      if (!(err instanceof MockError)) this.logger?.error('applying a command failed', { err });
      return Promise.reject(err);
    }
    this.offerSnapshot();
    return Promise.resolve(value);
  }

  /** Appends after the last applied seq; when another process appended first, catches up and tries again. */
  private async append(commands: C[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const seq = await this.log.append(this.seq, commands, this.machine.format);
        if (seq !== this.seq + 1) throw new Error(`the log appended at seq ${seq}, expected ${this.seq + 1}`);
        return seq;
      } catch (err) {
        if (!(err instanceof LogConflictError) || attempt >= MAX_CONFLICT_RETRIES) throw err;
        // The commands are intent plus their time and draws: nothing to rebuild, only to catch up.
        await this.catchUpNow();
      }
    }
  }

  // ---------------------------------------------------------------- catching up

  /**
   * A catch-up that started after this call: the running one may have read the log before the caller's request came.
   */
  private catchUp(): Promise<void> {
    if (this.stoppedBy) return Promise.reject(this.stoppedError());
    if (!this.catchUpRunning) {
      const run = this.exclusive(() => this.catchUpNow()).finally(() => {
        if (this.catchUpRunning === run) this.catchUpRunning = undefined;
      });
      this.catchUpRunning = run;
      return run;
    }
    this.catchUpNext ??= this.catchUpRunning
      .catch(() => undefined)
      .then(() => {
        this.catchUpNext = undefined;
        return this.catchUp();
      });
    return this.catchUpNext;
  }

  /** Applies what others appended since the last applied seq (or reloads when it was compacted away). */
  private async catchUpNow(): Promise<void> {
    if (this.stoppedBy) throw this.stoppedError();
    try {
      await this.catchUpOnce();
    } catch (err) {
      if (err instanceof UnknownFormatError) throw this.stop(err.message);
      throw err;
    }
  }

  private async catchUpOnce(): Promise<void> {
    let entries: LogEntry[];
    try {
      entries = await this.log.readAfter(this.seq);
    } catch (err) {
      if (!(err instanceof SnapshotNeededError)) throw asFailure(err, 'state could not be read');
      await this.load(
        await this.log.open().catch((e: unknown) => Promise.reject(asFailure(e, 'state could not be read'))),
      );
      return;
    }
    if (entries.length === 0) return;
    const preparing = this.machine.prepare(entries.flatMap((e) => e.commands as C[]));
    if (preparing) await preparing;
    for (const entry of entries) {
      if (entry.seq <= this.seq) continue;
      if (entry.seq !== this.seq + 1)
        throw new MockError(
          'unavailable',
          `state could not be read: the log skips from seq ${this.seq} to ${entry.seq}`,
        );
      this.applyEntry(entry);
    }
  }

  /** Replaces the state with a log's snapshot and entries. */
  private async load(opened: Opened): Promise<void> {
    const preparing = this.machine.prepare(opened.entries.flatMap((e) => e.commands as C[]));
    if (preparing) await preparing;
    this.machine.restore(opened.snapshot);
    this.seq = opened.snapshotSeq;
    for (const entry of opened.entries) this.applyEntry(entry);
  }

  /**
   * Applies an entry this process did not append: a refused command was refused everywhere, a no-op.
   * An entry this machine cannot read throws UnknownFormatError before any of it is applied.
   */
  private applyEntry(entry: LogEntry): void {
    const why = this.machine.unreadable(entry.commands, entry.format);
    if (why !== undefined) throw new UnknownFormatError(`log entry ${entry.seq} cannot be applied: ${why}`);
    for (const command of entry.commands as C[]) {
      try {
        this.machine.apply(command);
      } catch (err) {
        if (!(err instanceof MockError)) {
          this.logger?.error('applying a logged command failed', { err, seq: entry.seq });
        }
      }
    }
    this.seq = entry.seq;
  }

  /** Stops applying the log for good (see the file's header); answers the error every request now gets. */
  private stop(reason: string): MockError {
    if (!this.stoppedBy) {
      this.stoppedBy = { reason, seq: this.seq };
      this.logger?.error('stopped applying the log: every request answers 503 until this process is upgraded', {
        reason,
        seq: this.seq,
      });
    }
    return this.stoppedError();
  }

  private stoppedError(): MockError {
    const { reason, seq } = this.stoppedBy!;
    return new MockError(
      'unavailable',
      `togai-mock stopped applying changes after seq ${seq}: ${reason}. Upgrade this process to the version ` +
        'that wrote it (every replica sharing the log must run the same version or newer)',
    );
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  // ---------------------------------------------------------------- snapshots

  /** Hands the log a snapshot when it wants one; written in the background, a failure only logged. */
  private offerSnapshot(): void {
    if (this.snapshotting || this.closing || this.stoppedBy || !this.log.wantsSnapshot()) return;
    const seq = this.seq;
    let parts: unknown[];
    const started = performance.now();
    try {
      parts = this.machine.snapshot(seq);
    } catch (err) {
      this.logger?.error('taking a snapshot failed', { err, seq });
      return;
    }
    // Taken in one go (so it is consistent): the time requests waited for it.
    const tookMs = Math.round(performance.now() - started);
    const writing = this.log
      .writeSnapshot(seq, parts)
      .then(
        (result: SnapshotResult) => {
          if (result.written) {
            const writtenMs = Math.round(performance.now() - started);
            const fields = { seq, parts: parts.length, tookMs, writtenMs, bytes: result.bytes };
            this.logger?.info('snapshot written', fields);
          } else if (result.failed) {
            this.logger?.warn('writing a snapshot failed; the log keeps every change', { seq, reason: result.reason });
          } else {
            this.logger?.info('snapshot not written', { seq, reason: result.reason });
          }
        },
        (err: unknown) => this.logger?.error('writing a snapshot failed; the log keeps every change', { err, seq }),
      )
      .finally(() => {
        if (this.snapshotting === writing) this.snapshotting = undefined;
      });
    this.snapshotting = writing;
  }
}

/** A failure of the log as the 503 its callers answer; MockErrors and bugs pass through. */
function asFailure(err: unknown, what = 'state could not be saved'): unknown {
  if (err instanceof MockError) return err;
  if (err instanceof LogUnavailableError) {
    return new MockError('unavailable', err.message.startsWith(what) ? err.message : `${what}: ${err.message}`);
  }
  if (err instanceof LogConflictError)
    return new MockError('unavailable', `${what}: other processes kept appending to the log (${err.message})`);
  return err;
}
