// Shared by the engine's tests and the command property test: the mock's
// state machine with the real specs' validators, and logs that let a test
// see and steer what the engine does (count appends, fail them, share one
// log between engines as replicas on Redis would).

import { creditRequestCheck, fixtureCheck } from '../../src/control/seed.js';
import { ACCOUNTS_SPEC_FILE, CONTROL_SPEC_FILE, CREDITS_SPEC_FILE, loadSpec } from '../../src/spec/load.js';
import { compileOperations, type SpecValidators } from '../../src/spec/operations.js';
import type { MockEngine } from '../../src/store/machine/apply.js';
import { MockMachine } from '../../src/store/machine/mock-machine.js';
import { Engine } from '../../src/store/machine/engine.js';
import { MemoryLog } from '../../src/store/backends/memory.js';
import {
  LogConflictError,
  LogUnavailableError,
  SnapshotNeededError,
  type CommandLog,
  type LogEntry,
  type LogBackend,
  type LogHealth,
  type MemoryHealth,
  type Opened,
  type SnapshotResult,
} from '../../src/store/backends/types.js';
import { MockState, type StateConfig } from '../../src/store/machine/state.js';

let specs: { credits: SpecValidators; accounts: SpecValidators; control: SpecValidators } | undefined;
function compiled(): { credits: SpecValidators; accounts: SpecValidators; control: SpecValidators } {
  specs ??= {
    credits: compileOperations(loadSpec(CREDITS_SPEC_FILE), 'togai-credits'),
    accounts: compileOperations(loadSpec(ACCOUNTS_SPEC_FILE), 'togai-accounts'),
    control: compileOperations(loadSpec(CONTROL_SPEC_FILE), 'togai-mock-control'),
  };
  return specs;
}

export const CONFIG: StateConfig = {
  defaultCurrency: 'USD',
  strictAccounts: false,
  rateLimit: 0,
  realTime: () => Date.now(),
};

/** A MockMachine over a fresh state; `now` is the real time stamped on commands. */
export function machine(config: Partial<StateConfig> = {}, now?: () => number): MockMachine {
  const { credits, accounts, control } = compiled();
  return new MockMachine(new MockState({ ...CONFIG, ...config }), {
    validateSnapshot: () => control.schema('Snapshot'),
    checkCreditRequest: () => creditRequestCheck(credits.schema('CreditRequest')),
    checkFixture: () => fixtureCheck(accounts, control),
    ...(now ? { now } : {}),
  });
}

export function engineOn(
  log: CommandLog = new MemoryLog(),
  config: Partial<StateConfig> = {},
  now?: () => number,
): MockEngine {
  return new Engine(log, machine(config, now));
}

/** The whole state as text: what two engines that applied the same commands must agree on. */
export function stateText(engine: MockEngine): string {
  const s = engine.state;
  return JSON.stringify({
    tenants: s.tenants.snapshot(),
    faults: s.faults.toJSON(),
    rateLimit: s.rateLimitSet ?? null,
  });
}

/**
 * A log that keeps nothing, like the memory log (or keeps what `inner`
 * keeps, e.g. a file log), but appends asynchronously as a durable log does
 * (so the engine queues and batches), records every append, and can be told
 * to fail or hold the next ones.
 */
export class RecordingLog implements CommandLog {
  readonly shared = false;
  readonly appends: unknown[][] = [];

  constructor(private readonly inner: CommandLog = new MemoryLog()) {}

  get backend(): LogBackend {
    return this.inner.backend;
  }

  failNext = 0;
  /** While set, appends wait for it. */
  gate: Promise<void> | undefined;

  open(): Promise<Opened> {
    return this.inner.open();
  }

  async append(afterSeq: number, commands: unknown[], format?: number): Promise<number> {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new LogUnavailableError('state could not be saved to /nowhere/state.json.log: EIO: injected failure');
    }
    const seq = await this.inner.append(afterSeq, commands, format);
    this.appends.push(JSON.parse(JSON.stringify(commands)) as unknown[]);
    return seq;
  }

  readAfter(seq: number): Promise<LogEntry[]> {
    return this.inner.readAfter(seq);
  }

  wantsSnapshot(): boolean {
    return false;
  }

  writeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult> {
    return this.inner.writeSnapshot(seq, parts);
  }

  health(): Promise<LogHealth> {
    return this.inner.health();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * One log shared by several engines, as a Redis stream is by replicas:
 * appends compare-and-append on the last seq, reads return entries after a
 * seq. Each engine gets a handle (`handle()`) that says it is shared, so the
 * engine catches up before reads. Entries are kept as JSON text, as a
 * remote log would, with the format they were appended in.
 */
export class SharedLog {
  readonly entries: string[] = [];
  readonly formats: Array<number | undefined> = [];
  readAfterCalls = 0;
  /** While set, readAfter waits for it. */
  readGate: Promise<void> | undefined;
  snapshot: { seq: number; parts: unknown[] } | undefined;
  /** Entries up to this seq were dropped (compacted into `snapshot`). */
  trimmedTo = 0;

  handle(): CommandLog {
    // The handle's methods are an object literal's, with a `this` of their own.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const shared = this;
    return {
      // Reported as memory: it lives in this process, only the engine is told it is shared.
      backend: 'memory',
      shared: true,
      async open(): Promise<Opened> {
        const snapshotSeq = shared.snapshot?.seq ?? 0;
        return { snapshotSeq, snapshot: shared.snapshot?.parts, entries: shared.after(snapshotSeq) };
      },
      async append(afterSeq: number, commands: unknown[], format?: number): Promise<number> {
        await Promise.resolve();
        if (afterSeq !== shared.lastSeq)
          throw new LogConflictError(`append after ${afterSeq}, log ends at ${shared.lastSeq}`);
        shared.entries.push(JSON.stringify(commands));
        shared.formats.push(format);
        return shared.lastSeq;
      },
      async readAfter(seq: number): Promise<LogEntry[]> {
        shared.readAfterCalls++;
        const gate = shared.readGate;
        // What the log holds when the read reaches it, not when it is answered.
        if (seq < shared.trimmedTo) throw new SnapshotNeededError(`entries after ${seq} were compacted`);
        const entries = shared.after(seq);
        if (gate) await gate;
        return entries;
      },
      wantsSnapshot: () => false,
      async writeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult> {
        shared.snapshot = { seq, parts: JSON.parse(JSON.stringify(parts)) as unknown[] };
        return { written: true };
      },
      async health(): Promise<MemoryHealth> {
        return { backend: 'memory', connected: true, lastSeq: shared.lastSeq };
      },
      async close(): Promise<void> {},
    };
  }

  get lastSeq(): number {
    return this.entries.length;
  }

  after(seq: number): LogEntry[] {
    const out: LogEntry[] = [];
    for (let s = Math.max(seq, this.trimmedTo) + 1; s <= this.entries.length; s++) {
      const commands = JSON.parse(this.entries[s - 1]!) as unknown[];
      const format = this.formats[s - 1];
      out.push(format === undefined ? { seq: s, commands } : { seq: s, format, commands });
    }
    return out;
  }
}

export const grantOf = (tenant: string, accountId: string, extra: Record<string, unknown> = {}) => ({
  type: 'grant' as const,
  tenant,
  requests: [{ accountId, purpose: 'P', effectiveFrom: '2024-01-01', creditAmount: 100, priority: 1, ...extra }],
});
