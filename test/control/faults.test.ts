// Faults on purpose: rules that fire `times` times and stop, latency, path
// and tenant matching, `Prefer: code=NNN`, and the per-credential rate limit.
// A fault answers before the handler, so it never changes state.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
let iso: TestMock;
beforeAll(async () => {
  [mock, iso] = await Promise.all([startTestMock(), startTestMock({ isolateTenants: true })]);
});
beforeEach(async () => {
  await mock.call('DELETE', '/_mock/faults');
  await mock.call('PUT', '/_mock/rate-limit', { body: { requestsPerSecond: 0 } });
  await mock.call('POST', '/_mock/reset');
  await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T00:00:00Z' } });
});

describe('fault rules', () => {
  it('fires `times` times, then stops and is removed', async () => {
    const add = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'createCredit' }, status: 503, message: 'Togai is down', times: 2 },
    });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({
      id: expect.any(String),
      status: 503,
      times: 2,
      remaining: 2,
      fired: 0,
      probability: 1,
    });
    const body = { creditRequests: [creditRequest()] };
    const first = await mock.call('POST', '/credits', { body });
    const second = await mock.call('POST', '/credits', { body });
    const third = await mock.call('POST', '/credits', { body });
    expect([first.status, second.status, third.status]).toEqual([503, 503, 200]);
    expect(first.body).toEqual({ message: 'Togai is down' });
    // The faulted requests stored nothing.
    expect((await mock.call('GET', '/credits')).body.data).toHaveLength(1);
    expect((await mock.call('GET', '/_mock/faults')).body).toEqual({ faults: [] });
    // The journal still shows what the client sent, and which rule answered.
    const journal = await mock.call('GET', '/_mock/requests?operationId=createCredit');
    expect(journal.body.requests[0]).toMatchObject({
      status: 503,
      fault: add.body.id,
      requestBody: body,
      error: 'Togai is down',
    });
  });

  it.each(['CreditBalanceForAccount', 'creditbalanceforaccount'])(
    "matches Togai's operationId typed as %s, stored in Togai's spelling, and no other operation",
    async (typed) => {
      const add = await mock.call('POST', '/_mock/faults', { body: { match: { operationId: typed }, status: 502 } });
      expect(add.status).toBe(201);
      expect(add.body.match).toEqual({ operationId: 'CreditBalanceForAccount' });
      expect((await mock.call('GET', '/accounts/ACC001/credit_balance')).status).toBe(502);
      expect((await mock.call('GET', '/credits')).status).toBe(200);
    },
  );

  it('refuses a rule whose operationId names no Togai operation, suggesting what it may mean', async () => {
    const bad = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'creditBalance' }, status: 502 },
    });
    expect(bad).toMatchObject({
      status: 400,
      body: {
        message:
          'match.operationId "creditBalance" is no operationId of the Togai API (in any case); ' +
          'did you mean CreditBalanceForAccount? Every one is listed in the API reference, /_mock/docs',
      },
    });
    const none = await mock.call('POST', '/_mock/faults', { body: { match: { operationId: 'xyzzy' }, status: 502 } });
    expect(none.status).toBe(400);
    expect(none.body.message).toBe(
      'match.operationId "xyzzy" is no operationId of the Togai API (in any case) ' +
        'Every one is listed in the API reference, /_mock/docs',
    );
    // The control API's own operations are not the Togai API's.
    const control = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'createMockAccount' }, status: 502 },
    });
    expect(control.status).toBe(400);
    expect((await mock.call('GET', '/_mock/faults')).body.faults).toEqual([]);
  });

  it("a rule on createAccount fires on Togai's POST /accounts, not on the control API's POST /_mock/accounts", async () => {
    const add = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'createaccount' }, status: 503 },
    });
    expect(add.status).toBe(201);
    expect(add.body.match).toEqual({ operationId: 'createAccount' });
    const togai = await mock.call('POST', '/accounts', {
      body: { id: 'ACC-F1', name: 'Fault test', customerId: 'C1' },
    });
    expect(togai.status).toBe(503);
    const control = await mock.call('POST', '/_mock/accounts', { body: { accountId: 'ACC-F2' } });
    expect(control.status).toBe(201);
    const recorded = await mock.call('GET', '/_mock/requests?operationId=createAccount');
    expect(recorded.body.requests.map((r: { path: string; status: number }) => [r.path, r.status])).toEqual([
      ['/accounts', 503],
    ]);
  });

  it('matches by method and by path, also a template or a pattern, and leaves other routes alone', async () => {
    await mock.call('POST', '/_mock/faults', {
      body: { match: { method: 'get', path: '/credits/{credit_id}' }, status: 500 },
    });
    await mock.call('POST', '/_mock/faults', { body: { match: { path: '/accounts/*/credit_balance' }, status: 502 } });
    const g = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest()] } });
    expect(g.status).toBe(200);
    const id = g.body.credits[0].id;
    expect((await mock.call('GET', `/credits/${id}`)).status).toBe(500);
    expect((await mock.call('POST', `/credits/${id}/void`)).status).toBe(200);
    expect((await mock.call('GET', '/accounts/ACC001/credit_balance')).status).toBe(502);
    expect((await mock.call('GET', '/credits')).status).toBe(200);
    // Never on the control API.
    expect((await mock.call('GET', '/_mock/health')).status).toBe(200);
  });

  it('defaults to 503, slows down with latencyMs only, and never fires with probability 0', async () => {
    const never = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'listCredits' }, probability: 0 },
    });
    expect(never.body).toMatchObject({ status: 503, probability: 0 });
    expect((await mock.call('GET', '/credits')).status).toBe(200);
    await mock.call('DELETE', `/_mock/faults/${never.body.id}`);

    const slow = await mock.call('POST', '/_mock/faults', {
      body: { match: { operationId: 'listCredits' }, latencyMs: 50, times: 1 },
    });
    expect(slow.body.status).toBeUndefined();
    const r = await mock.call('GET', '/credits');
    expect(r.status).toBe(200);
    const journal = await mock.call('GET', '/_mock/requests?operationId=listCredits&limit=1');
    expect(journal.body.requests[0]).toMatchObject({ status: 200, fault: slow.body.id });
    expect(journal.body.requests[0].latencyMs).toBeGreaterThanOrEqual(50);
  });

  it('removes one rule by id, and answers 404 for an unknown one', async () => {
    const r = await mock.call('POST', '/_mock/faults', { body: { status: 500 } });
    expect((await mock.call('GET', '/_mock/faults')).body.faults.map((f: any) => f.id)).toEqual([r.body.id]);
    expect((await mock.call('DELETE', `/_mock/faults/${r.body.id}`)).status).toBe(204);
    expect(await mock.call('DELETE', `/_mock/faults/${r.body.id}`)).toMatchObject({
      status: 404,
      body: { message: `Fault rule ${r.body.id} does not exist` },
    });
    const bad = await mock.call('POST', '/_mock/faults', { body: { status: 200 } });
    expect(bad).toMatchObject({ status: 400, body: { message: 'status must be >= 400' } });
  });

  it('with isolated tenants and X-Mock-Tenant, applies to that tenant only', async () => {
    await iso.call('POST', '/_mock/faults', { body: { status: 503 }, headers: { 'x-mock-tenant': 'job-a' } });
    expect((await iso.call('GET', '/credits', { token: 'job-a' })).status).toBe(503);
    expect((await iso.call('GET', '/credits', { token: 'job-b' })).status).toBe(200);
    const rules = (await iso.call('GET', '/_mock/faults')).body.faults;
    expect(rules[0].tenant).toMatch(/^t_[0-9a-f]{16}$/);
    expect(JSON.stringify(rules)).not.toContain('job-a');
    await iso.call('POST', '/_mock/faults', { body: { status: 500 }, headers: { 'x-mock-tenant': 'job-b' } });
    expect(
      (await iso.call('GET', '/_mock/faults', { headers: { 'x-mock-tenant': 'job-b' } })).body.faults,
    ).toHaveLength(1);
    await iso.call('DELETE', '/_mock/faults', { headers: { 'x-mock-tenant': 'job-a' } });
    expect((await iso.call('GET', '/credits', { token: 'job-a' })).status).toBe(200);
    expect((await iso.call('GET', '/credits', { token: 'job-b' })).status).toBe(500);
    await iso.call('DELETE', '/_mock/faults');
    expect((await iso.call('GET', '/credits', { token: 'job-b' })).status).toBe(200);
  });
});

