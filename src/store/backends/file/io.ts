// The file operations the file log is built from, behind one small interface
// so a test can make any of them fail the way a broken or full disk does
// (tests run as root, which ignores permissions, so a read-only directory
// cannot stand in for one). Also the helpers shared by the log and its
// snapshot file: writing a whole buffer, copying a byte range, reading a
// file line by line in chunks (a 1M-credit snapshot is never one string).

import * as fs from 'node:fs';

export interface FileLogIo {
  open(path: string, flags: number, mode?: number): Promise<number>;
  /** Writes at `position`; may write fewer bytes than asked (see writeAll). */
  write(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  read(fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Data and the size needed to read it back are on the disk once resolved. */
  datasync(fd: number): Promise<void>;
  truncate(fd: number, length: number): Promise<void>;
  close(fd: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes the directory's entries (a rename, a new file) durable. */
  syncDir(dir: string): Promise<void>;
}

/** Below this a write goes straight to the page cache (microseconds) instead of through the thread pool. */
const SYNC_WRITE_MAX = 64 * 1024;

const done =
  (resolve: () => void, reject: (err: Error) => void) =>
  (err: Error | null): void =>
    err ? reject(err) : resolve();

export const nodeIo: FileLogIo = {
  open: (path, flags, mode = 0o600) =>
    new Promise((resolve, reject) => fs.open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd)))),
  write: (fd, buf, offset, length, position) => {
    // A small write only copies into the page cache; the fsync that follows is
    // what takes time, and that one runs in the thread pool (measured in
    // bench/file-log.ts: the thread-pool hop costs more than the copy).
    if (length <= SYNC_WRITE_MAX) {
      try {
        return Promise.resolve(fs.writeSync(fd, buf, offset, length, position));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    return new Promise((resolve, reject) =>
      fs.write(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
    );
  },
  read: (fd, buf, offset, length, position) =>
    new Promise((resolve, reject) =>
      fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))),
    ),
  datasync: (fd) => new Promise((resolve, reject) => fs.fdatasync(fd, done(resolve, reject))),
  truncate: (fd, length) => new Promise((resolve, reject) => fs.ftruncate(fd, length, done(resolve, reject))),
  close: (fd) => new Promise((resolve, reject) => fs.close(fd, done(resolve, reject))),
  rename: (from, to) => new Promise((resolve, reject) => fs.rename(from, to, done(resolve, reject))),
  unlink: (path) => new Promise((resolve, reject) => fs.unlink(path, done(resolve, reject))),
  syncDir: async (dir) => {
    // Windows cannot open a directory for fsync; a rename is atomic there anyway.
    if (process.platform === 'win32') return;
    const fd = await nodeIo.open(dir, fs.constants.O_RDONLY);
    try {
      await nodeIo.datasync(fd);
    } finally {
      await nodeIo.close(fd);
    }
  },
};

/** Writes all of `buf` at `position`, however many calls that takes. */
export async function writeAll(io: FileLogIo, fd: number, buf: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const n = await io.write(fd, buf, off, buf.length - off, position + off);
    if (n <= 0) throw new Error(`write returned ${n}`);
    off += n;
  }
}

const CHUNK = 1 << 20;

/** Copies bytes [from, to) of `src` to `dst` at `dstPos`. */
export async function copyRange(
  io: FileLogIo,
  src: number,
  from: number,
  to: number,
  dst: number,
  dstPos: number,
): Promise<void> {
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(to - from, 1)));
  for (let pos = from; pos < to;) {
    const n = await io.read(src, buf, 0, Math.min(buf.length, to - pos), pos);
    if (n <= 0) throw new Error(`file ended at byte ${pos}, expected ${to}`);
    await writeAll(io, dst, buf.subarray(0, n), dstPos + (pos - from));
    pos += n;
  }
}

/**
 * Calls `onLine` for every line of the file from byte `start`: its text
 * without the "\n", the byte offsets where it starts and where the next line
 * starts, and whether it ended with "\n" (only the last one may not).
 * Returning false stops early. Each chunk is decoded once and split, which is
 * several times faster than decoding line by line ("\n" is never part of a
 * multi-byte UTF-8 character, so cutting at one is safe).
 */
export async function forEachLine(
  io: FileLogIo,
  fd: number,
  start: number,
  onLine: (line: string, offset: number, end: number, terminated: boolean) => boolean | void,
): Promise<void> {
  // Bytes after the last newline so far: a line longer than a chunk is gathered here, then joined once.
  let carry: Buffer[] = [];
  let carryLen = 0;
  let base = start;
  let pos = start;
  for (;;) {
    const chunk = Buffer.allocUnsafe(CHUNK);
    const n = await io.read(fd, chunk, 0, CHUNK, pos);
    if (n === 0) break;
    pos += n;
    let data = chunk.subarray(0, n);
    let lastNl = data.lastIndexOf(10);
    if (lastNl === -1) {
      carry.push(data);
      carryLen += n;
      continue;
    }
    if (carryLen > 0) {
      data = Buffer.concat([...carry, data], carryLen + n);
      lastNl += carryLen;
      carry = [];
      carryLen = 0;
    }
    const text = data.toString('utf8', 0, lastNl);
    // One character per byte: string offsets are byte offsets.
    const oneByteChars = text.length === lastNl;
    let p = 0;
    for (const line of text.split('\n')) {
      const next = oneByteChars ? p + line.length + 1 : data.indexOf(10, p) + 1;
      if (onLine(line, base + p, base + next, true) === false) return;
      p = next;
    }
    base += lastNl + 1;
    if (lastNl + 1 < data.length) {
      carry.push(data.subarray(lastNl + 1));
      carryLen = data.length - lastNl - 1;
    }
  }
  if (carryLen > 0) onLine(Buffer.concat(carry, carryLen).toString('utf8'), base, base + carryLen, false);
}

/** Error code of a failed fs call, if any. */
export function codeOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}
