// MemoryLog: the log of a mock that keeps nothing. It stores no entry but
// keeps the same append contract as the durable logs.

import { describe, expect, it } from 'vitest';
import { MemoryLog } from '../../src/store/backends/memory.js';
import { LogConflictError } from '../../src/store/backends/types.js';

describe('MemoryLog', () => {
  it('opens empty, numbers appends in order, returns nothing to read back', async () => {
    const log = new MemoryLog();
    expect(await log.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [] });
    expect(await log.append(0, [{ type: 'a' }])).toBe(1);
    expect(await log.append(1, [{ type: 'b' }, { type: 'c' }])).toBe(2);
    expect(await log.readAfter(0)).toEqual([]);
    expect(log.wantsSnapshot()).toBe(false);
    await log.writeSnapshot(2, [{}]);
    expect(await log.health()).toEqual({ backend: 'memory', connected: true, lastSeq: 2 });
    await log.close();
  });

  it('refuses an append that does not continue the last seq', async () => {
    const log = new MemoryLog();
    await log.open();
    await log.append(0, []);
    await expect(log.append(0, [])).rejects.toBeInstanceOf(LogConflictError);
    await expect(log.append(5, [])).rejects.toBeInstanceOf(LogConflictError);
    expect(await log.append(1, [])).toBe(2);
  });
});
