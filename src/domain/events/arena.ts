// Event text as bytes: each event's id and payload live as UTF-8 in a few big
// buffers rather than as two strings apiece, so a million events are a few
// dozen objects to the garbage collector instead of two million, and its
// marking no longer grows with the store (the page reads at a million events
// paid for that marking).

/** Bytes per chunk at most: big enough to hold thousands of events, small enough that a spare one costs little. */
const CHUNK = 1 << 22;
/** The first chunk's size; each next one doubles up to CHUNK, so a tenant with a few events holds a few KB. */
const FIRST_CHUNK = 1 << 16;

/**
 * Append-only byte storage in chunks (never copied when it grows). An offset
 * is `chunk * CHUNK + position in the chunk` (chunks are at most CHUNK long);
 * what is written for one offset lies in one chunk (a text longer than CHUNK
 * gets a chunk of its own).
 */
export class ByteArena {
  private readonly chunks: Buffer[] = [];
  /** Bytes used of the last chunk. */
  private used = 0;

  /** The offset where `n` (>= 1) bytes are to be written; they count as used from now on. */
  reserve(n: number): number {
    const last = this.chunks[this.chunks.length - 1];
    if (last === undefined || this.used + n > last.length || (this.used > 0 && this.used + n > CHUNK)) {
      this.chunks.push(Buffer.alloc(Math.max(n, Math.min(CHUNK, FIRST_CHUNK * 2 ** this.chunks.length))));
      this.used = 0;
    }
    const offset = (this.chunks.length - 1) * CHUNK + this.used;
    this.used += n;
    return offset;
  }

  /** Writes `text` as UTF-8 at `offset` (reserved for Buffer.byteLength(text) bytes). */
  write(offset: number, text: string): void {
    const c = Math.floor(offset / CHUNK);
    this.chunks[c]!.write(text, offset - c * CHUNK, 'utf8');
  }

  text(offset: number, length: number): string {
    const c = Math.floor(offset / CHUNK);
    const start = offset - c * CHUNK;
    return this.chunks[c]!.toString('utf8', start, start + length);
  }

  hash(offset: number, length: number): number {
    const c = Math.floor(offset / CHUNK);
    const start = offset - c * CHUNK;
    return fnv1a(this.chunks[c]!, start, start + length);
  }

  /** Whether the `length` bytes at `offset` are `bytes`. */
  equals(offset: number, length: number, bytes: Uint8Array): boolean {
    if (length !== bytes.length) return false;
    const c = Math.floor(offset / CHUNK);
    const chunk = this.chunks[c]!;
    const start = offset - c * CHUNK;
    for (let i = 0; i < length; i++) if (chunk[start + i] !== bytes[i]) return false;
    return true;
  }

  /** Forgets everything written from `offset` on (taking back the last writes). */
  truncate(offset: number): void {
    const c = Math.floor(offset / CHUNK);
    if (c >= this.chunks.length) return;
    this.chunks.length = c + 1;
    this.used = offset - c * CHUNK;
  }
}

/** 32-bit FNV-1a of `bytes[start, end)`: deterministic, so every replica builds the same table. */
export function fnv1a(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h | 0;
}
