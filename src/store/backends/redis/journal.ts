// The request journal kept in Redis, so that GET /_mock/requests and the
// dashboard show what every replica answered, in one order. A capped stream
// `{prefix}journal` (XADD MAXLEN ~ limit: Redis trims whole nodes, so a few
// more than `limit` may stay; reads never return more than the newest
// `limit`). Each stream entry holds the replica that added it (field `r`,
// first) and then the caller's entry, one field per property: text or raw
// bytes as given, so a response body goes into Redis as the bytes that were
// sent, not as JSON inside JSON. Ids come from a counter key, so they keep
// increasing across clear() and a client polling with `after` never misses
// entries.
//
// An entry is written before the answer it describes is sent (the HTTP layer
// waits for add()), so every replica lists it as soon as the client has its
// answer. The entries added in one turn of the event loop share one script
// call: under load, one round trip and one fsync for many answers.

import { hostname } from 'node:os';
import { consoleLogger, type StoreLogger } from '../../logger.js';
import { DEFAULT_REDIS_PREFIX, LuaScript, type RedisArg, type RedisConnection } from './connection.js';
import type { JournalQuery, JournalRecord, JournalStore, StoredFields } from '../../services/types.js';

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

// KEYS: stream, id counter. ARGV: approximate cap, replica, entry count, then
// per entry the number of its field/value arguments and those arguments.
const ADD = new LuaScript(`
local first = redis.call('INCRBY', KEYS[2], tonumber(ARGV[3])) - tonumber(ARGV[3])
local i = 4
local n = 0
while i <= #ARGV do
  local count = tonumber(ARGV[i])
  n = n + 1
  local args = { KEYS[1], 'MAXLEN', '~', ARGV[1], string.format('0-%d', first + n), 'r', ARGV[2] }
  for j = i + 1, i + count do args[#args + 1] = ARGV[j] end
  redis.call('XADD', unpack(args))
  i = i + count + 1
end
return first + n
`);

const PAGE = 200;

type RawEntry = [id: string, fields: string[]];

/** The replica's field; the entry's own fields follow it. */
const REPLICA = 'r';

export class RedisJournalStore<E extends StoredFields = StoredFields> implements JournalStore<E> {
  readonly limit: number;
  readonly replica: string;
  private readonly connection: RedisConnection;
  private readonly logger: StoreLogger;
  private readonly key: string;
  private readonly idKey: string;
  /** Entries that could not be recorded (Redis unreachable); logged once per outage. */
  dropped = 0;
  private failing = false;
  /**
   * Arguments of the entries added in this turn of the event loop, written together (one script call) right after it.
   */
  private pending: RedisArg[] = [];
  private pendingCount = 0;
  private flushing: Promise<Error | undefined> | undefined;

  constructor(options: RedisJournalOptions) {
    this.connection = options.connection;
    this.limit = options.limit ?? 1000;
    this.replica = options.replica ?? `${hostname()}:${process.pid}`;
    this.logger = options.logger ?? consoleLogger;
    const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.key = `${prefix}journal`;
    this.idKey = `${prefix}journal:id`;
  }

  /**
   * Adds one entry; resolves once it is in Redis (every replica lists it
   * then), or with the error when it could not be written. Never rejects:
   * a lost entry is also counted and logged (once per outage).
   */
  add(entry: E): Promise<Error | undefined> {
    if (this.limit <= 0) return Promise.resolve(undefined);
    const at = this.pending.length;
    this.pending.push(0);
    for (const name in entry) {
      const value = entry[name];
      if (value !== undefined) this.pending.push(name, value);
    }
    this.pending[at] = this.pending.length - at - 1;
    this.pendingCount++;
    this.flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.flushing;
  }

  /**
   * Writes the entries added since the last flush in one call: under load, one round trip and one fsync for many
   * requests.
   */
  private flush(): Promise<Error | undefined> {
    const args = this.pending;
    const count = this.pendingCount;
    this.pending = [];
    this.pendingCount = 0;
    this.flushing = undefined;
    return this.connection
      .run('record the request in the journal', () =>
        this.connection.script(ADD, [this.key, this.idKey], [this.limit, this.replica, count, ...args]),
      )
      .then(
        () => {
          if (this.failing) {
            this.failing = false;
            this.logger.info(
              `the journal records again (${this.dropped} entries were lost while Redis was unreachable)`,
            );
          }
          return undefined;
        },
        (error: unknown) => {
          this.dropped += count;
          if (!this.failing) {
            this.failing = true;
            this.logger.warn(`journal entries are not recorded: ${(error as Error).message}`);
          }
          return error as Error;
        },
      );
  }

  private decode(raw: RawEntry): JournalRecord<E> | undefined {
    const [id, fields] = raw;
    const at = Number(id.slice(id.indexOf('-') + 1));
    // Written by an earlier version: the whole entry as JSON in one field `e`, then the replica.
    if (fields[0] === 'e' && fields[2] === REPLICA)
      return { id: at, replica: fields[3] ?? '', entry: { e: fields[1] } as unknown as E };
    // Ours start with the replica; anything else in the stream is not shown.
    if (fields[0] !== REPLICA || fields.length % 2 !== 0) return undefined;
    const entry: StoredFields = {};
    for (let i = 2; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    return { id: at, replica: fields[1]!, entry: entry as E };
  }

  async list(query: JournalQuery<E>): Promise<JournalRecord<E>[]> {
    const out: JournalRecord<E>[] = [];
    if (query.limit <= 0 || this.limit <= 0) return out;
    let end = '+';
    let scanned = 0;
    // Newest first, a page at a time, until enough match or `limit` entries were seen.
    while (out.length < query.limit && scanned < this.limit) {
      const count = Math.min(PAGE, this.limit - scanned);
      const page = (await this.connection.run('read the journal', (c) =>
        c.xrevrange(this.key, end, '-', 'COUNT', count),
      )) as RawEntry[];
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
