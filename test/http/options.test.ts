// Configured behaviour: a token list restricts credentials; strict accounts
// need accounts to exist; environment variables are parsed with clear errors.
import { describe, expect, it } from 'vitest';
import { OptionError, optionsFromEnv, resolveOptions } from '../../src/options.js';
import { creditRequest, startTestMock } from '../helpers/mock.js';

describe('TOGAI_MOCK_TOKENS', async () => {
  const mock = await startTestMock({ tokens: ['alpha', 'beta'] });
  it('accepts listed tokens only, and never echoes the bad one', async () => {
    expect((await mock.call('GET', '/credits', { token: 'alpha' })).status).toBe(200);
    expect((await mock.call('GET', '/credits', { token: null, headers: { 'x-api-key': 'beta' } })).status).toBe(200);
    const bad = await mock.call('GET', '/credits', { token: 'gamma-secret' });
    expect(bad).toMatchObject({ status: 401, body: { message: 'Invalid credentials' } });
    expect(bad.text).not.toContain('gamma-secret');
    expect(bad.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('strict accounts', async () => {
  const mock = await startTestMock({ strictAccounts: true });
  it('answers 404 on grant and balance for an account that was not created', async () => {
    const g = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'GHOST' })] },
    });
    expect(g).toMatchObject({
      status: 404,
      body: { message: 'creditRequests[0].accountId: account GHOST does not exist' },
    });
    const b = await mock.call('GET', '/accounts/GHOST/credit_balance');
    expect(b).toMatchObject({ status: 404, body: { message: 'Account GHOST does not exist' } });
    mock.runtime.store.tenant('shared').ledger.createAccount({ accountId: 'REAL', currency: 'EUR' }, Date.now());
    const ok = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'REAL' })] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.credits[0].creditUnit).toBe('EUR');
  });
});

describe('options from the environment', () => {
  it('reads TOGAI_MOCK_* and PORT/HOST', () => {
    const o = resolveOptions(
      optionsFromEnv({
        PORT: '5000',
        HOST: '0.0.0.0',
        TOGAI_MOCK_TOKENS: 'a, b,,',
        TOGAI_MOCK_STRICT_ACCOUNTS: 'true',
        TOGAI_MOCK_LOG_LEVEL: 'warn',
        TOGAI_MOCK_MAX_TENANTS: '25',
      }),
    );
    expect(o).toMatchObject({
      port: 5000,
      host: '0.0.0.0',
      tokens: ['a', 'b'],
      strictAccounts: true,
      logLevel: 'warn',
      maxTenants: 25,
    });
    expect(resolveOptions().maxTenants).toBe(1000);
    expect(resolveOptions().port).toBe(4010);
    expect(resolveOptions().host).toBe('127.0.0.1');
  });

  it('rejects bad values with a message naming the variable', () => {
    expect(() => optionsFromEnv({ PORT: 'eighty' })).toThrow(
      new OptionError('PORT must be a port number 0-65535 (got "eighty")'),
    );
    expect(() => optionsFromEnv({ TOGAI_MOCK_STRICT_ACCOUNTS: 'maybe' })).toThrow(
      /TOGAI_MOCK_STRICT_ACCOUNTS must be true or false/,
    );
    expect(() => optionsFromEnv({ TOGAI_MOCK_LOG_LEVEL: 'loud' })).toThrow(/TOGAI_MOCK_LOG_LEVEL must be one of/);
    expect(() => optionsFromEnv({ TOGAI_MOCK_MAX_TENANTS: '-1' })).toThrow(
      /TOGAI_MOCK_MAX_TENANTS must be a whole number 0-1000000/,
    );
  });
});

