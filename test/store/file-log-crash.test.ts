// FileLog under kill -9: a child process appends in a loop and compacts in
// the background every 25 entries, and is killed with SIGKILL, then the next
// round carries on from what is on disk. Every other round kills after a
// seeded random number of acknowledged appends; the others right after a
// compaction starts, plus 0-5 acknowledged appends (a compaction takes a few
// fsyncs, so this lands in its different steps). At least one kill must land
// while a compaction is under way: when none of those did (a fast disk can
// finish one before the kill), up to MAX_EXTRA more rounds kill as soon as a
// compaction starts, until one lands. After every kill, a fresh
// open() must:
// - succeed (the lock left behind is stale; the pair of files loads together);
// - return every entry the child printed as acknowledged, each exactly as
//   appended, contiguous after the snapshot (an unacknowledged last entry may
//   or may not be there);
// - find the snapshot exactly as written at its seq;
// - leave no temporary file behind.
// FILE_LOG_CRASH_ROUNDS sets the number of rounds (default 5).

import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLog } from '../../src/store/backends/file/log.js';
import { FUZZ_SEED } from '../fuzz/config.js';
import { start } from '../ship/process.js';
import { commandsFor, partsFor, tempDir } from './file-log-fixtures.js';

const ROUNDS = Number(process.env.FILE_LOG_CRASH_ROUNDS ?? 5);
const MAX_EXTRA = 10;
const t = tempDir('file-log-crash');
afterAll(t.remove);
const path = `${t.dir}/state.json`;

describe('FileLog under kill -9', () => {
  it(
    `keeps every acknowledged entry and always loads, over ${ROUNDS} kills`,
    { timeout: 60_000 + (ROUNDS + MAX_EXTRA) * 30_000 },
    async () => {
      const killAfter = fc.sample(fc.integer({ min: 1, max: 300 }), { numRuns: ROUNDS, seed: FUZZ_SEED });
      const afterCompactionStarts = fc.sample(fc.integer({ min: 0, max: 5 }), { numRuns: ROUNDS, seed: FUZZ_SEED + 1 });
      let acknowledged = 0;
      let midCompaction = 0;
      /** One child run, killed `afterAcks` acknowledged appends after it opened, or after a compaction starts. */
      const round = async (kill: { afterAcks: number } | { afterCompactionStarts: number }): Promise<void> => {
        const child = start(process.execPath, ['--import', 'tsx', 'test/store/file-log-child.ts', 'run', path, '25']);
        const opened = Number(/^opened (\d+)$/.exec(await child.line(/^opened \d+$/))![1]);
        expect(opened, 'the child starts where the last round left off').toBeGreaterThanOrEqual(acknowledged);
        let target: number;
        if ('afterAcks' in kill) {
          target = opened + kill.afterAcks;
        } else {
          const compacting = await child.line((l) => l.startsWith('compacting ') && Number(l.slice(11)) > opened);
          target = Number(compacting.slice(11)) + kill.afterCompactionStarts;
        }
        await child.line((l) => l.startsWith('ack ') && Number(l.slice(4)) >= target);
        child.proc.kill('SIGKILL');
        expect(await child.exited).toBe('SIGKILL');

        const acks = child.stdout.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4)));
        acknowledged = Math.max(acknowledged, ...acks);
        const started = child.stdout.filter((l) => l.startsWith('compacting ')).length;
        const ended = child.stdout.filter((l) => l.startsWith('compacted ')).length;
        if (started > ended) midCompaction++;
        expect(
          child.stderr.filter((l) => l.includes('snapshot failed')),
          'compactions in the child failed',
        ).toEqual([]);

        const log = new FileLog(path);
        const state = await log.open();
        try {
          const { snapshotSeq, snapshot, entries } = state;
          if (snapshotSeq === 0) expect(snapshot).toBeUndefined();
          else expect(snapshot, `snapshot at seq ${snapshotSeq}`).toEqual(partsFor(snapshotSeq));
          const seqs = entries.map((e) => e.seq);
          expect(seqs, 'entries continue the snapshot without a gap').toEqual(seqs.map((_, i) => snapshotSeq + 1 + i));
          for (const e of entries) expect(e.commands, `entry ${e.seq}`).toEqual(commandsFor(e.seq));
          const last = seqs.at(-1) ?? snapshotSeq;
          expect(last, `acknowledged up to ${acknowledged}`).toBeGreaterThanOrEqual(acknowledged);
          expect(last, 'at most the one append in flight beyond the last acknowledgement').toBeLessThanOrEqual(
            Math.max(...acks) + 1,
          );
          expect(
            readdirSync(t.dir).filter((n) => n.includes('.tmp-')),
            'temporaries dropped on open',
          ).toEqual([]);
          acknowledged = last; // an unacknowledged entry now on disk is part of the history
        } finally {
          await log.close();
        }
      };
      for (let i = 0; i < ROUNDS; i++) {
        await round(i % 2 === 1 ? { afterCompactionStarts: afterCompactionStarts[i]! } : { afterAcks: killAfter[i]! });
      }
      let extra = 0;
      for (; midCompaction === 0 && extra < MAX_EXTRA; extra++) await round({ afterCompactionStarts: 0 });
      expect(
        midCompaction,
        `kills that landed while a compaction was under way (${ROUNDS + extra} kills)`,
      ).toBeGreaterThanOrEqual(1);
      console.log(
        `file log crash test: ${ROUNDS + extra} kills, ${midCompaction} of them mid-compaction, ${acknowledged} entries`,
      );
    },
  );
});
