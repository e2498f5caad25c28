// FileLog (TOGAI_MOCK_STATE_FILE): a snapshot file plus an append-only log of
// JSON lines. What is appended comes back after a reopen; today's state files
// still load; a torn last line is dropped and the log carries on; anything
// else unreadable is refused with the file and line named and left byte for
// byte as it was; compaction keeps every entry.

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLog, type FileLogOptions } from '../../src/store/backends/file/log.js';
import {
  LogConflictError,
  LogCorruptError,
  LogUnavailableError,
  SnapshotNeededError,
} from '../../src/store/backends/types.js';
import { commandsFor, tempDir } from './file-log-fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(options: FileLogOptions = {}): { path: string; dir: string; make: (o?: FileLogOptions) => FileLog } {
  const t = tempDir('file-log');
  cleanups.push(t.remove);
  const path = `${t.dir}/state.json`;
  const make = (o: FileLogOptions = options): FileLog => {
    const log = new FileLog(path, o);
    cleanups.push(() => log.close());
    return log;
  };
  return { path, dir: t.dir, make };
}

async function appendMany(log: FileLog, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to; seq++) expect(await log.append(seq - 1, commandsFor(seq))).toBe(seq);
}

const expected = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ seq: from + i, commands: commandsFor(from + i) }));

describe('FileLog: appending and reopening', () => {
  it('starts empty, keeps every append across a reopen, and continues the numbering', async () => {
    const { path, make } = setup();
    const log = make();
    expect(await log.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [] });
    await appendMany(log, 1, 5);
    expect((await log.health()).lastSeq).toBe(5);
    expect(await log.readAfter(2)).toEqual(expected(3, 5));
    await log.close();
    expect(existsSync(`${path}.lock`), 'lock released on close').toBe(false);

    const again = make();
    expect(await again.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: expected(1, 5) });
    expect(await again.append(5, commandsFor(6))).toBe(6);
    const lines = readFileSync(`${path}.log`, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l))).toEqual(expected(1, 6));
  });

  it('refuses an append that does not continue the last seq, and writes nothing for it', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 2);
    const before = readFileSync(`${path}.log`);
    await expect(log.append(1, [{ type: 'late' }])).rejects.toBeInstanceOf(LogConflictError);
    await expect(log.append(3, [{ type: 'ahead' }])).rejects.toThrow(/ends at seq 2/);
    expect(readFileSync(`${path}.log`)).toEqual(before);
    expect(await log.append(2, commandsFor(3))).toBe(3);
  });

  it('keeps commands exactly, including unicode and characters JSON must escape', async () => {
    const { make } = setup();
    const log = make();
    await log.open();
    const odd = [{ text: 'line\nbreak "quoted" \u2028 ünïcødé 🙂', n: -0.5, nested: { list: [null, true, 1e21] } }];
    await log.append(0, odd);
    await log.close();
    const again = make();
    expect((await again.open()).entries).toEqual([{ seq: 1, commands: JSON.parse(JSON.stringify(odd)) }]);
  });

  it('keeps byte offsets right with multi-byte characters and lines longer than a read chunk (torn tail, compaction)', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    const big = (seq: number) => [{ seq, text: `€${'ü'.repeat(700_000)}🙂`, more: 'x'.repeat(seq) }]; // ~1.4 MB a line
    const small = (seq: number) => [{ seq, text: 'ø∂ƒ' }];
    const commands = (seq: number) => (seq % 2 ? big(seq) : small(seq));
    for (let seq = 1; seq <= 6; seq++) await log.append(seq - 1, commands(seq));
    await log.close();
    const good = readFileSync(`${path}.log`);
    writeFileSync(`${path}.log`, Buffer.concat([good, Buffer.from(`{"seq":7,"commands":[{"t":"€€`)]));

    const again = make();
    const all = Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, commands: commands(i + 1) }));
    expect((await again.open()).entries).toEqual(all);
    expect(readFileSync(`${path}.log`).equals(good), 'cut back to the exact byte').toBe(true);
    await again.writeSnapshot(3, [{ at: 3 }]);
    expect(await again.readAfter(3)).toEqual(all.slice(3));
    await again.append(6, commands(7));
    await again.close();
    expect(await make().open()).toEqual({
      snapshotSeq: 3,
      snapshot: [{ at: 3 }],
      entries: [...all.slice(3), { seq: 7, commands: commands(7) }],
    });
  });

  it('answers appends in call order when many are queued at once', async () => {
    const { make } = setup();
    const log = make();
    await log.open();
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(i, commandsFor(i + 1))));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await log.close();
    expect((await make().open()).entries).toEqual(expected(1, 50));
  });

  it('removes temporaries left by an interrupted save when it opens', async () => {
    const { dir, path, make } = setup();
    writeFileSync(`${dir}/.state.json.tmp-999-1`, '{"half":');
    writeFileSync(`${dir}/.state.json.tmp-999-2.log`, '{"seq":1');
    const log = make();
    await log.open();
    await log.append(0, []);
    expect(readdirSync(dir).sort()).toEqual(['state.json.lock', 'state.json.log']);
    await log.close();
    expect(existsSync(path)).toBe(false);
  });

  it('closes after pending appends finish and refuses appends afterwards', async () => {
    const { make } = setup();
    const log = make();
    await log.open();
    const pending = [log.append(0, commandsFor(1)), log.append(1, commandsFor(2))];
    await log.close();
    expect(await Promise.all(pending)).toEqual([1, 2]);
    await expect(log.append(2, [])).rejects.toBeInstanceOf(LogUnavailableError);
    expect((await make().open()).entries).toEqual(expected(1, 2));
  });
});

