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
    const g = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'GHOST' })] } });
    expect(g).toMatchObject({ status: 404, body: { message: 'creditRequests[0].accountId: account GHOST does not exist' } });
    const b = await mock.call('GET', '/accounts/GHOST/credit_balance');
    expect(b).toMatchObject({ status: 404, body: { message: 'Account GHOST does not exist' } });
    mock.runtime.store.tenant('shared').ledger.createAccount({ accountId: 'REAL', currency: 'EUR' }, Date.now());
    const ok = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest({ accountId: 'REAL' })] } });
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
    expect(o).toMatchObject({ port: 5000, host: '0.0.0.0', tokens: ['a', 'b'], strictAccounts: true, logLevel: 'warn', maxTenants: 25 });
    expect(resolveOptions().maxTenants).toBe(1000);
    expect(resolveOptions().port).toBe(4010);
    expect(resolveOptions().host).toBe('127.0.0.1');
  });

  it('rejects bad values with a message naming the variable', () => {
    expect(() => optionsFromEnv({ PORT: 'eighty' })).toThrow(new OptionError('PORT must be a port number 0-65535 (got "eighty")'));
    expect(() => optionsFromEnv({ TOGAI_MOCK_STRICT_ACCOUNTS: 'maybe' })).toThrow(/TOGAI_MOCK_STRICT_ACCOUNTS must be true or false/);
    expect(() => optionsFromEnv({ TOGAI_MOCK_LOG_LEVEL: 'loud' })).toThrow(/TOGAI_MOCK_LOG_LEVEL must be one of/);
    expect(() => optionsFromEnv({ TOGAI_MOCK_MAX_TENANTS: '-1' })).toThrow(/TOGAI_MOCK_MAX_TENANTS must be a whole number 0-1000000/);
  });
});
