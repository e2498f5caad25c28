// Every setting of togai-mock in one table (OPTIONS): its default, its
// TOGAI_MOCK_* variable(s), its command-line flag, how a value is parsed and
// the line --help shows. The environment reader, the CLI's flags and --help
// (cli.ts) and the README check (test/ship/readme.test.ts) all read it.

import { hostEntry, originEntry } from './http/origin-guard.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TogaiMockOptions {
  /** TCP port; 0 picks a free one. Default 4010. */
  port: number;
  /** Interface to bind. Default 127.0.0.1 (use 0.0.0.0 in containers). */
  host: string;
  /** Accepted credentials. Empty: any non-empty credential is accepted. */
  tokens: string[];
  /** The Togai-like mode: accounts must exist before credits or wallet top-ups name them. */
  strictAccounts: boolean;
  /** Give every credential its own ledger and clock. */
  isolateTenants: boolean;
  /** Tenants (credentials, with isolateTenants) that may exist besides the shared one; 403 past it. 0 = no limit. */
  maxTenants: number;
  /** When set, /_mock calls (except health) need `Authorization: Bearer <adminToken>`. */
  adminToken: string | undefined;
  /** Check every response against spec/ and answer 500 on a mismatch. */
  validateResponses: boolean;
  logLevel: LogLevel;
  /** Seed for reproducible ids, fault probabilities and seeded data. */
  seed: number | undefined;
  /**
   * Accounts to seed at start-up (with `seed`) when the store starts empty.
   * Default 0; a seed alone in the environment or on the command line makes it 5.
   */
  seedAccounts: number;
  /** Credits per seeded account. Default 3. */
  seedCreditsPerAccount: number;
  /** JSON file of accounts and credits loaded at start-up when the store starts empty. */
  fixturesFile: string | undefined;
  /** Where the state is kept: a snapshot at this path, the changes since in `<path>.log`. */
  stateFile: string | undefined;
  /** The log (the state file's, or the Redis stream) is compacted into a fresh snapshot after this many appends. */
  stateSnapshotEvery: number;
  /** Togai API requests per second per credential; beyond it 429 with Retry-After. 0 = no limit. */
  rateLimit: number;
  /** Requests kept in the journal (GET /_mock/requests). Default 1000; 0 records nothing. */
  journalLimit: number;
  /** Days an event's timestamp may lie in the past before ingestion fails it (INGESTION_FAILED_PAST_GRACE_PERIOD). */
  eventGracePeriodDays: number;
  /** Events each tenant may hold, failed ones included; an ingestion past it answers 507. */
  maxEvents: number;
  /** Currency of accounts that do not name one. */
  defaultCurrency: string;
  /** An OpenAPI document (e.g. Togai's full spec) that answers every other route via Prism. */
  fallbackSpec: string | undefined;
  /**
   * Keep the state in this Redis (`redis://host:port[/db]`), shared by every
   * replica given the same URL and prefix. Not together with `stateFile`.
   */
  redisUrl: string | undefined;
  /** Prefix of every key the mock keeps in Redis, so that several fakes can share one Redis. */
  redisPrefix: string;
  /**
   * Web pages (origins such as `http://app.test:3000`) that may call the mock from a browser besides the mock's
   * own pages; `*` allows every page. Requests from other pages are refused (403).
   */
  allowedOrigins: string[];
  /**
   * Host names (any port; `.name` also allows its subdomains) the mock answers to besides loopback ones (and,
   * when not bound to a loopback address, IP addresses and names without a dot); `*` allows every name.
   */
  allowedHosts: string[];
}

export class OptionError extends Error {
  override name = 'OptionError';
}

export function parseBoolean(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  throw new OptionError(`${name} must be true or false (got "${raw}")`);
}

export function parsePort(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n > 65535)
    throw new OptionError(`${name} must be a port number 0-65535 (got "${raw}")`);
  return n;
}

export function parseInteger(name: string, raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new OptionError(`${name} must be an integer (got "${raw}")`);
  return Number(raw);
}

/** A whole number from 0 to `max`. */
export function parseCount(name: string, raw: string, max: number): number {
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n > max)
    throw new OptionError(`${name} must be a whole number 0-${max} (got "${raw}")`);
  return n;
}

