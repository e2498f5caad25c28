// The command log on Redis (TOGAI_MOCK_REDIS_URL): any number of replicas
// append to one stream and apply it in the same order, so they behave as one
// mock. Keys, all under a prefix (default "togai-mock:") so that several
// fakes can share one Redis:
//
//   {prefix}log                  a stream; entry id 0-<seq>, fields c (the
//                                commands, JSON), w (the appender's token)
//                                and f (their format, when the appender gave one)
//   {prefix}log:head             the seq of the newest entry
//   {prefix}snapshot             a hash: seq, gen, chunks, parts, bytes, savedAt
//   {prefix}snapshot:<gen>:<i>   the snapshot's parts as JSON arrays of about
//                                chunkBytes each (a 1M-credit state is never
//                                one giant string, nor one giant reply)
//   {prefix}snapshot:lease       which replica is writing the next snapshot
//
// Appends are compare-and-append in one Lua script: an entry goes in only
// when the head is exactly the seq the appender last applied. (XADD with an
// explicit id alone refuses ids at or below the top, but would accept a
// hole above it: if Redis lost its tail, a replica ahead of it could then
// write past a gap.) The head also lets readAfter tell "nothing new" from
// "entries were compacted away" in one round trip.
//
// Durability is Redis': "nothing answered 200 is lost" needs appendonly yes
// and appendfsync always (Redis 7.0 has no WAITAOF); health() reports both
// and open() warns when they cannot guarantee it. Needs Redis >= 6.2.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { consoleLogger, type StoreLogger } from '../../logger.js';
import { DEFAULT_REDIS_PREFIX, LuaScript, RedisConnection, type RedisConnectionOptions } from './connection.js';
import {
  LogConflictError,
  LogCorruptError,
  LogUnavailableError,
  SnapshotNeededError,
  type CommandLog,
  type LogEntry,
  type Opened,
  type RedisHealth,
  type SnapshotResult,
} from '../types.js';

export { DEFAULT_REDIS_PREFIX };

export interface RedisLogOptions extends Partial<RedisConnectionOptions> {
  /** A connection to share with the rate counters and journal; else one is made from `url` (and closed by close()). */
  connection?: RedisConnection | undefined;
  /** Key prefix; default "togai-mock:". */
  prefix?: string | undefined;
  /** wantsSnapshot() once this many entries were appended since the last snapshot. Default 10,000. */
  snapshotEvery?: number | undefined;
  /** Entries per XRANGE page when reading (at most; fewer when entries are big, see pageBytes). Default 500. */
  pageSize?: number | undefined;
  /** Pages are sized from the entries seen so far to hold about this many characters. Default 4 MiB. */
  pageBytes?: number | undefined;
  /** Snapshot parts are packed into keys of about this many characters of JSON. Default 1 MiB. */
  chunkBytes?: number | undefined;
  /** Snapshot chunks per MGET when reading. Default 4. */
  chunksPerRead?: number | undefined;
  /** Longest time a snapshot may take to write; its unfinished chunks expire after it. Default 10 min. */
  snapshotLeaseMs?: number | undefined;
  /** Replaced snapshot chunks stay this long, for replicas still reading them. Default 60 s. */
  oldSnapshotGraceMs?: number | undefined;
}

// KEYS: stream, head. ARGV: afterSeq, seq, commands JSON, appender token,
// and the commands' format when there is one.
// Answers {1, seq} when appended (or when this very append is already there:
// a reply lost on the way), else {0, head}.
const APPEND = new LuaScript(`
local head = redis.call('GET', KEYS[2]) or '0'
if head ~= ARGV[1] then
  if head == ARGV[2] then
    local e = redis.call('XRANGE', KEYS[1], '0-' .. ARGV[2], '0-' .. ARGV[2])
    if e[1] then
      local f = e[1][2]
      for i = 1, #f, 2 do
        if f[i] == 'w' and f[i + 1] == ARGV[4] then return {1, head} end
      end
    end
  end
  return {0, head}
end
if ARGV[5] then
  redis.call('XADD', KEYS[1], '0-' .. ARGV[2], 'c', ARGV[3], 'w', ARGV[4], 'f', ARGV[5])
else
  redis.call('XADD', KEYS[1], '0-' .. ARGV[2], 'c', ARGV[3], 'w', ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[2])
return {1, ARGV[2]}
`);