describe('Prefer: code', () => {
  it('forces a documented error status with a Togai error body, changing nothing', async () => {
    const r = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest()] },
      headers: { prefer: 'code=429' },
    });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.body.message).toMatch(/Prefer: code=429/);
    const nf = await mock.call('GET', '/credits/cred.whatever', { headers: { prefer: 'code=404' } });
    expect(nf.status).toBe(404);
    expect((await mock.call('GET', '/credits')).body.data).toEqual([]);
  });

  it('lets a documented success through, and refuses an undocumented code', async () => {
    expect((await mock.call('GET', '/credits', { headers: { prefer: 'code=200' } })).status).toBe(200);
    const r = await mock.call('GET', '/credits', { headers: { prefer: 'code=418' } });
    expect(r).toMatchObject({
      status: 400,
      body: {
        message: 'Prefer: code=418 is not a documented status of listCredits; documented: 200, 400, 401, 403, 404, 429',
      },
    });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After beyond N requests per second per credential', async () => {
    expect((await mock.call('PUT', '/_mock/rate-limit', { body: { requestsPerSecond: 3 } })).body).toEqual({
      requestsPerSecond: 3,
    });
    const burst = await Promise.all(Array.from({ length: 8 }, () => mock.call('GET', '/credits', { token: 'bursty' })));
    const statuses = burst.map((r) => r.status).sort();
    // A one-second window holds at most 3 (more than 3 only if the burst outlasted a second).
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
    const limited = burst.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.body.message).toMatch(/^Rate limit exceeded: at most 3 requests per second per credential/);
    // Another credential has its own window.
    expect((await mock.call('GET', '/credits', { token: 'calm' })).status).toBe(200);
    expect((await mock.call('GET', '/_mock/rate-limit')).body).toEqual({ requestsPerSecond: 3 });
  });

  it('starts from the rateLimit option (TOGAI_MOCK_RATE_LIMIT)', async () => {
    const limited = await startTestMock({ rateLimit: 1 });
    const [x, y] = await Promise.all([limited.call('GET', '/credits'), limited.call('GET', '/credits')]);
    expect([x.status, y.status].sort()).toEqual([200, 429]);
  });
});
