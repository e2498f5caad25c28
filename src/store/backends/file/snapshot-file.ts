// The snapshot half of the state file: the file at TOGAI_MOCK_STATE_FILE itself.
//
// Written by the file log as JSON lines: a first line
// `{"togaiMockSnapshot":1,"seq":N,"parts":K}` (the layout version, the log seq
// the snapshot covers, how many parts follow, so a cut-off copy is noticed),
// then one part per line. Parts are opaque here. Written to a temporary file,
// fsynced, renamed over the old one, directory fsynced: a crash leaves the old
// snapshot or the new one, whole.
//
// A file that does not start with that line is read as one JSON document (the
// state files of earlier versions: `{"formatVersion":1,...}`, pretty-printed
// over many lines) and handed on as the only part, at seq 0; the engine checks
// its formatVersion.

import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { codeOf, forEachLine, writeAll, type FileLogIo } from './io.js';
import { LogCorruptError, LogUnavailableError } from '../types.js';

const MARK = '{"togaiMockSnapshot":';
const LAYOUT = 1;

export interface StoredSnapshot {
  seq: number;
  parts: unknown[];
  /** 'parts': written by the file log; 'document': one JSON document (an earlier version's state file). */
  layout: 'parts' | 'document';
}

/** The message of every refusal: the file is named and left alone. */
export function unreadable(path: string, why: string): LogCorruptError {
  return new LogCorruptError(
    `state file ${path} cannot be loaded: ${why}. It was left untouched; fix it, move it away, or point TOGAI_MOCK_STATE_FILE elsewhere.`,
  );
}

/** The snapshot at `path`; undefined when there is no file. LogCorruptError when it cannot be read as one. */
export async function readSnapshotFile(io: FileLogIo, path: string): Promise<StoredSnapshot | undefined> {
  let fd: number;
  try {
    fd = await io.open(path, constants.O_RDONLY);
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined;
    throw new LogUnavailableError(`cannot read state file ${path}: ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(MARK.length);
    const n = await io.read(fd, head, 0, head.length, 0);
    if (n === MARK.length && head.toString('latin1') === MARK) return await readParts(io, fd, path);
  } catch (err) {
    if (err instanceof LogCorruptError) throw err;
    throw new LogUnavailableError(`cannot read state file ${path}: ${(err as Error).message}`);
  } finally {
    await io.close(fd).catch(() => undefined);
  }
  return readDocument(path);
}

async function readParts(io: FileLogIo, fd: number, path: string): Promise<StoredSnapshot> {
  let header: { seq: number; parts: number } | undefined;
  const parts: unknown[] = [];
  let lineNo = 0;
  await forEachLine(io, fd, 0, (line, _offset, _end, terminated) => {
    lineNo++;
    if (!terminated) throw unreadable(path, `line ${lineNo} is cut short (no newline at its end)`);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw unreadable(path, `line ${lineNo} is not valid JSON (${(err as Error).message})`);
    }
    if (!header) {
      header = checkHeader(path, value);
      return;
    }
    if (parts.length === header.parts)
      throw unreadable(path, `line ${lineNo} is past the ${header.parts} parts its first line announces`);
    parts.push(value);
  });
  if (!header) throw unreadable(path, 'its first line is cut short');
  if (parts.length !== header.parts) {
    throw unreadable(
      path,
      `it holds ${parts.length} parts but its first line announces ${header.parts} (the file is cut short)`,
    );
  }
  return { seq: header.seq, parts, layout: 'parts' };
}

function checkHeader(path: string, value: unknown): { seq: number; parts: number } {
  const h = value as { togaiMockSnapshot?: unknown; seq?: unknown; parts?: unknown };
  if (h.togaiMockSnapshot !== LAYOUT) {
    throw unreadable(
      path,
      `it is a snapshot in layout ${JSON.stringify(h.togaiMockSnapshot)}; this togai-mock reads layout ${LAYOUT}`,
    );
  }
  if (!isCount(h.seq) || !isCount(h.parts))
    throw unreadable(path, 'line 1 does not say which seq it covers and how many parts follow');
  return { seq: h.seq, parts: h.parts };
}

async function readDocument(path: string): Promise<StoredSnapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LogUnavailableError(`cannot read state file ${path}: ${(err as Error).message}`);
  }
  if (text.trim() === '') throw unreadable(path, 'the file is empty');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw unreadable(path, `it is not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw unreadable(path, 'it is not a togai-mock state file (not a JSON object)');
  }
  return { seq: 0, parts: [doc], layout: 'document' };
}

/** Lines are gathered into writes of about this many characters. */
const WRITE_CHUNK = 1 << 20;

/**
 * Writes the snapshot to `tmp`, makes it durable, and renames it over `path`.
 * JSON.stringify runs part by part between writes, so a large snapshot does
 * not hold the event loop for its whole length. Resolves with the bytes written.
 */
export async function writeSnapshotFile(
  io: FileLogIo,
  path: string,
  tmp: string,
  seq: number,
  parts: unknown[],
): Promise<number> {
  const fd = await io.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  let pos = 0;
  try {
    let pending: string[] = [`{"togaiMockSnapshot":${LAYOUT},"seq":${seq},"parts":${parts.length}}\n`];
    let pendingLen = 0;
    const flush = async (): Promise<void> => {
      const buf = Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingLen = 0;
      await writeAll(io, fd, buf, pos);
      pos += buf.length;
    };
    for (let i = 0; i < parts.length; i++) {
      const text = JSON.stringify(parts[i]);
      if (text === undefined) throw new TypeError(`snapshot part ${i} cannot be written as JSON`);
      pending.push(text, '\n');
      pendingLen += text.length + 1;
      if (pendingLen >= WRITE_CHUNK) await flush();
    }
    await flush();
    await io.datasync(fd);
  } catch (err) {
    await io.close(fd).catch(() => undefined);
    await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await io.close(fd);
  try {
    await io.rename(tmp, path);
  } catch (err) {
    await io.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await io.syncDir(dirname(path));
  return pos;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