describe('FileLog: state files written by earlier versions', () => {
  const v1 = {
    formatVersion: 1,
    savedAt: '2024-05-01T00:00:00.000Z',
    tenants: [{ key: 'shared', clock: { frozenAt: null }, ledger: { accounts: [], credits: [] } }],
  };

  it('loads a pretty-printed v1 state file as the only snapshot part, at seq 0, and logs after it', async () => {
    const { path, make } = setup();
    const text = `${JSON.stringify(v1, null, 2)}\n`;
    writeFileSync(path, text);
    const log = make();
    expect(await log.open()).toEqual({ snapshotSeq: 0, snapshot: [v1], entries: [] });
    await appendMany(log, 1, 2);
    await log.close();
    expect(readFileSync(path, 'utf8'), 'the v1 file is not rewritten by appends').toBe(text);
    expect(await make().open()).toEqual({ snapshotSeq: 0, snapshot: [v1], entries: expected(1, 2) });
  });

  it('loads a v1 state file written on one line', async () => {
    const { path, make } = setup();
    writeFileSync(path, JSON.stringify(v1));
    expect(await make().open()).toEqual({ snapshotSeq: 0, snapshot: [v1], entries: [] });
  });

  it('refuses an empty or non-JSON state file and leaves it as it was', async () => {
    for (const [content, why] of [
      ['', /state file .*state\.json cannot be loaded: the file is empty/],
      ['{"formatVersion": 1, "tenants": [', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
    ] as const) {
      const { path, make } = setup();
      writeFileSync(path, content);
      await expect(make().open()).rejects.toThrow(why);
      await expect(make().open()).rejects.toBeInstanceOf(LogCorruptError);
      expect(readFileSync(path, 'utf8')).toBe(content);
      expect(existsSync(`${path}.log`), 'no log created beside a refused file').toBe(false);
      expect(existsSync(`${path}.lock`), 'lock released after a refusal').toBe(false);
    }
  });
});

describe('FileLog: a torn last line', () => {
  // Each form ends a log of five good entries.
  const forms: Array<[string, (good: string) => string]> = [
    ['half of a line', (good) => good + JSON.stringify({ seq: 6, commands: commandsFor(6) }).slice(0, 40)],
    ['a whole line without its newline', (good) => good + JSON.stringify({ seq: 6, commands: commandsFor(6) })],
    ['zero bytes, as a crash can leave after the last write', (good) => good + '\0'.repeat(300)],
    ['garbage bytes ending in a newline', (good) => `${good}\u0007\u00ff#garbage{{\n`],
    ['the newline of a line half written over a page boundary', (good) => `${good}{"seq":6,"comm\n`],
  ];

  for (const [name, tear] of forms) {
    it(`drops ${name}, cuts it off the file, and appends after the last good entry`, async () => {
      const { path, make } = setup();
      const first = make();
      await first.open();
      await appendMany(first, 1, 5);
      await first.close();
      const good = readFileSync(`${path}.log`, 'utf8');
      writeFileSync(`${path}.log`, tear(good));

      const log = make();
      expect((await log.open()).entries).toEqual(expected(1, 5));
      expect(readFileSync(`${path}.log`, 'utf8'), 'torn tail cut off on open').toBe(good);
      expect(await log.append(5, commandsFor(6))).toBe(6);
      await log.close();
      expect((await make().open()).entries).toEqual(expected(1, 6));
    });
  }

  it('drops a torn first line of an otherwise empty log', async () => {
    const { path, make } = setup();
    writeFileSync(`${path}.log`, '{"seq":1,"comma');
    const log = make();
    expect(await log.open()).toEqual({ snapshotSeq: 0, snapshot: undefined, entries: [] });
    expect(statSync(`${path}.log`).size).toBe(0);
    expect(await log.append(0, commandsFor(1))).toBe(1);
  });
});

describe('FileLog: refuses what it cannot read, and touches nothing', () => {
  async function written(
    count: number,
  ): Promise<{ path: string; make: (o?: FileLogOptions) => FileLog; lines: string[] }> {
    const s = setup();
    const log = s.make();
    await log.open();
    await appendMany(log, 1, count);
    await log.close();
    return { ...s, lines: readFileSync(`${s.path}.log`, 'utf8').split('\n').slice(0, -1) };
  }

  async function refused(path: string, make: () => FileLog, content: string, message: RegExp): Promise<void> {
    writeFileSync(`${path}.log`, content);
    const snapshotBefore = existsSync(path) ? readFileSync(path) : undefined;
    const err = await make()
      .open()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(LogCorruptError);
    expect((err as Error).message).toMatch(message);
    expect(readFileSync(`${path}.log`, 'utf8'), 'log left byte for byte').toBe(content);
    expect(existsSync(path) ? readFileSync(path) : undefined, 'snapshot left as it was').toEqual(snapshotBefore);
    expect(existsSync(`${path}.lock`), 'lock released after a refusal').toBe(false);
  }

  it('a bad line in the middle, naming the file and the line', async () => {
    const { path, make, lines } = await written(4);
    lines[1] = lines[1]!.slice(0, 30);
    await refused(
      path,
      make,
      `${lines.join('\n')}\n`,
      /state log \S+state\.json\.log cannot be loaded: line 2: not valid JSON/,
    );
  });

  it('a bad line in the middle even when the last line is torn too', async () => {
    const { path, make, lines } = await written(4);
    lines[2] = 'garbage';
    await refused(path, make, `${lines.join('\n')}\n{"seq":5,"com`, /line 3: not valid JSON/);
  });

  it('a last line that is JSON but not an entry (not something a crash leaves)', async () => {
    const { path, make, lines } = await written(3);
    await refused(path, make, `${lines.join('\n')}\n{"hello":"world"}\n`, /line 4: not a log entry/);
  });

  it('a seq that skips', async () => {
    const { path, make, lines } = await written(4);
    lines.splice(2, 1);
    await refused(path, make, `${lines.join('\n')}\n`, /line 3: seq 4 follows seq 2/);
  });

  it('a seq that repeats', async () => {
    const { path, make, lines } = await written(3);
    await refused(path, make, `${[...lines, lines[2]].join('\n')}\n`, /line 4: seq 3 follows seq 3/);
  });

  it('a log that does not start at seq 1 when there is no snapshot', async () => {
    const { path, make, lines } = await written(4);
    await refused(
      path,
      make,
      `${lines.slice(2).join('\n')}\n`,
      /line 1: the log starts at seq 3 but the snapshot \S+ covers only up to seq 0/,
    );
  });

  it('a snapshot whose parts are cut short or broken, naming the state file and the line', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 3);
    await log.writeSnapshot(3, [{ a: 1 }, { b: 2 }, { c: 3 }]);
    await log.close();
    const good = readFileSync(path, 'utf8');
    const lines = good.split('\n');
    for (const [content, message] of [
      [
        lines.slice(0, 3).join('\n') + '\n',
        /state file \S+state\.json cannot be loaded: it holds 2 parts but its first line announces 3/,
      ],
      [
        [lines[0], lines[1], '{"b":', lines[3], ''].join('\n'),
        /state file \S+ cannot be loaded: line 3 is not valid JSON/,
      ],
      [good.slice(0, -1), /line 4 is cut short/],
      [good.replace('"togaiMockSnapshot":1', '"togaiMockSnapshot":7'), /layout 7; this togai-mock reads layout 1/],
    ] as const) {
      writeFileSync(path, content);
      const logBefore = readFileSync(`${path}.log`);
      await expect(make().open()).rejects.toThrow(message);
      expect(readFileSync(path, 'utf8')).toBe(content);
      expect(readFileSync(`${path}.log`)).toEqual(logBefore);
    }
  });
});