export function parseLogLevel(name: string, raw: string): LogLevel {
  const v = raw.trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(v)) throw new OptionError(`${name} must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return v;
}

/** `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS); a password is never repeated in the message. */
export function parseRedisUrl(name: string, raw: string): string {
  const url = raw.trim();
  const shown = url.replace(/^([a-z]+:\/\/[^:@/]*:)[^/]*@/i, '$1***@');
  const bad = (why: string): OptionError =>
    new OptionError(`${name} must look like redis://host:port[/db]: ${why} (got "${shown}")`);
  if (!/^rediss?:\/\//i.test(url)) throw bad('it must start with redis:// or rediss://');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad('it is not a URL');
  }
  if (parsed.hostname === '') throw bad('it names no host');
  if (parsed.pathname !== '' && parsed.pathname !== '/' && !/^\/\d{1,5}$/.test(parsed.pathname))
    throw bad('its path can only be a database number');
  if (parsed.search !== '' || parsed.hash !== '') throw bad('it takes no query or fragment');
  return url;
}

/** A Redis key prefix: any text without spaces or control characters, at most 100 characters. */
export function parseRedisPrefix(name: string, raw: string): string {
  // Control characters are exactly what this refuses.
  // eslint-disable-next-line no-control-regex
  if (raw === '' || raw.length > 100 || /[\s\x00-\x1f\x7f]/.test(raw)) {
    throw new OptionError(`${name} must be 1-100 characters without spaces (got ${JSON.stringify(raw)})`);
  }
  return raw;
}

/** A comma-separated list of host names for the origin guard (http/origin-guard.ts), normalised. */
export function parseAllowedHosts(name: string, raw: string | readonly string[]): string[] {
  return (typeof raw === 'string' ? parseList(raw) : raw).map((entry) => {
    const host = hostEntry(entry);
    if (host === undefined) {
      throw new OptionError(
        `${name} takes host names without scheme or port, such as mock.internal or .example.test, or * ` +
          `(got ${JSON.stringify(entry)})`,
      );
    }
    return host;
  });
}

/** A comma-separated list of origins for the origin guard (http/origin-guard.ts), normalised. */
export function parseAllowedOrigins(name: string, raw: string | readonly string[]): string[] {
  return (typeof raw === 'string' ? parseList(raw) : raw).map((entry) => {
    const origin = originEntry(entry);
    if (origin === undefined) {
      throw new OptionError(
        `${name} takes origins such as http://app.test:3000 (scheme, host, port; no path), or * ` +
          `(got ${JSON.stringify(entry)})`,
      );
    }
    return origin;
  });
}

export const parseList = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** One row of the table: everything about one option but its type and doc (TogaiMockOptions). */
export interface OptionDef<K extends keyof TogaiMockOptions = keyof TogaiMockOptions> {
  /** Long flag name, without `--`. */
  flag: string;
  /** Environment variables that set it, the first given one wins. */
  env: readonly string[];
  /** Placeholder of the flag's value; absent for on/off switches (which also take --no-<flag>). */
  value?: string;
  /** Parses a raw value; `name` is the flag or variable it came from, for the message. */
  parse: (name: string, raw: string) => TogaiMockOptions[K];
  default: TogaiMockOptions[K];
  /** The --help line. */
  help: string;
}

const text = (_name: string, raw: string): string => raw;

/** A seed given alone (variable or flag, without an account count) also seeds this many accounts at start-up. */
export const SEED_ALONE_ACCOUNTS = 5;

/**
 * The table, in --help order. Typed per key, so every option has exactly
 * one row and each row's parser and default fit the option.
 */
