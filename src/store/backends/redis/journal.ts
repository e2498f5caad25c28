// The request journal kept in Redis, so that GET /_mock/requests and the
// dashboard show what every replica answered, in one order. A capped stream
// `{prefix}journal` (XADD MAXLEN ~ limit: Redis trims whole nodes, so a few
// more than `limit` may stay; reads never return more than the newest
// `limit`). Each entry is the caller's JSON plus the replica that added it.
// Ids come from a counter key, so they keep increasing across clear() and a
// client polling with `after` never misses entries.

import { hostname } from 'node:os';
import { consoleLogger, type StoreLogger } from '../../logger.js';
import { DEFAULT_REDIS_PREFIX, LuaScript, type RedisConnection } from './connection.js';
import type { JournalQuery, JournalRecord, JournalStore } from '../../services/types.js';

export interface RedisJournalOptions {
  connection: RedisConnection;
  /** Key prefix, the log's; default "togai-mock:". */
  prefix?: string | undefined;
  /** How many entries are kept (and listed at most); default 1000; 0 records nothing. */
  limit?: number | undefined;
  /** Names this replica in its entries; default host:pid. */
  replica?: string | undefined;
  logger?: StoreLogger | undefined;
}

// KEYS: stream, id counter. ARGV: approximate cap, replica, then one entry JSON per entry.
const ADD = new LuaScript(`
local id = 0
for i = 3, #ARGV do
  id = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], string.format('0-%d', id), 'e', ARGV[i], 'r', ARGV[2])
end
return id
`);

const PAGE = 200;

type RawEntry = [id: string, fields: string[]];

export class RedisJournalStore<E = unknown> implements JournalStore<E> {
  readonly limit: number;
  readonly replica: string;
  private readonly connection: RedisConnection;
  private readonly logger: StoreLogger;
  private readonly key: string;
  private readonly idKey: string;
  /** Entries that could not be recorded (Redis unreachable); logged once per outage. */
  dropped = 0;
  private failing = false;
  /** Entries added in this turn of the event loop, written together (one script call) right after it. */
  private pending: string[] = [];
  private flushing: Promise<void> | undefined;

  constructor(options: RedisJournalOptions) {
    this.connection = options.connection;
    this.limit = options.limit ?? 1000;
    this.replica = options.replica ?? `${hostname()}:${process.pid}`;
    this.logger = options.logger ?? consoleLogger;
    const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.key = `${prefix}journal`;
    this.idKey = `${prefix}journal:id`;
  }

  add(entry: E): Promise<void> {
    if (this.limit <= 0) return Promise.resolve();
    let json: string;
    try {
      json = JSON.stringify(entry) ?? 'null';
    } catch (error) {
      this.dropped++;
      this.logger.warn(`journal entry not recorded: it is not JSON (${(error as Error).message})`);
      return Promise.resolve();
    }
    this.pending.push(json);
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.flushing;
  }

  /** Writes the entries added since the last flush in one call: under load, one round trip and one fsync for many requests. */
  private flush(): Promise<void> {
    const entries = this.pending;
    this.pending = [];
    this.flushing = undefined;
    return this.connection
      .run('record the request in the journal', () => this.connection.script(ADD, [this.key, this.idKey], [this.limit, this.replica, ...entries]))
      .then(
        () => {
          if (this.failing) {
            this.failing = false;
            this.logger.info(`the journal records again (${this.dropped} entries were lost while Redis was unreachable)`);
          }
        },
        (error: unknown) => {
          this.dropped += entries.length;
          if (!this.failing) {
            this.failing = true;
            this.logger.warn(`journal entries are not recorded: ${(error as Error).message}`);
          }
        },
      );
  }

  private decode(raw: RawEntry): JournalRecord<E> | undefined {
    const [id, fields] = raw;
    let text: string | undefined;
    let replica = '';
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'e') text = fields[i + 1];
      else if (fields[i] === 'r') replica = fields[i + 1]!;
    }
    if (text === undefined) return undefined;
    try {
      return { id: Number(id.slice(id.indexOf('-') + 1)), replica, entry: JSON.parse(text) as E };
    } catch {
      return undefined; // Not ours: the journal only shows what it can read.
    }
  }

  async list(query: JournalQuery<E>): Promise<JournalRecord<E>[]> {
    const out: JournalRecord<E>[] = [];
    if (query.limit <= 0 || this.limit <= 0) return out;
    let end = '+';
    let scanned = 0;
    // Newest first, a page at a time, until enough match or `limit` entries were seen.
    while (out.length < query.limit && scanned < this.limit) {
      const count = Math.min(PAGE, this.limit - scanned);
      const page = (await this.connection.run('read the journal', (c) => c.xrevrange(this.key, end, '-', 'COUNT', count))) as RawEntry[];
      for (const raw of page) {
        scanned++;
        const record = this.decode(raw);
        if (record === undefined) continue;
        if (query.after !== undefined && record.id <= query.after) return out.reverse();
        if (query.match !== undefined && !query.match(record.entry)) continue;
        out.push(record);
        if (out.length >= query.limit) break;
      }
      if (page.length < count) break;
      end = `(${page[page.length - 1]![0]}`;
    }
    return out.reverse();
  }

  async clear(match?: (entry: E) => boolean): Promise<void> {
    if (match === undefined) {
      // The id counter stays: ids keep increasing after a clear.
      await this.connection.run('clear the journal', (c) => c.del(this.key));
      return;
    }
    await this.connection.run('clear the journal', async (c) => {
      const doomed: string[] = [];
      let start = '-';
      for (;;) {
        const page = (await c.xrange(this.key, start, '+', 'COUNT', PAGE)) as RawEntry[];
        for (const raw of page) {
          const record = this.decode(raw);
          if (record !== undefined && match(record.entry)) doomed.push(raw[0]);
        }
        if (page.length < PAGE) break;
        start = `(${page[page.length - 1]![0]}`;
      }
      for (let i = 0; i < doomed.length; i += 500) await c.xdel(this.key, ...doomed.slice(i, i + 500));
    });
  }
}
