// The log of a mock that keeps nothing (the default): every append is
// accepted at once and forgotten, because the in-memory state the engine
// applies it to is all there is. A restart starts empty.

import { localBackend } from './local.js';
import {
  LogConflictError,
  type Backend,
  type CommandLog,
  type LogEntry,
  type MemoryHealth,
  type Opened,
  type SnapshotResult,
} from './types.js';

export class MemoryLog implements CommandLog {
  readonly backend = 'memory' as const;
  readonly shared = false;
  private lastSeq = 0;

  async open(): Promise<Opened> {
    return { snapshotSeq: 0, snapshot: undefined, entries: [] };
  }

  append(afterSeq: number, commands: unknown[], format?: number): Promise<number> {
    try {
      return Promise.resolve(this.appendNow(afterSeq, commands, format));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  appendNow(afterSeq: number, _commands: unknown[], _format?: number): number {
    // Nothing is stored, but the contract is the same as the durable logs':
    // an engine bug that skips or repeats a seq shows up here, not only on Redis.
    if (afterSeq !== this.lastSeq) {
      throw new LogConflictError(`append after seq ${afterSeq}, but the log ends at seq ${this.lastSeq}`);
    }
    this.lastSeq = afterSeq + 1;
    return this.lastSeq;
  }

  async readAfter(_seq: number): Promise<LogEntry[]> {
    return [];
  }

  wantsSnapshot(): boolean {
    return false;
  }

  async writeSnapshot(_seq: number, _parts: unknown[]): Promise<SnapshotResult> {
    return { written: false, reason: 'the memory log keeps nothing to compact', failed: false };
  }

  async health(): Promise<MemoryHealth> {
    return { backend: 'memory', connected: true, lastSeq: this.lastSeq };
  }

  async close(): Promise<void> {}
}

/** The default backend: this log, and the journal and counts of this process. */
export function memoryBackend(journalLimit: number): Backend {
  return localBackend(new MemoryLog(), journalLimit);
}
