// Micro-benchmark of the file log (src/store/backends/file/log.ts), not a test:
//   1. ways to append a ~300-byte line and fdatasync it, side by side (why
//      FileLog writes small lines synchronously and syncs in the thread pool),
//      with the worst event-loop delay each causes;
//   2. FileLog.append with one command per append, and batches of 10 and 100;
//   3. open() of a log of 100k entries, and of a snapshot of 1M small parts
//      (and the writeSnapshot that wrote it).
// Every number depends on the disk and on what else the machine is doing.
//
//   npx tsx bench/file-log.ts [--quick] [--dir=DIR] [--appends=N] [--log-entries=N] [--parts=N]

import * as fs from 'node:fs';
import { open as openHandle } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FileLog } from '../src/store/backends/file/log.js';

const flags = new Map(
  process.argv.slice(2).map((a) => {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1]!, m[2] ?? 'true'] as const;
  }),
);
const quick = flags.get('quick') === 'true';
const num = (k: string, d: number): number => (flags.has(k) ? Number(flags.get(k)) : d);
const APPENDS = num('appends', quick ? 200 : 1000);
const LOG_ENTRIES = num('log-entries', quick ? 10_000 : 100_000);
const PARTS = num('parts', quick ? 100_000 : 1_000_000);
const root = fs.mkdtempSync(join(flags.get('dir') ?? tmpdir(), 'togai-mock-bench-file-log-'));

/** A command of about 300 bytes once serialised, like a grant of one credit. */
function command(i: number): unknown {
  return {
    type: 'grant',
    tenant: 'shared',
    at: 1_714_000_000_000 + i,
    entropy: (i * 2654435761) >>> 0,
    credits: [
      {
        accountId: `ACC-${i % 1000}`,
        purpose: 'bench',
        effectiveFrom: '2024-01-01',
        effectiveUntil: '2999-12-31',
        creditAmount: 100 + (i % 50),
        priority: 1,
        idempotencyKey: `bench-${i}-${'k'.repeat(40)}`,
      },
    ],
  };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rows: string[][] = [];
function row(...cells: string[]): void {
  rows.push(cells);
  console.log(cells.join(' | '));
}

async function timed(
  label: string,
  n: number,
  perOp: string,
  run: () => Promise<void>,
  commandsPerOp = 1,
): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = process.hrtime.bigint();
  await run();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  delay.disable();
  row(
    label,
    `${fmt((n / ms) * 1000)} ${perOp}/s`,
    `${fmt((ms * 1000) / n)} µs per ${perOp}`,
    commandsPerOp > 1 ? `${fmt(((n * commandsPerOp) / ms) * 1000)} commands/s` : '',
    `event loop delay max ${fmt(delay.max / 1e6, 1)} ms`,
  );
}

function fresh(name: string): string {
  const p = join(root, name);
  fs.rmSync(p, { force: true });
  return p;
}

async function rawStrategies(): Promise<void> {
  console.log(
    `\n## 1. Appending a ${Buffer.byteLength(`${JSON.stringify({ seq: 1, commands: [command(1)] })}\n`)}-byte line + fdatasync, ${APPENDS} times\n`,
  );
  const line = Buffer.from(`${JSON.stringify({ seq: 1, commands: [command(1)] })}\n`);
  const cb = {
    write: (fd: number, pos: number) =>
      new Promise<void>((ok, ko) => fs.write(fd, line, 0, line.length, pos, (e) => (e ? ko(e) : ok()))),
    sync: (fd: number) => new Promise<void>((ok, ko) => fs.fdatasync(fd, (e) => (e ? ko(e) : ok()))),
  };
  {
    const fd = fs.openSync(fresh('sync'), 'w');
    await timed('writeSync + fdatasyncSync (blocks the event loop)', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) {
        fs.writeSync(fd, line, 0, line.length, pos);
        fs.fdatasyncSync(fd);
        // As a server would between requests: lets the delay monitor see how long each append held the loop.
        await new Promise(setImmediate);
      }
    });
    fs.closeSync(fd);
  }
  {
    const fd = fs.openSync(fresh('callbacks'), 'w');
    await timed('fs.write + fs.fdatasync (both in the thread pool)', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) {
        await cb.write(fd, pos);
        await cb.sync(fd);
      }
    });
    fs.closeSync(fd);
  }
  {
    const handle = await openHandle(fresh('handle'), 'w');
    await timed('FileHandle.write + datasync (fs.promises)', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) {
        await handle.write(line, 0, line.length, pos);
        await handle.datasync();
      }
    });
    await handle.close();
  }
  {
    const fd = fs.openSync(fresh('mixed'), 'w');
    await timed('writeSync + fs.fdatasync (what FileLog does)', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) {
        fs.writeSync(fd, line, 0, line.length, pos);
        await cb.sync(fd);
      }
    });
    fs.closeSync(fd);
  }
  {
    const fd = fs.openSync(fresh('nosync'), 'w');
    await timed('for scale: fs.write alone, no fsync', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) await cb.write(fd, pos);
    });
    fs.closeSync(fd);
  }
  {
    const fd = fs.openSync(fresh('nosync-sync'), 'w');
    await timed('for scale: writeSync alone, no fsync', APPENDS, 'append', async () => {
      for (let i = 0, pos = 0; i < APPENDS; i++, pos += line.length) {
        fs.writeSync(fd, line, 0, line.length, pos);
        await new Promise(setImmediate);
      }
    });
    fs.closeSync(fd);
  }
}

