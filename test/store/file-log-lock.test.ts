// One process per state file: FileLog's lock file (<path>.lock). A live
// holder — another process, or this one — is refused with its pid and the
// lock's path; a lock its holder left behind (kill -9, a restarted container
// given the same pid, a reused pid, another host that stopped refreshing it)
// is taken over.

import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLog, LogLockedError } from '../../src/store/backends/file/log.js';
import { start } from '../ship/process.js';
import { commandsFor, tempDir } from './file-log-fixtures.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stateFile(): string {
  const t = tempDir('file-lock');
  cleanups.push(t.remove);
  return `${t.dir}/state.json`;
}

function fileLog(path: string): FileLog {
  const log = new FileLog(path);
  cleanups.push(() => log.close());
  return log;
}

const bootId = (): string | undefined => {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined;
  }
};

function writeLock(path: string, fields: Record<string, unknown>): void {
  writeFileSync(
    `${path}.lock`,
    JSON.stringify({ host: hostname(), token: 'abc', since: new Date().toISOString(), ...fields }),
  );
}

/**
 * The lock of `path` is now this process's own, newly written (not the token a test left there), and a second FileLog
 * on the file is refused: an open() that resolved without taking the lock fails here.
 */
async function expectHeldHere(path: string): Promise<void> {
  const lock = JSON.parse(readFileSync(`${path}.lock`, 'utf8')) as Record<string, unknown>;
  expect(lock, 'the lock names this process').toMatchObject({ pid: process.pid, host: hostname() });
  expect(lock.token, 'a new lock, not the one left behind').not.toBe('abc');
  await expect(fileLog(path).open()).rejects.toThrow(/already open in this process/);
}

describe('FileLog lock', () => {
  it('refuses a state file another live process has open, then takes it over once that process is killed', async () => {
    const path = stateFile();
    const child = start(process.execPath, ['--import', 'tsx', 'test/store/file-log-child.ts', 'hold', path]);
    await child.line(/^ready$/);
    const pid = child.proc.pid!;

    const err = await fileLog(path)
      .open()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogLockedError);
    expect((err as Error).message).toContain(`in use by process ${pid}`);
    expect((err as Error).message).toContain(`${path}.lock`);
    expect(readFileSync(`${path}.lock`, 'utf8'), 'the holder keeps its lock').toContain(`"pid":${pid}`);

    child.proc.kill('SIGKILL');
    await child.exited;
    const log = fileLog(path);
    expect((await log.open()).entries).toEqual([{ seq: 1, commands: commandsFor(1) }]);
    expect(readFileSync(`${path}.lock`, 'utf8')).toContain(`"pid":${process.pid}`);
    await expectHeldHere(path);
  });

  it('refuses a second FileLog on the same file in this process, and allows it after close', async () => {
    const path = stateFile();
    const first = fileLog(path);
    await first.open();
    await expect(fileLog(path).open()).rejects.toThrow(/already open in this process/);
    await first.close();
    await fileLog(path).open();
    await expectHeldHere(path);
  });

  it('takes over a lock left by a process that has exited', async () => {
    const path = stateFile();
    const child = start(process.execPath, ['-e', '']);
    await child.exited;
    writeLock(path, { pid: child.proc.pid });
    await fileLog(path).open();
    await expectHeldHere(path);
  });

  it('takes over a lock carrying its own pid (a restarted container is pid 1 again)', async () => {
    const path = stateFile();
    writeLock(path, { pid: process.pid });
    await fileLog(path).open();
    await expectHeldHere(path);
  });

  it('tells a running holder from a reused pid by its start time (Linux)', async () => {
    const path = stateFile();
    const boot = bootId();
    // The parent of this test process is running; a lock written by an earlier process with that pid says another start
    // time.
    writeLock(path, { pid: process.ppid, boot, started: '1' });
    if (boot !== undefined) {
      await fileLog(path).open();
      await expectHeldHere(path);
    } else {
      await expect(fileLog(path).open()).rejects.toBeInstanceOf(LogLockedError);
      expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')), 'the lock is left as it was').toMatchObject({
        pid: process.ppid,
        token: 'abc',
      });
    }

    const live = stateFile();
    writeLock(live, { pid: process.ppid });
    await expect(fileLog(live).open()).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));
    expect(JSON.parse(readFileSync(`${live}.lock`, 'utf8')), 'the live holder keeps its lock').toMatchObject({
      pid: process.ppid,
      token: 'abc',
    });
  });

  it('judges a lock from another host by how recently it was refreshed', async () => {
    const path = stateFile();
    writeLock(path, { pid: 1, host: 'elsewhere' });
    await expect(fileLog(path).open()).rejects.toThrow(/in use by process 1 on host elsewhere .*refreshed 0 s ago/);
    expect(JSON.parse(readFileSync(`${path}.lock`, 'utf8')), 'the other host keeps its lock').toMatchObject({
      pid: 1,
      host: 'elsewhere',
    });
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(`${path}.lock`, old, old);
    await fileLog(path).open();
    await expectHeldHere(path);
  });

  it('refuses a lock file it did not write, and takes over an empty one', async () => {
    const path = stateFile();
    writeFileSync(`${path}.lock`, 'someone else');
    await expect(fileLog(path).open()).rejects.toThrow(/not a togai-mock lock/);
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe('someone else');
    writeFileSync(`${path}.lock`, '');
    await fileLog(path).open();
    await expectHeldHere(path);
  });
});
