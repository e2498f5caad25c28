// The engine says what happened to a snapshot it offered, exactly once: a log's
// writeSnapshot only answers whether it wrote and why not (it never logs).
// Written: "snapshot written"; skipped by design: "snapshot not written" with
// the reason; failed: a warning with the reason, never "snapshot written".

import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/store/backends/memory.js';
import type { SnapshotResult } from '../../src/store/backends/types.js';
import type { StoreLogger } from '../../src/store/logger.js';
import { Engine } from '../../src/store/machine/engine.js';
import { grantOf, machine } from './engine-support.js';

/** A memory log that wants one snapshot and answers it with `result`. */
class SnapshottingLog extends MemoryLog {
  offered: number[] = [];
  /** Set once the engine started: the offer follows the first change. */
  armed = false;
  constructor(private readonly result: SnapshotResult) {
    super();
  }
  override wantsSnapshot(): boolean {
    return this.armed && this.offered.length === 0;
  }
  override async writeSnapshot(seq: number, _parts: unknown[]): Promise<SnapshotResult> {
    this.offered.push(seq);
    return this.result;
  }
}

function recording(): StoreLogger & { lines: Array<[string, string, Record<string, unknown> | undefined]> } {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  return {
    lines,
    info: (m, f) => void lines.push(['info', m, f]),
    warn: (m, f) => void lines.push(['warn', m, f]),
    error: (m, f) => void lines.push(['error', m, f]),
  };
}

async function offerOne(result: SnapshotResult): Promise<ReturnType<typeof recording>['lines']> {
  const log = new SnapshottingLog(result);
  const logger = recording();
  const engine = new Engine(log, machine(), logger);
  await engine.start();
  log.armed = true;
  await engine.execute(grantOf('t1', 'A'));
  await engine.flush();
  expect(log.offered).toEqual([1]);
  return logger.lines;
}

describe('the engine logs what became of a snapshot', () => {
  it('written', async () => {
    const lines = await offerOne({ written: true, bytes: 1234 });
    expect(lines).toEqual([['info', 'snapshot written', expect.objectContaining({ seq: 1, parts: 3, bytes: 1234 })]]);
  });

  it('skipped by design: not written, with the reason', async () => {
    const lines = await offerOne({ written: false, failed: false, reason: 'another replica is writing one' });
    expect(lines).toEqual([['info', 'snapshot not written', { seq: 1, reason: 'another replica is writing one' }]]);
  });

  it('failed: a warning with the reason, and no "snapshot written"', async () => {
    const lines = await offerOne({ written: false, failed: true, reason: 'EIO: the disk said no' });
    expect(lines).toEqual([
      ['warn', 'writing a snapshot failed; the log keeps every change', { seq: 1, reason: 'EIO: the disk said no' }],
    ]);
  });
});