// KEYS: stream, head, snapshot meta. ARGV: seq to read after, first id, count.
// Answers {head, snapshot seq, entries?}; no XRANGE at all when nothing is new.
const READ = new LuaScript(`
local head = redis.call('GET', KEYS[2]) or '0'
local snap = redis.call('HGET', KEYS[3], 'seq') or '0'
if head == ARGV[1] then return {head, snap} end
return {head, snap, redis.call('XRANGE', KEYS[1], ARGV[2], '+', 'COUNT', ARGV[3])}
`);

// KEYS: meta, head, stream, lease. ARGV: seq, gen, chunks, parts, savedAt,
// chunk key prefix, grace ms, lease token, bytes.
// Replaces the snapshot only when it is newer, and only when all its chunks
// are there; then lets the old chunks expire after the grace period and trims
// the stream up to the PREVIOUS snapshot (see trimming below).
const SWAP = new LuaScript(`
local seq = tonumber(ARGV[1])
local cur = redis.call('HGET', KEYS[1], 'seq')
if cur and tonumber(cur) >= seq then return {0, cur} end
local head = redis.call('GET', KEYS[2]) or '0'
if tonumber(head) < seq then return {-2, head} end
local n = tonumber(ARGV[3])
for i = 0, n - 1 do
  if redis.call('EXISTS', ARGV[6] .. ARGV[2] .. ':' .. i) == 0 then return {-1, tostring(i)} end
end
for i = 0, n - 1 do redis.call('PERSIST', ARGV[6] .. ARGV[2] .. ':' .. i) end
local old = redis.call('HMGET', KEYS[1], 'gen', 'chunks')
if old[1] then
  for i = 0, tonumber(old[2]) - 1 do redis.call('PEXPIRE', ARGV[6] .. old[1] .. ':' .. i, ARGV[7]) end
end
redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'gen', ARGV[2], 'chunks', ARGV[3], 'parts', ARGV[4], 'savedAt', ARGV[5], 'bytes', ARGV[9])
if cur then redis.call('XTRIM', KEYS[3], 'MINID', string.format('0-%d', tonumber(cur) + 1)) end
if redis.call('GET', KEYS[4]) == ARGV[8] then redis.call('DEL', KEYS[4]) end
return {1, cur or '0'}
`);

