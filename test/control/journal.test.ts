// The request journal: what clients sent to the Togai API (bodies, status,
// operation, tenant key), filtered, newest last, bounded; control calls are
// not recorded; credentials never appear.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BODY_CLIP } from '../../src/store/services/journal.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
let small: TestMock;
let iso: TestMock;
beforeAll(async () => {
  [mock, small, iso] = await Promise.all([
    startTestMock(),
    startTestMock({ journalLimit: 3 }),
    startTestMock({ isolateTenants: true }),
  ]);
});
beforeEach(async () => {
  await mock.call('DELETE', '/_mock/requests');
});

describe('GET /_mock/requests', () => {
  it('records method, path, operation, status, bodies, error and tenant, newest last', async () => {
    const body = { creditRequests: [creditRequest()] };
    const g = await mock.call('POST', '/credits', { body, token: 'secret-token-123' });
    await mock.call('GET', '/credits?pageSize=0', { token: 'secret-token-123' });
    await mock.call('GET', '/nowhere');
    await mock.call('GET', '/_mock/clock');
    const r = await mock.call('GET', '/_mock/requests');
    expect(r.status).toBe(200);
    const [grant, list, lost] = r.body.requests;
    expect(r.body.requests).toHaveLength(3);
    expect(grant).toMatchObject({
      method: 'POST',
      path: '/credits',
      operationId: 'createCredit',
      status: 200,
      tenant: 'shared',
      requestBody: body,
      responseBody: g.body,
    });
    expect(Date.parse(grant.time)).not.toBeNaN();
    expect(list).toMatchObject({
      operationId: 'listCredits',
      status: 400,
      query: 'pageSize=0',
      error: 'pageSize must be >= 1',
    });
    expect(list.id).toBeGreaterThan(grant.id);
    expect(lost).toMatchObject({ path: '/nowhere', status: 404, tenant: null });
    expect(r.text).not.toContain('secret-token-123');
  });

  it('filters by method, path (also a template or pattern), operationId, after and limit', async () => {
    const g = await mock.call('POST', '/credits', { body: { creditRequests: [creditRequest()] } });
    const id = g.body.credits[0].id;
    await mock.call('GET', `/credits/${id}`);
    await mock.call('GET', `/credits/${id}`);
    await mock.call('GET', '/accounts/ACC001/credit_balance');
    const get = await mock.call('GET', '/_mock/requests?method=get');
    expect(get.body.requests).toHaveLength(3);
    const byTemplate = await mock.call('GET', `/_mock/requests?path=${encodeURIComponent('/credits/{credit_id}')}`);
    expect(byTemplate.body.requests).toHaveLength(2);
    const byPattern = await mock.call('GET', '/_mock/requests?path=/accounts/*');
    expect(byPattern.body.requests.map((e: any) => e.operationId)).toEqual(['CreditBalanceForAccount']);
    const byOp = await mock.call('GET', '/_mock/requests?operationId=createCredit');
    expect(byOp.body.requests).toHaveLength(1);
    const last = await mock.call('GET', '/_mock/requests?limit=1');
    expect(last.body.requests.map((e: any) => e.path)).toEqual(['/accounts/ACC001/credit_balance']);
    const after = await mock.call('GET', `/_mock/requests?after=${byOp.body.requests[0].id}`);
    expect(after.body.requests).toHaveLength(3);
  });

  it.each(['CreditBalanceForAccount', 'creditbalanceforaccount', 'CREDITBALANCEFORACCOUNT'])(
    "filters by Togai's operationId in any case: %s finds the balance call",
    async (typed) => {
      await mock.call('GET', '/credits');
      await mock.call('GET', '/accounts/ACC001/credit_balance');
      const r = await mock.call('GET', `/_mock/requests?operationId=${typed}`);
      expect(r.body.requests.map((e: any) => [e.operationId, e.path])).toEqual([
        ['CreditBalanceForAccount', '/accounts/ACC001/credit_balance'],
      ]);
    },
  );

  it('takes its integer filters only as digits, like the Togai API', async () => {
    for (const q of ['limit=1e1', 'limit=0x10', 'after=%2B1', 'after=1.0']) {
      const r = await mock.call('GET', `/_mock/requests?${q}`);
      expect(r, q).toMatchObject({ status: 400, body: { message: `${q.split('=')[0]} must be integer` } });
    }
    expect((await mock.call('GET', '/_mock/requests?limit=10&after=0')).status).toBe(200);
  });

  it('clips bodies over 16 KiB and says so', async () => {
    const big = creditRequest({ purpose: 'x'.repeat(BODY_CLIP + 100) });
    await mock.call('POST', '/credits', { body: { creditRequests: [big] } });
    const [e] = (await mock.call('GET', '/_mock/requests')).body.requests;
    expect(e.truncated).toBe(true);
    expect(typeof e.requestBody).toBe('string');
    expect(e.requestBody).toHaveLength(BODY_CLIP);
  });

  it('keeps only the newest journalLimit entries', async () => {
    for (let i = 0; i < 5; i++) await small.call('GET', `/credits?pageSize=${i + 1}`);
    const r = await small.call('GET', '/_mock/requests');
    expect(r.body.requests.map((e: any) => e.query)).toEqual(['pageSize=3', 'pageSize=4', 'pageSize=5']);
  });

  it('DELETE empties it', async () => {
    await mock.call('GET', '/credits');
    expect((await mock.call('DELETE', '/_mock/requests')).status).toBe(204);
    expect((await mock.call('GET', '/_mock/requests')).body.requests).toEqual([]);
  });

  it('with isolated tenants, X-Mock-Tenant lists and clears only that tenant', async () => {
    await iso.call('GET', '/credits', { token: 'job-a' });
    await iso.call('GET', '/credits', { token: 'job-b' });
    await iso.call('GET', '/credits', { token: 'job-b' });
    const a = await iso.call('GET', '/_mock/requests', { headers: { 'x-mock-tenant': 'job-a' } });
    expect(a.body.requests).toHaveLength(1);
    expect(a.body.requests[0].tenant).toMatch(/^t_[0-9a-f]{16}$/);
    expect(a.text).not.toContain('job-a');
    expect((await iso.call('GET', '/_mock/requests')).body.requests).toHaveLength(3);
    await iso.call('DELETE', '/_mock/requests', { headers: { 'x-mock-tenant': 'job-b' } });
    expect((await iso.call('GET', '/_mock/requests')).body.requests).toHaveLength(1);
  });
});