describe('Redis options', () => {
  it('reads TOGAI_MOCK_REDIS_URL and TOGAI_MOCK_REDIS_PREFIX, with the default prefix otherwise', () => {
    expect(
      resolveOptions(
        optionsFromEnv({ TOGAI_MOCK_REDIS_URL: 'redis://cache:6380/2', TOGAI_MOCK_REDIS_PREFIX: 'ci-7:' }),
      ),
    ).toMatchObject({
      redisUrl: 'redis://cache:6380/2',
      redisPrefix: 'ci-7:',
    });
    expect(resolveOptions()).toMatchObject({ redisUrl: undefined, redisPrefix: 'togai-mock:' });
    // With user and password, TLS, no port (6379), no database.
    for (const url of ['redis://user:secret@cache:6379/0', 'rediss://cache', 'redis://127.0.0.1:6379/']) {
      expect(optionsFromEnv({ TOGAI_MOCK_REDIS_URL: url }).redisUrl).toBe(url);
    }
  });

  it('the default prefix is the one the Redis store uses', async () => {
    const { DEFAULT_REDIS_PREFIX } = await import('../../src/store/backends/redis/connection.js');
    expect(resolveOptions().redisPrefix).toBe(DEFAULT_REDIS_PREFIX);
  });

  it('rejects a URL that is not redis://host:port[/db], never repeating its password', () => {
    const cases: Array<[string, RegExp]> = [
      ['http://cache:6379', /must start with redis:\/\/ or rediss:\/\//],
      ['cache:6379', /must start with redis:\/\//],
      ['redis://', /names no host/],
      ['redis://cache:99999', /not a URL/],
      ['redis://cache:6379/db1', /path can only be a database number/],
      ['redis://cache:6379/0?family=6', /no query or fragment/],
    ];
    for (const [url, why] of cases) {
      expect(() => optionsFromEnv({ TOGAI_MOCK_REDIS_URL: url }), url).toThrow(OptionError);
      expect(() => optionsFromEnv({ TOGAI_MOCK_REDIS_URL: url }), url).toThrow(
        /^TOGAI_MOCK_REDIS_URL must look like redis:\/\/host:port\[\/db\]: /,
      );
      expect(() => optionsFromEnv({ TOGAI_MOCK_REDIS_URL: url }), url).toThrow(why);
    }
    let message = '';
    try {
      optionsFromEnv({ TOGAI_MOCK_REDIS_URL: 'redis://admin:s3cr@t@cache:6379/x' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('redis://admin:***@cache:6379/x');
    expect(message).not.toMatch(/s3cr/);
  });

  it('rejects an empty-looking or spaced prefix', () => {
    expect(() => optionsFromEnv({ TOGAI_MOCK_REDIS_PREFIX: 'two words' })).toThrow(
      /TOGAI_MOCK_REDIS_PREFIX must be 1-100 characters without spaces/,
    );
    expect(() => optionsFromEnv({ TOGAI_MOCK_REDIS_PREFIX: 'x'.repeat(101) })).toThrow(OptionError);
  });

  it('refuses a state file and a Redis URL together: one place keeps the state', () => {
    expect(() => resolveOptions({ stateFile: 'state.json', redisUrl: 'redis://cache:6379' })).toThrow(
      /a state file \(TOGAI_MOCK_STATE_FILE, --state-file\) and Redis \(TOGAI_MOCK_REDIS_URL, --redis-url\) cannot be used together/,
    );
    expect(() =>
      resolveOptions(optionsFromEnv({ TOGAI_MOCK_STATE_FILE: 's.json' }), { redisUrl: 'redis://cache' }),
    ).toThrow(OptionError);
  });
});

describe('allowed origins and hosts', () => {
  it('reads TOGAI_MOCK_ALLOWED_ORIGINS and TOGAI_MOCK_ALLOWED_HOSTS as normalised lists, empty by default', () => {
    const o = resolveOptions(
      optionsFromEnv({
        TOGAI_MOCK_ALLOWED_ORIGINS: 'https://Mock.CI.example/, http://localhost:3000,,',
        TOGAI_MOCK_ALLOWED_HOSTS: 'Togai-Mock.ci.internal, *.jobs.test, ::1',
      }),
    );
    expect(o.allowedOrigins).toEqual(['https://mock.ci.example', 'http://localhost:3000']);
    expect(o.allowedHosts).toEqual(['togai-mock.ci.internal', '.jobs.test', '[::1]']);
    expect(resolveOptions()).toMatchObject({ allowedOrigins: [], allowedHosts: [] });
    const all = optionsFromEnv({ TOGAI_MOCK_ALLOWED_ORIGINS: '*', TOGAI_MOCK_ALLOWED_HOSTS: '*' });
    expect(resolveOptions(all)).toMatchObject({
      allowedOrigins: ['*'],
      allowedHosts: ['*'],
    });
  });

  it('rejects what is not an origin or a host name, naming the variable', () => {
    expect(() => optionsFromEnv({ TOGAI_MOCK_ALLOWED_ORIGINS: 'localhost:3000' })).toThrow(
      new OptionError(
        'TOGAI_MOCK_ALLOWED_ORIGINS takes origins such as http://app.test:3000 (scheme, host, port; no path), or * ' +
          '(got "localhost:3000")',
      ),
    );
    const withPath = { TOGAI_MOCK_ALLOWED_ORIGINS: 'http://app.test/ui' };
    expect(() => optionsFromEnv(withPath)).toThrow(/TOGAI_MOCK_ALLOWED_ORIGINS takes origins/);
    expect(() => optionsFromEnv({ TOGAI_MOCK_ALLOWED_HOSTS: 'mock.internal:4010' })).toThrow(
      new OptionError(
        'TOGAI_MOCK_ALLOWED_HOSTS takes host names without scheme or port, such as mock.internal or .example.test, ' +
          'or * (got "mock.internal:4010")',
      ),
    );
    const withScheme = { TOGAI_MOCK_ALLOWED_HOSTS: 'http://mock.internal' };
    expect(() => optionsFromEnv(withScheme)).toThrow(/TOGAI_MOCK_ALLOWED_HOSTS takes host names/);
  });
});
