// A second process using a FileLog, for the tests that need one (run with
// `node --import tsx test/store/file-log-child.ts <mode> <path>`):
//   hold  opens the log, appends one entry, prints "ready", and keeps it open
//   run   appends entries in a loop (commandsFor(seq)), printing "ack <seq>" only
//         once append() has resolved, and whenever the log asks for a snapshot
//         writes partsFor(seq) in the background while the appends go on
//         (printing "compacting <seq>" before and "compacted <seq>" after).
// Killed with SIGKILL by the test; never exits by itself.

import { FileLog } from '../../src/store/backends/file/log.js';
import { commandsFor, partsFor } from './file-log-fixtures.js';

const [mode, path, every] = process.argv.slice(2);
if ((mode !== 'hold' && mode !== 'run') || !path) {
  process.stderr.write('usage: file-log-child.ts hold|run <path> [snapshotEveryEntries]\n');
  process.exit(2);
}

const log = new FileLog(path, { snapshotEveryEntries: Number(every ?? 25), snapshotRetryMs: 0 });
const opened = await log.open();
let seq = opened.entries.at(-1)?.seq ?? opened.snapshotSeq;
process.stdout.write(`opened ${seq}\n`);

if (mode === 'hold') {
  await log.append(seq, commandsFor(seq + 1));
  process.stdout.write('ready\n');
  setInterval(() => undefined, 60_000);
} else {
  for (;;) {
    seq = await log.append(seq, commandsFor(seq + 1));
    process.stdout.write(`ack ${seq}\n`);
    if (log.wantsSnapshot()) {
      const at = seq;
      process.stdout.write(`compacting ${at}\n`);
      log.writeSnapshot(at, partsFor(at)).then(
        (result) =>
          result.written
            ? process.stdout.write(`compacted ${at}\n`)
            : process.stderr.write(`snapshot not written: ${result.reason}\n`),
        (err: Error) => process.stderr.write(`snapshot failed: ${err.message}\n`),
      );
    }
  }
}
