// The state file (TOGAI_MOCK_STATE_FILE): loaded at start-up, saved after
// every change, so a restarted mock carries on where it stopped.
//
// Durability: a change is answered only after a save that includes it has
// reached the disk (the server holds the response until then: see
// durableResponses in server.ts). Saves are coalesced: while one is being written, every change
// that comes in waits for the next one, which takes a fresh snapshot — so
// there is never more than one write in flight, and a burst of requests
// costs a few writes, not one each.
//
// Atomicity: each save writes a temporary file next to the target, fsyncs
// it, renames it over the target and fsyncs the directory. A crash at any
// point leaves either the previous complete file or the new complete one.
//
// A file that cannot be loaded (not JSON, not a snapshot, another format
// version) stops the start with a message saying why, and is never written
// over: the user decides what to do with it.

import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import { MockError } from '../domain/errors.js';
import { checkSnapshot, takeSnapshot } from './snapshot.js';
import type { MemoryStore } from './store.js';

export class StateFileError extends Error {
  override name = 'StateFileError';
}

export type LoadOutcome = 'loaded' | 'missing';

export class StateFile {
  /** Bumped by every change that must reach the disk. */
  private wanted = 0;
  /** The highest change number known to be on disk. */
  private saved = 0;
  private running: Promise<void> | undefined;
  private waiters: Array<{ upTo: number; resolve: () => void }> = [];
  /** Text last written, so a request that changed nothing costs no write. */
  private lastText: string | undefined;
  private tmpCounter = 0;

  constructor(
    readonly path: string,
    private readonly store: MemoryStore,
    private readonly validate: ValidateFunction,
    private readonly logger: Logger,
  ) {}

  /** Loads the file into the store. Missing: nothing to load. Unusable: StateFileError. */
  load(): LoadOutcome {
    // A temporary file left by a kill mid-save was never acknowledged to anyone: drop it.
    this.removeStaleTemporaries();
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw new StateFileError(`cannot read state file ${this.path}: ${(err as Error).message}`);
    }
    const refuse = (why: string): StateFileError =>
      new StateFileError(
        `state file ${this.path} cannot be loaded: ${why}. It was left untouched; fix it, move it away, or point TOGAI_MOCK_STATE_FILE elsewhere.`,
      );
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw refuse(text.trim() === '' ? 'the file is empty' : `it is not valid JSON (${(err as Error).message})`);
    }
    try {
      const snap = checkSnapshot(doc, this.validate);
      this.store.restore(snap.tenants);
    } catch (err) {
      if (err instanceof MockError) throw refuse(err.message);
      throw err;
    }
    this.lastText = text;
    return 'loaded';
  }

  /** Saves now, and throws when that fails (for the start, where a broken path must stop it). */
  async saveNow(): Promise<void> {
    const text = `${JSON.stringify(takeSnapshot(this.store), null, 2)}\n`;
    try {
      await this.writeAtomically(text);
    } catch (err) {
      throw new StateFileError(`cannot write state file ${this.path}: ${(err as Error).message}`);
    }
    this.lastText = text;
  }

  /** Resolves once the store as it is now is on disk (or the save failed and was logged). */
  commit(): Promise<void> {
    const upTo = ++this.wanted;
    const done = new Promise<void>((resolve) => this.waiters.push({ upTo, resolve }));
    this.kick();
    return done;
  }

  /** Waits for every change so far to be on disk. */
  flush(): Promise<void> {
    return this.saved >= this.wanted && !this.running ? Promise.resolve() : this.commit();
  }

  private kick(): void {
    if (this.running) return;
    this.running = (async () => {
      while (this.saved < this.wanted) {
        // The snapshot is taken synchronously: it holds every change numbered up to `target`.
        const target = this.wanted;
        try {
          const text = `${JSON.stringify(takeSnapshot(this.store), null, 2)}\n`;
          if (!sameExceptSavedAt(text, this.lastText)) {
            await this.writeAtomically(text);
            this.lastText = text;
          }
        } catch (err) {
          // The mock keeps serving; the log says the file is behind.
          this.logger.error({ err, stateFile: this.path }, 'saving the state file failed');
        }
        this.saved = target;
        const ready = this.waiters.filter((w) => w.upTo <= target);
        this.waiters = this.waiters.filter((w) => w.upTo > target);
        for (const w of ready) w.resolve();
      }
    })().finally(() => {
      this.running = undefined;
      if (this.saved < this.wanted) this.kick();
    });
  }

  private async writeAtomically(text: string): Promise<void> {
    const tmp = join(dirname(this.path), `.${basename(this.path)}.tmp-${process.pid}-${++this.tmpCounter}`);
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } catch (err) {
      await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await handle.close();
    try {
      await rename(tmp, this.path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    syncDirectory(dirname(this.path));
  }

  /** Temporary files left by a process that was killed mid-save. */
  private removeStaleTemporaries(): void {
    const prefix = `.${basename(this.path)}.tmp-`;
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      try {
        unlinkSync(join(dirname(this.path), name));
      } catch {
        // Not ours to worry about: it will be tried again next start.
      }
    }
  }
}

/** The rename is durable only once the directory entry is; not every platform allows this. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Two snapshots that differ only in savedAt hold the same state. */
function sameExceptSavedAt(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  const strip = (s: string): string => s.replace(/\n {2}"savedAt": "[^"]*",/, '');
  return strip(a) === strip(b);
}
