// The log of a mock that keeps nothing (the default): every append is
// accepted at once and forgotten, because the in-memory state the engine
// applies it to is all there is. A restart starts empty.

import { LogConflictError, type CommandLog, type LogEntry, type LogHealth, type Opened } from './types.js';

export class MemoryLog implements CommandLog {
  readonly backend = 'memory' as const;
  private lastSeq = 0;

  async open(): Promise<Opened> {
    return { snapshotSeq: 0, snapshot: undefined, entries: [] };
  }

  append(afterSeq: number, commands: unknown[]): Promise<number> {
    try {
      return Promise.resolve(this.appendNow(afterSeq, commands));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  appendNow(afterSeq: number, _commands: unknown[]): number {
    // Nothing is stored, but the contract is the same as the durable logs':
    // an engine bug that skips or repeats a seq shows up here, not only on Redis.
    if (afterSeq !== this.lastSeq) throw new LogConflictError(`append after seq ${afterSeq}, but the log ends at seq ${this.lastSeq}`);
    this.lastSeq = afterSeq + 1;
    return this.lastSeq;
  }

  async readAfter(_seq: number): Promise<LogEntry[]> {
    return [];
  }

  wantsSnapshot(): boolean {
    return false;
  }

  async writeSnapshot(_seq: number, _parts: unknown[]): Promise<void> {}

  async health(): Promise<LogHealth> {
    return { backend: 'memory', connected: true, lastSeq: this.lastSeq };
  }

  async close(): Promise<void> {}
}
