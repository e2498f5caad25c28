// Every setting of togai-mock, its default, and how it is read from the
// environment (TOGAI_MOCK_*). The CLI layers its flags on top of these.

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface TogaiMockOptions {
  /** TCP port; 0 picks a free one. Default 4010. */
  port: number;
  /** Interface to bind. Default 127.0.0.1 (use 0.0.0.0 in containers). */
  host: string;
  /** Accepted credentials. Empty: any non-empty credential is accepted. */
  tokens: string[];
  /** Accounts must be created (seeded) before credits are granted to them. */
  strictAccounts: boolean;
  /** Give every credential its own ledger and clock. */
  isolateTenants: boolean;
  /** When set, /_mock calls (except health) need `Authorization: Bearer <adminToken>`. */
  adminToken: string | undefined;
  /** Check every response against spec/ and answer 500 on a mismatch. */
  validateResponses: boolean;
  logLevel: LogLevel;
  /** Seed for reproducible ids, fault probabilities and seeded data. */
  seed: number | undefined;
  /**
   * Accounts to seed at start-up (with `seed`) when the store starts empty.
   * Default 0; TOGAI_MOCK_SEED alone makes it 5.
   */
  seedAccounts: number;
  /** Credits per seeded account. Default 3. */
  seedCreditsPerAccount: number;
  /** JSON file of accounts and credits loaded at start-up when the store starts empty. */
  fixturesFile: string | undefined;
  /** File the whole state is loaded from at start-up and saved to after every change. */
  stateFile: string | undefined;
  /** Togai API requests per second per credential; beyond it 429 with Retry-After. 0 = no limit. */
  rateLimit: number;
  /** Requests kept in the journal (GET /_mock/requests). Default 1000; 0 records nothing. */
  journalLimit: number;
  /** Currency of accounts that do not name one. */
  defaultCurrency: string;
  /** An OpenAPI document (e.g. Togai's full spec) that answers every other route via Prism. */
  fallbackSpec: string | undefined;
}

export const DEFAULT_OPTIONS: TogaiMockOptions = {
  port: 4010,
  host: '127.0.0.1',
  tokens: [],
  strictAccounts: false,
  isolateTenants: false,
  adminToken: undefined,
  validateResponses: false,
  logLevel: 'info',
  seed: undefined,
  seedAccounts: 0,
  seedCreditsPerAccount: 3,
  fixturesFile: undefined,
  stateFile: undefined,
  rateLimit: 0,
  journalLimit: 1000,
  defaultCurrency: 'USD',
  fallbackSpec: undefined,
};

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
  if (!/^\d+$/.test(raw.trim()) || n > 65535) throw new OptionError(`${name} must be a port number 0-65535 (got "${raw}")`);
  return n;
}

export function parseInteger(name: string, raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new OptionError(`${name} must be an integer (got "${raw}")`);
  return Number(raw);
}

/** A whole number from 0 to `max`. */
export function parseCount(name: string, raw: string, max: number): number {
  const n = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || n > max) throw new OptionError(`${name} must be a whole number 0-${max} (got "${raw}")`);
  return n;
}

export function parseLogLevel(name: string, raw: string): LogLevel {
  const v = raw.trim().toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(v)) throw new OptionError(`${name} must be one of ${LOG_LEVELS.join(', ')} (got "${raw}")`);
  return v;
}

export const parseList = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Options set through the environment. PORT and HOST are honoured as well. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<TogaiMockOptions> {
  const out: Partial<TogaiMockOptions> = {};
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  let v: string | undefined;
  if ((v = get('TOGAI_MOCK_PORT') ?? get('PORT')) !== undefined) out.port = parsePort('PORT', v);
  if ((v = get('TOGAI_MOCK_HOST') ?? get('HOST')) !== undefined) out.host = v;
  if ((v = get('TOGAI_MOCK_TOKENS')) !== undefined) out.tokens = parseList(v);
  if ((v = get('TOGAI_MOCK_STRICT_ACCOUNTS')) !== undefined) out.strictAccounts = parseBoolean('TOGAI_MOCK_STRICT_ACCOUNTS', v);
  if ((v = get('TOGAI_MOCK_ISOLATE_TENANTS')) !== undefined) out.isolateTenants = parseBoolean('TOGAI_MOCK_ISOLATE_TENANTS', v);
  if ((v = get('TOGAI_MOCK_ADMIN_TOKEN')) !== undefined) out.adminToken = v;
  if ((v = get('TOGAI_MOCK_VALIDATE_RESPONSES')) !== undefined)
    out.validateResponses = parseBoolean('TOGAI_MOCK_VALIDATE_RESPONSES', v);
  if ((v = get('TOGAI_MOCK_LOG_LEVEL')) !== undefined) out.logLevel = parseLogLevel('TOGAI_MOCK_LOG_LEVEL', v);
  if ((v = get('TOGAI_MOCK_SEED')) !== undefined) {
    out.seed = parseInteger('TOGAI_MOCK_SEED', v);
    // A seed in the environment also seeds data at start-up (5 accounts x 3 credits by default).
    out.seedAccounts = 5;
  }
  if ((v = get('TOGAI_MOCK_SEED_ACCOUNTS')) !== undefined) out.seedAccounts = parseCount('TOGAI_MOCK_SEED_ACCOUNTS', v, 1000);
  if ((v = get('TOGAI_MOCK_SEED_CREDITS')) !== undefined) out.seedCreditsPerAccount = parseCount('TOGAI_MOCK_SEED_CREDITS', v, 100);
  if ((v = get('TOGAI_MOCK_FIXTURES')) !== undefined) out.fixturesFile = v;
  if ((v = get('TOGAI_MOCK_STATE_FILE')) !== undefined) out.stateFile = v;
  if ((v = get('TOGAI_MOCK_RATE_LIMIT')) !== undefined) out.rateLimit = parseCount('TOGAI_MOCK_RATE_LIMIT', v, 1_000_000);
  if ((v = get('TOGAI_MOCK_JOURNAL_LIMIT')) !== undefined) out.journalLimit = parseCount('TOGAI_MOCK_JOURNAL_LIMIT', v, 1_000_000);
  if ((v = get('TOGAI_MOCK_CURRENCY')) !== undefined) out.defaultCurrency = v;
  if ((v = get('TOGAI_MOCK_FALLBACK_SPEC')) !== undefined) out.fallbackSpec = v;
  return out;
}

export function resolveOptions(...layers: Array<Partial<TogaiMockOptions> | undefined>): TogaiMockOptions {
  const merged: TogaiMockOptions = { ...DEFAULT_OPTIONS };
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  return merged;
}
