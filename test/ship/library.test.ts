// The library API as a test suite uses it: startTogaiMock() on a free port,
// then seed, clock, requests and reset through the mock's control API, with
// the admin token passed along, per-tenant helpers, and clear errors.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTogaiMock, TogaiMockError, type TogaiMock } from '../../src/index.js';

let mock: TogaiMock;
beforeAll(async () => {
  mock = await startTogaiMock({ adminToken: 'admin-secret', validateResponses: true });
});
afterAll(async () => {
  await mock.close();
  expect(mock.runtime.selfCheckFailures).toEqual([]);
});
beforeEach(async () => {
  await mock.reset();
  await mock.clock.reset();
});

const api = (path: string, init: RequestInit = {}, token = 'key-1') =>
  fetch(`${mock.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });

describe('startTogaiMock', () => {
  it('listens on a free port of 127.0.0.1 and answers the Togai API', async () => {
    expect(mock.port).toBeGreaterThan(0);
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    expect((await api('/credits')).status).toBe(200);
  });

  it('two mocks run side by side without sharing state', async () => {
    const other = await startTogaiMock();
    try {
      expect(other.port).not.toBe(mock.port);
      await other.seed({ seed: 3, accounts: 1, creditsPerAccount: 1 });
      const mine = (await (await api('/credits')).json()) as { data: unknown[] };
      expect(mine.data).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('seed', () => {
  it('creates accounts and credits, reproducibly for a seed', async () => {
    await mock.clock.set('2024-06-01T00:00:00Z');
    const first = await mock.seed({ seed: 42, accounts: 2, creditsPerAccount: 2 });
    expect(first.accounts).toHaveLength(2);
    expect(first.credits).toHaveLength(4);
    const listed = (await (await api('/credits')).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((c) => c.id).sort()).toEqual(first.credits.map((c) => c.id).sort());

    await mock.reset();
    await mock.clock.set('2024-06-01T00:00:00Z');
    const again = await mock.seed({ seed: 42, accounts: 2, creditsPerAccount: 2 });
    expect(again).toEqual(first);
  });

  it('a bad request rejects with TogaiMockError carrying status and message', async () => {
    const err = await mock.seed({ accounts: -1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TogaiMockError);
    expect((err as TogaiMockError).status).toBe(400);
    expect((err as TogaiMockError).message).toMatch(/accounts/);
  });
});

describe('clock', () => {
  it('set, advance, now and reset', async () => {
    expect(await mock.clock.set('2024-03-01T10:00:00Z')).toEqual({ now: '2024-03-01T10:00:00.000Z', frozen: true });
    expect(await mock.clock.advance(90)).toEqual({ now: '2024-03-01T10:01:30.000Z', frozen: true });
    expect(await mock.clock.now()).toEqual({ now: '2024-03-01T10:01:30.000Z', frozen: true });
    expect(await mock.clock.set(new Date('2025-01-01T00:00:00Z'))).toMatchObject({ now: '2025-01-01T00:00:00.000Z' });
    expect(await mock.clock.set(Date.parse('2025-02-01T00:00:00Z'))).toMatchObject({ now: '2025-02-01T00:00:00.000Z' });
    const real = await mock.clock.reset();
    expect(real.frozen).toBe(false);
  });

  it('the Togai API sees the moved clock', async () => {
    await mock.clock.set('2024-06-01T00:00:00Z');
    const grant = await api('/credits', {
      method: 'POST',
      body: JSON.stringify({
        creditRequests: [
          {
            accountId: 'ACC-CLK',
            purpose: 'P',
            effectiveFrom: '2024-06-01',
            effectiveUntil: '2024-06-30',
            creditAmount: 10,
            priority: 1,
          },
        ],
      }),
    });
    const id = ((await grant.json()) as { credits: Array<{ id: string; createdAt: string }> }).credits[0]!;
    expect(id.createdAt).toMatch(/^2024-06-01T00:00:00/);
    await mock.clock.advance(60 * 86_400);
    const after = (await (await api(`/credits/${id.id}`)).json()) as { status: string };
    expect(after.status).toBe('EXPIRED');
  });
});

describe('requests', () => {
  it('lists what the Togai API received, filtered', async () => {
    await api('/credits?pageSize=5');
    await api('/accounts/ACC-R/credit_balance');
    const all = await mock.requests();
    expect(all.map((r) => r.operationId)).toEqual(expect.arrayContaining(['listCredits', 'CreditBalanceForAccount']));
    const lists = await mock.requests({ operationId: 'listCredits' });
    expect(lists.length).toBeGreaterThan(0);
    expect(lists.every((r) => r.operationId === 'listCredits' && r.method === 'GET')).toBe(true);
    const last = await mock.requests({ path: '/accounts/*', limit: 1 });
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({ path: '/accounts/ACC-R/credit_balance', status: 200 });
  });
});

describe('admin token', () => {
  it('the helpers send it; other callers without it get 401', async () => {
    expect((await fetch(`${mock.url}/_mock/clock`)).status).toBe(401);
    await expect(mock.clock.now()).resolves.toMatchObject({ frozen: false });
  });
});

describe('tenants', () => {
  it('forTenant acts on the tenant of a credential when tenants are isolated', async () => {
    const iso = await startTogaiMock({ isolateTenants: true });
    try {
      await iso.forTenant('key-a').clock.set('2020-01-01T00:00:00Z');
      expect((await iso.forTenant('key-a').clock.now()).now).toBe('2020-01-01T00:00:00.000Z');
      expect((await iso.forTenant('key-b').clock.now()).frozen).toBe(false);
      expect((await iso.clock.now()).frozen).toBe(false);
      await iso.forTenant('key-a').seed({ seed: 1, accounts: 1, creditsPerAccount: 1 });
      const list = (token: string) =>
        fetch(`${iso.url}/credits`, { headers: { authorization: `Bearer ${token}` } }).then(
          async (r) => ((await r.json()) as { data: unknown[] }).data,
        );
      expect(await list('key-a')).toHaveLength(1);
      expect(await list('key-b')).toHaveLength(0);
    } finally {
      await iso.close();
    }
  });
});

describe('close', () => {
  it('stops the server and is safe to call twice', async () => {
    const m = await startTogaiMock();
    const url = m.url;
    await m.close();
    await m.close();
    await expect(fetch(`${url}/_mock/health`)).rejects.toThrow();
  });
});