const TABLE: { [K in keyof TogaiMockOptions]: OptionDef<K> } = {
  port: {
    flag: 'port',
    env: ['TOGAI_MOCK_PORT', 'PORT'],
    value: '<n>',
    parse: parsePort,
    default: 4010,
    help: 'TCP port to listen on; 0 picks a free one',
  },
  host: {
    flag: 'host',
    env: ['TOGAI_MOCK_HOST', 'HOST'],
    value: '<addr>',
    parse: text,
    default: '127.0.0.1',
    help: 'interface to bind (0.0.0.0 in containers)',
  },
  tokens: {
    flag: 'tokens',
    env: ['TOGAI_MOCK_TOKENS'],
    value: '<a,b,...>',
    parse: (_name, raw) => parseList(raw),
    default: [],
    help: 'accepted API credentials; empty: any non-empty credential works',
  },
  seed: {
    flag: 'seed',
    env: ['TOGAI_MOCK_SEED'],
    value: '<n>',
    parse: parseInteger,
    default: undefined,
    help: `seed for reproducible ids and data; also seeds ${SEED_ALONE_ACCOUNTS} accounts at start unless --seed-accounts says otherwise`,
  },
  seedAccounts: {
    flag: 'seed-accounts',
    env: ['TOGAI_MOCK_SEED_ACCOUNTS'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 1000),
    default: 0,
    help: 'accounts to seed at start when the store is empty',
  },
  seedCreditsPerAccount: {
    flag: 'seed-credits',
    env: ['TOGAI_MOCK_SEED_CREDITS'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 100),
    default: 3,
    help: 'credits per seeded account',
  },
  stateFile: {
    flag: 'state-file',
    env: ['TOGAI_MOCK_STATE_FILE'],
    value: '<file>',
    parse: text,
    default: undefined,
    help: 'keep state in this file (a snapshot, and every change in <file>.log before it is answered); loaded at start',
  },
  stateSnapshotEvery: {
    flag: 'state-snapshot-every',
    env: ['TOGAI_MOCK_STATE_SNAPSHOT_EVERY'],
    value: '<n>',
    parse: (name, raw) => {
      const n = parseCount(name, raw, 100_000_000);
      if (n < 1) throw new OptionError(`${name} must be at least 1 (got "${raw}")`);
      return n;
    },
    default: 10_000,
    help: "compact the log (the state file's, or Redis') into a fresh snapshot after this many appends",
  },
  fixturesFile: {
    flag: 'fixtures',
    env: ['TOGAI_MOCK_FIXTURES'],
    value: '<file>',
    parse: text,
    default: undefined,
    help: 'JSON file of accounts and credits to load at start when the store is empty',
  },
  strictAccounts: {
    flag: 'strict-accounts',
    env: ['TOGAI_MOCK_STRICT_ACCOUNTS'],
    parse: parseBoolean,
    default: false,
    help: 'the Togai-like mode: accounts must exist before credits or wallet top-ups name them (else 404)',
  },
  isolateTenants: {
    flag: 'isolate-tenants',
    env: ['TOGAI_MOCK_ISOLATE_TENANTS'],
    parse: parseBoolean,
    default: false,
    help: 'give every credential its own ledger and clock',
  },
  maxTenants: {
    flag: 'max-tenants',
    env: ['TOGAI_MOCK_MAX_TENANTS'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 1_000_000),
    default: 1000,
    help: 'isolated tenants that may exist; a new credential past it gets 403; 0 = no limit',
  },
  adminToken: {
    flag: 'admin-token',
    env: ['TOGAI_MOCK_ADMIN_TOKEN'],
    value: '<token>',
    parse: text,
    default: undefined,
    help: '/_mock calls (except health) need Authorization: Bearer <token>',
  },
  validateResponses: {
    flag: 'validate-responses',
    env: ['TOGAI_MOCK_VALIDATE_RESPONSES'],
    parse: parseBoolean,
    default: false,
    help: 'check every response against the spec; 500 on a mismatch',
  },
  rateLimit: {
    flag: 'rate-limit',
    env: ['TOGAI_MOCK_RATE_LIMIT'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 1_000_000),
    default: 0,
    help: 'Togai API requests per second per credential before 429 (Togai: 10); 0 = no limit',
  },
  logLevel: {
    flag: 'log-level',
    env: ['TOGAI_MOCK_LOG_LEVEL'],
    value: '<level>',
    parse: parseLogLevel,
    default: 'info',
    help: `JSON log level: ${LOG_LEVELS.join(', ')}`,
  },
  journalLimit: {
    flag: 'journal-limit',
    env: ['TOGAI_MOCK_JOURNAL_LIMIT'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 1_000_000),
    default: 1000,
    help: 'requests kept for GET /_mock/requests; 0 records nothing',
  },
  eventGracePeriodDays: {
    flag: 'event-grace-period-days',
    env: ['TOGAI_MOCK_EVENT_GRACE_PERIOD_DAYS'],
    value: '<n>',
    parse: (name, raw) => parseCount(name, raw, 3650),
    default: 35,
    help: 'days an event timestamp may lie in the past; older ones fail with INGESTION_FAILED_PAST_GRACE_PERIOD',
  },
  maxEvents: {
    flag: 'max-events',
    env: ['TOGAI_MOCK_MAX_EVENTS'],
    value: '<n>',
    parse: (name, raw) => {
      const n = parseCount(name, raw, 100_000_000);
      if (n < 1) throw new OptionError(`${name} must be at least 1 (got "${raw}")`);
      return n;
    },
    default: 2_000_000,
    help: 'events each tenant may hold (failed ones included); ingesting past it answers 507',
  },
  defaultCurrency: {
    flag: 'currency',
    env: ['TOGAI_MOCK_CURRENCY'],
    value: '<code>',
    parse: text,
    default: 'USD',
    help: 'currency of accounts that do not name one',
  },
  fallbackSpec: {
    flag: 'fallback-spec',
    env: ['TOGAI_MOCK_FALLBACK_SPEC'],
    value: '<file>',
    parse: text,
    default: undefined,
    help: "OpenAPI document (e.g. Togai's full spec) that answers all other routes via Prism",
  },
  redisUrl: {
    flag: 'redis-url',
    env: ['TOGAI_MOCK_REDIS_URL'],
    value: '<url>',
    parse: parseRedisUrl,
    default: undefined,
    help: 'keep the state in Redis (redis://host:port[/db]), shared by every replica given the same URL and prefix',
  },
  redisPrefix: {
    flag: 'redis-prefix',
    env: ['TOGAI_MOCK_REDIS_PREFIX'],
    value: '<text>',
    parse: parseRedisPrefix,
    default: 'togai-mock:',
    help: 'prefix of the keys kept in Redis; replicas of one mock share it, other mocks on the same Redis need their own',
  },
  allowedOrigins: {
    flag: 'allowed-origins',
    env: ['TOGAI_MOCK_ALLOWED_ORIGINS'],
    value: '<a,b,...>',
    parse: parseAllowedOrigins,
    default: [],
    help: 'web pages (http://host:port) that may call the mock from a browser besides its own; * = all; others: 403',
  },
  allowedHosts: {
    flag: 'allowed-hosts',
    env: ['TOGAI_MOCK_ALLOWED_HOSTS'],
    value: '<a,b,...>',
    parse: parseAllowedHosts,
    default: [],
    help: 'Host names answered besides loopback names (off loopback: also IPs, undotted names); .name: +subdomains',
  },
};