describe('FileLog: snapshots and compaction', () => {
  it('offers a snapshot after the configured number of entries or bytes', async () => {
    const byCount = setup().make({ snapshotEveryEntries: 3, snapshotEveryBytes: 1e9 });
    await byCount.open();
    await appendMany(byCount, 1, 2);
    expect(byCount.wantsSnapshot()).toBe(false);
    await appendMany(byCount, 3, 3);
    expect(byCount.wantsSnapshot()).toBe(true);
    await byCount.writeSnapshot(3, [{ at: 3 }]);
    expect(byCount.wantsSnapshot()).toBe(false);

    const bySize = setup().make({ snapshotEveryEntries: 1e9, snapshotEveryBytes: 1000 });
    await bySize.open();
    let seq = 0;
    while (!bySize.wantsSnapshot()) await appendMany(bySize, ++seq, seq);
    const health = await bySize.health();
    expect(health.detail!.logBytes as number).toBeGreaterThanOrEqual(1000);
    expect(health.detail!.logBytes as number).toBeLessThan(1000 + 400);
  });

  it('keeps everything, drops covered entries from the log, and reopens equal', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 20);
    const parts = [{ formatVersion: 2, seq: 12 }, ...Array.from({ length: 2000 }, (_, i) => ({ part: i }))];
    await log.writeSnapshot(12, parts);
    expect(await log.readAfter(12)).toEqual(expected(13, 20));
    await expect(log.readAfter(5)).rejects.toBeInstanceOf(SnapshotNeededError);
    const logLines = readFileSync(`${path}.log`, 'utf8').split('\n').slice(0, -1);
    expect(logLines.map((l) => JSON.parse(l).seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    await appendMany(log, 21, 22);
    await log.close();
    expect(await make().open()).toEqual({ snapshotSeq: 12, snapshot: parts, entries: expected(13, 22) });
  });

  it('never loses an append made while the snapshot is being written', async () => {
    const { make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 10);
    // Large enough that appends interleave with the snapshot's writes.
    const parts = Array.from({ length: 50_000 }, (_, i) => ({ i, pad: 'z'.repeat(50) }));
    const snapshot = log.writeSnapshot(10, parts);
    let seq = 10;
    let during = 0;
    let compacting = true;
    void snapshot.finally(() => (compacting = false));
    while (compacting || seq < 60) {
      await appendMany(log, ++seq, seq);
      if (compacting) during++;
    }
    await snapshot;
    expect(during, 'some appends happened during compaction').toBeGreaterThan(0);
    await log.close();
    const opened = await make().open();
    expect(opened.snapshotSeq).toBe(10);
    expect(opened.snapshot).toHaveLength(50_000);
    expect(opened.entries).toEqual(expected(11, seq));
  });

  it('upgrades a v1 state file to the parts layout at its first snapshot', async () => {
    const { path, make } = setup();
    writeFileSync(path, JSON.stringify({ formatVersion: 1, tenants: [] }, null, 2));
    const log = make();
    await log.open();
    await appendMany(log, 1, 3);
    await log.writeSnapshot(2, [{ formatVersion: 2, seq: 2 }]);
    await log.close();
    expect(readFileSync(path, 'utf8')).toBe('{"togaiMockSnapshot":1,"seq":2,"parts":1}\n{"formatVersion":2,"seq":2}\n');
    expect(await make().open()).toEqual({
      snapshotSeq: 2,
      snapshot: [{ formatVersion: 2, seq: 2 }],
      entries: expected(3, 3),
    });
  });

  it('skips log entries the snapshot already covers (a crash between the two renames)', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 6);
    await log.close();
    writeFileSync(path, '{"togaiMockSnapshot":1,"seq":4,"parts":1}\n{"at":4}\n');
    expect(await make().open()).toEqual({ snapshotSeq: 4, snapshot: [{ at: 4 }], entries: expected(5, 6) });
  });

  it('refuses a snapshot that is ahead of the whole log', async () => {
    const { path, make } = setup();
    const log = make();
    await log.open();
    await appendMany(log, 1, 3);
    await log.close();
    writeFileSync(path, '{"togaiMockSnapshot":1,"seq":9,"parts":0}\n');
    await expect(make().open()).rejects.toThrow(/its seq 9 is past the end of the log \S+ \(seq 3\)/);
  });

  it('refuses a snapshot at a seq not yet appended', async () => {
    const log = setup().make();
    await log.open();
    await appendMany(log, 1, 2);
    await expect(log.writeSnapshot(3, [])).rejects.toThrow(/past the log's end/);
  });
});