// KEYS: lease. ARGV: token, ms. Takes (or extends) the lease unless another holds it.
const LEASE = new LuaScript(`
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** How long a replica that wants to snapshot holds the lease before it writes. */
const INTENT_MS = 30_000;

interface SnapshotMeta {
  seq: number;
  gen: string;
  chunks: number;
  parts: number;
}

export class RedisLog implements CommandLog {
  readonly backend = 'redis' as const;
  /** Every replica on the same URL and prefix appends to it. */
  readonly shared = true;
  readonly connection: RedisConnection;
  readonly prefix: string;
  /** Names this process in appends and leases: host, pid and a random part. */
  readonly replicaId: string;
  private readonly ownsConnection: boolean;
  private readonly logger: StoreLogger;
  private readonly keys: { stream: string; head: string; meta: string; lease: string; chunk: string };
  private readonly snapshotEvery: number;
  private readonly pageSize: number;
  private readonly pageBytes: number;
  /** The mean size of the entries read lately, to size pages: big entries (a state import) come fewer per reply. */
  private entryBytes = 0;
  private readonly chunkBytes: number;
  private readonly chunksPerRead: number;
  private readonly leaseMs: number;
  private readonly graceMs: number;
  /** The newest head and snapshot seq seen (appends, reads, health). */
  private head = 0;
  private snapshotSeq = 0;
  private appends = 0;
  private writing: Promise<void> | undefined;
  private leaseUntil = 0;
  private leasing = false;
  private nextLeaseTry = 0;
  private warnedDurability = false;

  constructor(options: RedisLogOptions) {
    if (options.connection !== undefined) {
      this.connection = options.connection;
      this.ownsConnection = false;
    } else {
      if (options.url === undefined) throw new Error('RedisLog needs a url or a connection');
      this.connection = new RedisConnection({ ...options, url: options.url });
      this.ownsConnection = true;
    }
    this.logger = options.logger ?? consoleLogger;
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.keys = {
      stream: `${this.prefix}log`,
      head: `${this.prefix}log:head`,
      meta: `${this.prefix}snapshot`,
      lease: `${this.prefix}snapshot:lease`,
      chunk: `${this.prefix}snapshot:`,
    };
    this.snapshotEvery = options.snapshotEvery ?? 10_000;
    this.pageSize = options.pageSize ?? 500;
    this.pageBytes = options.pageBytes ?? 4 * 1024 * 1024;
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.chunksPerRead = options.chunksPerRead ?? 4;
    this.leaseMs = options.snapshotLeaseMs ?? 10 * 60_000;
    this.graceMs = options.oldSnapshotGraceMs ?? 60_000;
    this.replicaId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  private get where(): string {
    return `Redis at ${this.connection.where} (prefix ${JSON.stringify(this.prefix)})`;
  }

  async open(): Promise<Opened> {
    await this.connection.ready('open the log');
    if (!this.warnedDurability) {
      this.warnedDurability = true;
      const persistence = await this.connection.persistence();
      if (persistence.warning !== undefined) this.logger.warn(persistence.warning);
    }
    // A snapshot replaced while it is being read (its chunks expire after a
    // grace period, the stream is trimmed) makes us start over; rarely twice.
    for (let attempt = 1; ; attempt++) {
      const raw = await this.connection.run('read the snapshot', (c) => c.hgetall(this.keys.meta));
      let snapshotSeq = 0;
      let snapshot: unknown[] | undefined;
      if (Object.keys(raw).length > 0) {
        const meta = this.parseMeta(raw);
        snapshot = await this.readChunks(meta);
        if (snapshot === undefined) {
          const gen = await this.connection.run('read the snapshot', (c) => c.hget(this.keys.meta, 'gen'));
          if (gen === meta.gen) {
            throw new LogCorruptError(
              `${this.where}: the snapshot ${this.keys.meta} (seq ${meta.seq}) misses some of its ${meta.chunks} chunks ${this.keys.chunk}${meta.gen}:*`,
            );
          }
          if (attempt >= 5)
            throw new LogUnavailableError(
              `${this.where}: the snapshot was replaced 5 times while it was being read; try again`,
            );
          continue;
        }
        snapshotSeq = meta.seq;
        this.snapshotSeq = Math.max(this.snapshotSeq, snapshotSeq);
      }
      try {
        const entries = await this.readAfter(snapshotSeq);
        return { snapshotSeq, snapshot, entries };
      } catch (error) {
        if (!(error instanceof SnapshotNeededError)) throw error;
        if (this.head < snapshotSeq) {
          throw new LogCorruptError(
            `${this.where}: the snapshot ${this.keys.meta} is at seq ${snapshotSeq} but the log ${this.keys.head} ends at seq ${this.head}; these keys were changed by something else`,
          );
        }
        if (attempt >= 5)
          throw new LogUnavailableError(
            `${this.where}: the log was compacted 5 times while it was being read; try again`,
          );
      }
    }
  }

  private parseMeta(raw: Record<string, string>): SnapshotMeta {
    const meta = { seq: Number(raw.seq), gen: raw.gen ?? '', chunks: Number(raw.chunks), parts: Number(raw.parts) };
    if (
      !Number.isSafeInteger(meta.seq) ||
      meta.seq < 0 ||
      meta.gen === '' ||
      !Number.isSafeInteger(meta.chunks) ||
      !Number.isSafeInteger(meta.parts)
    ) {
      throw new LogCorruptError(
        `${this.where}: the snapshot description ${this.keys.meta} is not one this mock wrote: ${JSON.stringify(raw).slice(0, 200)}`,
      );
    }
    return meta;
  }

  /** The snapshot's parts, a few chunks per MGET; undefined when a chunk is gone (replaced meanwhile). */
  private async readChunks(meta: SnapshotMeta): Promise<unknown[] | undefined> {
    const parts: unknown[] = [];
    for (let first = 0; first < meta.chunks; first += this.chunksPerRead) {
      const keys: string[] = [];
      for (let i = first; i < Math.min(first + this.chunksPerRead, meta.chunks); i++)
        keys.push(`${this.keys.chunk}${meta.gen}:${i}`);
      // As Buffers: ioredis turns a large bulk reply into a string much more slowly than Buffer#toString does.
      const texts = await this.connection.run('read the snapshot', (c) => c.mgetBuffer(...keys));
      for (let j = 0; j < keys.length; j++) {
        const bytes = texts[j];
        if (bytes === null || bytes === undefined) return undefined;
        let value: unknown;
        try {
          value = JSON.parse(bytes.toString('utf8'));
        } catch (error) {
          throw new LogCorruptError(
            `${this.where}: snapshot chunk ${keys[j]} is not JSON (${(error as Error).message})`,
          );
        }
        if (!Array.isArray(value))
          throw new LogCorruptError(`${this.where}: snapshot chunk ${keys[j]} is not a JSON array`);
        for (const part of value) parts.push(part);
      }
    }
    if (parts.length !== meta.parts) {
      throw new LogCorruptError(
        `${this.where}: the snapshot ${this.keys.meta} announces ${meta.parts} parts but its chunks hold ${parts.length}`,
      );
    }
    return parts;
  }

  async append(afterSeq: number, commands: unknown[], format?: number): Promise<number> {
    const seq = afterSeq + 1;
    const json = JSON.stringify(commands);
    const token = `${this.replicaId}:${++this.appends}`;
    const args = [String(afterSeq), String(seq), json, token];
    if (format !== undefined) args.push(String(format));
    const reply = (await this.connection.run(`append entry ${seq} to the log`, () =>
      this.connection.script(APPEND, [this.keys.stream, this.keys.head], args),
    )) as [number, string];
    if (reply[0] === 1) {
      if (seq > this.head) this.head = seq;
      return seq;
    }
    const head = Number(reply[1]);
    this.head = head;
    if (head < afterSeq) {
      throw new LogConflictError(
        `${this.where}: the log ends at seq ${head}, behind seq ${afterSeq} that this replica applied (was Redis flushed, or restarted without appendonly?)`,
      );
    }
    throw new LogConflictError(
      `${this.where}: the log is at seq ${head}, not ${afterSeq}: another replica appended first`,
    );
  }

  /**
   * The first page comes with the head and the snapshot seq, read together
   * (one script): the head is the target. Later pages are plain XRANGEs (the
   * script costs about twice as much per entry): every entry up to the
   * target must be there, so one trimmed meanwhile is still noticed.
   */
  async readAfter(seq: number): Promise<LogEntry[]> {
    const reply = (await this.connection.run('read the log', () =>
      this.connection.script(
        READ,
        [this.keys.stream, this.keys.head, this.keys.meta],
        [String(seq), `0-${seq + 1}`, this.pageCount()],
      ),
    )) as [string, string, unknown[]?];
    const target = Number(reply[0]);
    this.head = target;
    this.snapshotSeq = Number(reply[1]);
    if (target < seq) {
      throw new SnapshotNeededError(
        `${this.where}: the log ends at seq ${target}, behind seq ${seq} that this replica applied (was Redis flushed, or restarted without appendonly?); reloading from what Redis holds`,
      );
    }
    const out: LogEntry[] = [];
    let next = seq + 1;
    let page = reply[2] ?? [];
    while (next <= target) {
      if (page.length === 0 || this.entrySeq(page[0]) !== next) {
        const first = page.length === 0 ? undefined : this.entrySeq(page[0]);
        throw new SnapshotNeededError(
          `${this.where}: entries after seq ${next - 1} were compacted into a snapshot (at seq ${this.snapshotSeq} or later)${first === undefined ? '' : `; the log now starts at ${first}`}`,
        );
      }
      for (const raw of page) {
        const entry = this.parseEntry(raw);
        if (entry.seq !== next)
          throw new LogCorruptError(
            `${this.where}: the log ${this.keys.stream} skips from seq ${next - 1} to ${entry.seq}`,
          );
        out.push(entry);
        next++;
      }
      if (next > target) break;
      const from = next;
      page = await this.connection.run('read the log', (c) =>
        c.xrange(this.keys.stream, `0-${from}`, '+', 'COUNT', this.pageCount()),
      );
    }
    return out;
  }

  private pageCount(): number {
    if (this.entryBytes === 0) return this.pageSize;
    return Math.max(1, Math.min(this.pageSize, Math.floor(this.pageBytes / this.entryBytes)));
  }

  private entrySeq(raw: unknown): number {
    const id = (raw as [string])[0];
    return id.startsWith('0-') ? Number(id.slice(2)) : Number.NaN;
  }

  private parseEntry(raw: unknown): LogEntry {
    const [id, fields] = raw as [string, string[]];
    const seq = this.entrySeq(raw);
    let text: string | undefined;
    let format: number | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'c') text = fields[i + 1];
      else if (fields[i] === 'f') format = Number(fields[i + 1]);
    }
    if (!Number.isSafeInteger(seq) || text === undefined || (format !== undefined && !Number.isSafeInteger(format))) {
      throw new LogCorruptError(`${this.where}: entry ${id} of ${this.keys.stream} is not one this mock wrote`);
    }
    let commands: unknown;
    try {
      commands = JSON.parse(text);
    } catch (error) {
      throw new LogCorruptError(
        `${this.where}: entry ${id} of ${this.keys.stream} is not JSON (${(error as Error).message})`,
      );
    }
    if (!Array.isArray(commands))
      throw new LogCorruptError(`${this.where}: entry ${id} of ${this.keys.stream} is not a list of commands`);
    this.entryBytes = this.entryBytes === 0 ? text.length : 0.9 * this.entryBytes + 0.1 * text.length;
    return format === undefined ? { seq, commands } : { seq, format, commands };
  }

  /**
   * True when snapshotEvery entries were appended since the last snapshot AND
   * this replica holds the snapshot lease, so that of many replicas only one
   * spends the time to serialise its state. The lease is asked for in the
   * background the first time the threshold is seen: the answer is false
   * until it is granted (the engine asks again after its next batch).
   */
  wantsSnapshot(): boolean {
    if (this.writing !== undefined || this.head - this.snapshotSeq < this.snapshotEvery) return false;
    const now = Date.now();
    if (this.leaseUntil > now) return true;
    if (!this.leasing && now >= this.nextLeaseTry && this.connection.connected) {
      this.leasing = true;
      this.nextLeaseTry = now + 1000;
      this.connection
        .script(LEASE, [this.keys.lease], [this.replicaId, INTENT_MS])
        .then((granted) => {
          if (granted === 1) this.leaseUntil = Date.now() + INTENT_MS - 1000;
        })
        .catch(() => undefined)
        .finally(() => {
          this.leasing = false;
        });
    }
    return false;
  }

  /**
   * Never rejects: a snapshot that cannot be written says why, and the log
   * keeps every entry meanwhile.
   */
  writeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult> {
    if (this.writing !== undefined) {
      const reason = `another snapshot is being written to ${this.where}`;
      return Promise.resolve({ written: false, reason, failed: false });
    }
    const writing = this.storeSnapshot(seq, parts)
      .catch((error: unknown): SnapshotResult => ({
        written: false,
        reason: `could not write the snapshot to ${this.where}: ${(error as Error).message}`,
        failed: true,
      }))
      .finally(() => {
        this.writing = undefined;
        this.leaseUntil = 0;
      });
    this.writing = writing.then(() => undefined);
    return writing;
  }

  private async storeSnapshot(seq: number, parts: unknown[]): Promise<SnapshotResult> {
    if (seq <= this.snapshotSeq) {
      const reason = `${this.where} holds a snapshot at seq ${this.snapshotSeq} already`;
      return { written: false, reason, failed: false };
    }
    const granted = await this.connection.run('take the snapshot lease', () =>
      this.connection.script(LEASE, [this.keys.lease], [this.replicaId, this.leaseMs]),
    );
    if (granted !== 1) {
      return { written: false, reason: `another replica is writing one to ${this.where}`, failed: false };
    }
    const gen = `${seq}-${randomBytes(4).toString('hex')}`;
    try {
      const { chunks, bytes } = await this.writeChunks(gen, parts);
      const reply = (await this.connection.run('replace the snapshot', () =>
        this.connection.script(
          SWAP,
          [this.keys.meta, this.keys.head, this.keys.stream, this.keys.lease],
          [
            seq,
            gen,
            chunks,
            parts.length,
            new Date().toISOString(),
            this.keys.chunk,
            this.graceMs,
            this.replicaId,
            bytes,
          ],
        ),
      )) as [number, string];
      if (reply[0] === 1) {
        this.snapshotSeq = Math.max(this.snapshotSeq, seq);
        return { written: true, bytes };
      }
      await this.dropChunks(gen, chunks);
      if (reply[0] === 0) {
        this.snapshotSeq = Math.max(this.snapshotSeq, Number(reply[1]));
        return { written: false, reason: `${this.where} already holds a snapshot at seq ${reply[1]}`, failed: false };
      } else if (reply[0] === -2) {
        throw new Error(`the log ends at seq ${reply[1]}, before the snapshot's seq`);
      } else {
        throw new Error(
          `chunk ${reply[1]} expired before the snapshot was complete (writing took longer than ${this.leaseMs} ms)`,
        );
      }
    } finally {
      await this.connection.script(RELEASE, [this.keys.lease], [this.replicaId]).catch(() => undefined);
    }
  }

  /** SETs the chunks a few at a time (bounded memory), each expiring after the lease unless the swap keeps it. */
  private async writeChunks(gen: string, parts: unknown[]): Promise<{ chunks: number; bytes: number }> {
    let chunks = 0;
    let bytes = 0;
    let texts: string[] = [];
    let size = 0;
    let batch = this.connection.client.pipeline();
    let inBatch = 0;
    const flushBatch = async (): Promise<void> => {
      if (inBatch === 0) return;
      const results = await this.connection.run('write the snapshot', () => batch.exec());
      for (const [error] of results ?? []) if (error) throw this.connection.failure(error, 'write the snapshot');
      batch = this.connection.client.pipeline();
      inBatch = 0;
    };
    const flushChunk = async (): Promise<void> => {
      const text = `[${texts.join(',')}]`;
      batch.set(`${this.keys.chunk}${gen}:${chunks}`, text, 'PX', this.leaseMs);
      chunks++;
      bytes += text.length;
      texts = [];
      size = 0;
      if (++inBatch >= 8) await flushBatch();
    };
    for (const part of parts) {
      const text = JSON.stringify(part) ?? 'null';
      texts.push(text);
      size += text.length + 1;
      if (size >= this.chunkBytes) await flushChunk();
    }
    if (texts.length > 0) await flushChunk();
    await flushBatch();
    return { chunks, bytes };
  }

  private async dropChunks(gen: string, chunks: number): Promise<void> {
    for (let first = 0; first < chunks; first += 100) {
      const keys: string[] = [];
      for (let i = first; i < Math.min(first + 100, chunks); i++) keys.push(`${this.keys.chunk}${gen}:${i}`);
      await this.connection.client.del(...keys).catch(() => undefined);
    }
  }

  async health(): Promise<RedisHealth> {
    const detail: RedisHealth['detail'] = {
      url: this.connection.where,
      prefix: this.prefix,
      status: this.connection.status,
      snapshotSeq: this.snapshotSeq,
    };
    if (this.connection.connected) {
      try {
        const head = await this.connection.run('read the log head', (c) => c.get(this.keys.head));
        this.head = Number(head ?? 0);
        const p = await this.connection.persistence();
        detail.appendonly = p.appendonly ?? 'unknown';
        detail.appendfsync = p.appendfsync ?? 'unknown';
        detail.durable = p.durable;
        if (p.warning !== undefined) detail.warning = p.warning;
      } catch (error) {
        detail.error = (error as Error).message;
      }
    } else {
      detail.error = `not connected${this.connection.lastConnectionError ? `: ${this.connection.lastConnectionError}` : ''}; reconnecting in the background`;
    }
    const connected = this.connection.connected;
    return { backend: 'redis', replica: this.replicaId, connected, lastSeq: this.head, detail };
  }

  async close(): Promise<void> {
    if (this.writing !== undefined) await this.writing;
    if (this.ownsConnection) await this.connection.close();
  }
}