/** Every option with its key, in --help order. */
export const OPTIONS: ReadonlyArray<OptionDef & { key: keyof TogaiMockOptions }> = Object.entries(TABLE).map(
  ([key, def]) => ({
    key: key as keyof TogaiMockOptions,
    ...(def as OptionDef),
  }),
);

export const DEFAULT_OPTIONS: Readonly<TogaiMockOptions> = Object.freeze(
  Object.fromEntries(OPTIONS.map((o) => [o.key, o.default])) as unknown as TogaiMockOptions,
);

/**
 * The options a process is started with: its environment (TOGAI_MOCK_*;
 * PORT and HOST too), overlaid by its command-line flags when it has any
 * (already parsed, see cli.ts). An empty variable counts as unset. A seed
 * given alone also seeds SEED_ALONE_ACCOUNTS accounts at start-up.
 */
export function optionsFromEnv(
  env: NodeJS.ProcessEnv,
  flags: Partial<TogaiMockOptions> = {},
): Partial<TogaiMockOptions> {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const name = o.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) out[o.key] = o.parse(name, env[name]!);
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) out[key] = value;
  const options = out as Partial<TogaiMockOptions>;
  if (options.seed !== undefined && options.seedAccounts === undefined) options.seedAccounts = SEED_ALONE_ACCOUNTS;
  return options;
}

/**
 * The defaults with each layer over them in turn (undefined values do not
 * count). Throws an OptionError for settings that cannot go together.
 */
export function resolveOptions(...layers: Array<Partial<TogaiMockOptions> | undefined>): TogaiMockOptions {
  const merged: TogaiMockOptions = { ...DEFAULT_OPTIONS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer))
      if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  // Library callers pass the lists as arrays: the same checks as the variables and flags, under the option's name.
  merged.allowedOrigins = parseAllowedOrigins('allowedOrigins', merged.allowedOrigins);
  merged.allowedHosts = parseAllowedHosts('allowedHosts', merged.allowedHosts);
  if (merged.stateFile !== undefined && merged.redisUrl !== undefined) {
    // Two places for one state would disagree after the first change; the user must choose.
    throw new OptionError(
      'a state file (TOGAI_MOCK_STATE_FILE, --state-file) and Redis (TOGAI_MOCK_REDIS_URL, --redis-url) cannot be used together: ' +
        'pick one place to keep the state (a state file for one mock, Redis for several replicas)',
    );
  }
  return merged;
}
