// The lock that keeps two processes off one state file: `<path>.lock` holds
// who has it (pid, host, and on Linux the boot id and the process's start
// time, so a pid reused by another program is not mistaken for the holder).
//
// When is a lock left behind stale (a kill -9 leaves one)?
// - Same host and boot: when that pid no longer runs, or runs but started at
//   another time (a reused pid), or is our own pid while this process does
//   not hold it (a container restarted: the mock is pid 1 again).
// - Same host, another boot: always (nothing survives a reboot).
// - Another host (containers sharing a volume): a pid there cannot be checked,
//   so the holder touches the lock file every `refreshMs`; one not touched for
//   `staleMs` is stale.
// A live holder: LogLockedError naming the pid and the path.
//
// The lock is created whole with link() (atomic, fails if the name exists),
// so nobody ever reads a half-written one.

import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimes,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { codeOf } from './io.js';

/** open: another live process holds the state file. */
export class LogLockedError extends Error {
  override name = 'LogLockedError';
}

interface LockInfo {
  pid: number;
  host: string;
  boot?: string;
  /** Process start time in clock ticks since boot (Linux /proc/<pid>/stat field 22). */
  started?: string;
  token: string;
  since: string;
}

/** Locks held by this process, by lock path: a second FileLog on the same file is refused. */
const heldHere = new Set<string>();

export interface LockOptions {
  refreshMs: number;
  staleMs: number;
}

export class LockFile {
  private info: LockInfo | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly onExit = (): void => this.release();

  constructor(
    readonly path: string,
    /** The state file the lock guards, for messages. */
    private readonly target: string,
    private readonly options: LockOptions,
  ) {}

  get held(): boolean {
    return this.info !== undefined;
  }

  /** Takes the lock or throws LogLockedError (a live holder) or another error (cannot write the lock). */
  acquire(): void {
    if (this.info) return;
    if (heldHere.has(this.path)) {
      throw new LogLockedError(
        `state file ${this.target} is already open in this process (pid ${process.pid}, lock file ${this.path})`,
      );
    }
    const info: LockInfo = {
      pid: process.pid,
      host: hostname(),
      ...linuxIdentity(process.pid),
      token: randomBytes(8).toString('hex'),
      since: new Date().toISOString(),
    };
    const text = `${JSON.stringify(info)}\n`;
    // A few rounds: a stale lock removed here may be re-taken by a process starting at the same moment.
    for (let attempt = 0; attempt < 5; attempt++) {
      // Named like the state file's temporaries, so one left by a kill right here is dropped on the next open.
      const tmp = join(dirname(this.target), `.${basename(this.target)}.tmp-lock-${info.token}-${attempt}`);
      writeWhole(tmp, text);
      try {
        linkSync(tmp, this.path);
        this.info = info;
        heldHere.add(this.path);
        process.on('exit', this.onExit);
        this.timer = setInterval(() => this.refresh(), this.options.refreshMs);
        this.timer.unref();
        return;
      } catch (err) {
        if (codeOf(err) !== 'EEXIST') throw err;
      } finally {
        try {
          unlinkSync(tmp);
        } catch {
          // Gone already; nothing to clean.
        }
      }
      this.removeIfStale();
    }
    throw new LogLockedError(
      `state file ${this.target}: could not take the lock ${this.path} (other processes keep taking it)`,
    );
  }

  /** Lets go of the lock, if it is still ours. Safe to call twice. */
  release(): void {
    if (!this.info) return;
    const token = this.info.token;
    this.info = undefined;
    heldHere.delete(this.path);
    clearInterval(this.timer);
    process.off('exit', this.onExit);
    try {
      if (parseLock(readFileSync(this.path, 'utf8'))?.token === token) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }

  /** Another host judges our liveness by the lock file's mtime. */
  private refresh(): void {
    const now = new Date();
    utimes(this.path, now, now, () => undefined);
  }

  /** Removes the existing lock if its holder is gone; throws LogLockedError if it is alive. */
  private removeIfStale(): void {
    let text: string;
    let mtimeMs: number;
    try {
      text = readFileSync(this.path, 'utf8');
      mtimeMs = statSync(this.path).mtimeMs;
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return; // released meanwhile: try again
      throw err;
    }
    const other = parseLock(text);
    // Ours are written and fsynced before they get their name, so an empty one can only be
    // what a power loss left; anything else unreadable was not written by us: treat it as a
    // live holder rather than guess, and let the user decide.
    if (!other && text !== '') {
      throw new LogLockedError(
        `state file ${this.target} has a lock file ${this.path} that is not a togai-mock lock; if no togai-mock uses this state file, delete the lock file`,
      );
    }
    const why = other ? this.liveness(other, mtimeMs) : undefined;
    if (other && why !== undefined) {
      const where = other.host === hostname() ? '' : ` on host ${other.host}`;
      throw new LogLockedError(
        `state file ${this.target} is in use by process ${other.pid}${where} (lock file ${this.path}, ${why}). Stop that process or use another state file; if it is gone, delete the lock file.`,
      );
    }
    // Stale. Remove it only if it is still the one judged (not one another starter just made).
    try {
      if (readFileSync(this.path, 'utf8') === text) unlinkSync(this.path);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw err;
    }
  }

  /** Why the holder counts as alive, or undefined when the lock is stale. */
  private liveness(other: LockInfo, mtimeMs: number): string | undefined {
    if (other.host !== hostname()) {
      const age = Date.now() - mtimeMs;
      return age < this.options.staleMs
        ? `refreshed ${Math.round(age / 1000)} s ago; considered gone after ${Math.round(this.options.staleMs / 1000)} s without refresh`
        : undefined;
    }
    const mine = linuxIdentity(other.pid);
    if (other.boot && mine.boot && other.boot !== mine.boot) return undefined;
    // Our own pid, but not held by this process (checked in acquire): an earlier life of this pid.
    if (other.pid === process.pid) return undefined;
    try {
      process.kill(other.pid, 0);
    } catch (err) {
      if (codeOf(err) === 'ESRCH') return undefined;
      // EPERM: it exists, owned by someone else.
    }
    if (other.started && mine.started && other.started !== mine.started) return undefined;
    return 'that process is running';
  }
}

function writeWhole(path: string, text: string): void {
  const fd = openSync(path, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockInfo> | null;
    if (v && typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.token === 'string')
      return v as LockInfo;
  } catch {
    // Not ours.
  }
  return undefined;
}

/** Boot id and process start time on Linux (empty elsewhere, or when the pid does not exist). */
function linuxIdentity(pid: number): { boot?: string; started?: string } {
  if (process.platform !== 'linux') return {};
  const out: { boot?: string; started?: string } = {};
  try {
    out.boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    // Not mounted: fall back to the pid alone.
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const started = fields[19]; // field 22 overall
    if (started) out.started = started;
  } catch {
    // No such process, or no /proc.
  }
  return out;
}