async function fileLogAppends(): Promise<void> {
  console.log(`\n## 2. FileLog.append (one fdatasync per append)\n`);
  for (const batch of [1, 10, 100]) {
    const path = fresh(`appends-${batch}.json`);
    const log = new FileLog(path);
    await log.open();
    const n = Math.max(20, Math.round(APPENDS / Math.sqrt(batch)));
    const batches = Array.from({ length: n }, (_, i) =>
      Array.from({ length: batch }, (_, j) => command(i * batch + j)),
    );
    let seq = 0;
    await timed(
      `${batch} command${batch > 1 ? 's' : ''} per append, ${n} appends`,
      n,
      'append',
      async () => {
        for (const b of batches) seq = await log.append(seq, b);
      },
      batch,
    );
    await log.close();
  }
}

async function opening(): Promise<void> {
  console.log(`\n## 3. Opening\n`);
  {
    const path = fresh('big-log.json');
    const out = fs.openSync(`${path}.log`, 'w');
    let chunk: string[] = [];
    for (let seq = 1; seq <= LOG_ENTRIES; seq++) {
      chunk.push(`${JSON.stringify({ seq, commands: [command(seq)] })}\n`);
      if (chunk.length === 10_000 || seq === LOG_ENTRIES) {
        fs.writeSync(out, chunk.join(''));
        chunk = [];
      }
    }
    fs.closeSync(out);
    const bytes = fs.statSync(`${path}.log`).size;
    const log = new FileLog(path);
    const t0 = performance.now();
    const opened = await log.open();
    const ms = performance.now() - t0;
    if (opened.entries.length !== LOG_ENTRIES) throw new Error('entries missing');
    row(
      `open(): log of ${fmt(LOG_ENTRIES)} entries (${fmt(bytes / 2 ** 20, 1)} MiB), no snapshot`,
      `${fmt(ms)} ms`,
      `${fmt((ms * 1000) / LOG_ENTRIES, 2)} µs per entry`,
      '',
      '',
    );
    await log.close();
  }
  {
    const path = fresh('big-snapshot.json');
    const parts = Array.from({ length: PARTS }, (_, i) => ({ id: `c-${i}`, a: i % 997, p: 1 }));
    const log = new FileLog(path);
    await log.open();
    await log.append(0, [command(0)]);
    const t0 = performance.now();
    await log.writeSnapshot(1, parts);
    const writeMs = performance.now() - t0;
    await log.close();
    const bytes = fs.statSync(path).size;
    row(
      `writeSnapshot(): ${fmt(PARTS)} parts (${fmt(bytes / 2 ** 20, 1)} MiB)`,
      `${fmt(writeMs)} ms`,
      `${fmt((writeMs * 1000) / PARTS, 2)} µs per part`,
      '',
      '',
    );
    const again = new FileLog(path);
    const t1 = performance.now();
    const opened = await again.open();
    const ms = performance.now() - t1;
    if (opened.snapshot?.length !== PARTS) throw new Error('parts missing');
    row(
      `open(): snapshot of ${fmt(PARTS)} parts`,
      `${fmt(ms)} ms`,
      `${fmt((ms * 1000) / PARTS, 2)} µs per part`,
      '',
      '',
    );
    await again.close();
  }
}

try {
  console.log(
    `# file log micro-benchmark — ${new Date().toISOString()}, node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, files in ${root}`,
  );
  await rawStrategies();
  await fileLogAppends();
  await opening();
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
