// Isolated tenants (one ledger per credential; control calls pick one with
// X-Mock-Tenant) and the admin guard on /_mock.
import { beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let iso: TestMock;
let shared: TestMock;
let guarded: TestMock;
beforeAll(async () => {
  [iso, shared, guarded] = await Promise.all([
    startTestMock({ isolateTenants: true }),
    startTestMock(),
    startTestMock({ adminToken: 'admin-secret' }),
  ]);
});

describe('isolated tenants', () => {
  it("keeps two credentials' credits apart", async () => {
    const a = await iso.call('POST', '/credits', {
      token: 'job-a',
      body: { creditRequests: [creditRequest({ accountId: 'SAME' })] },
    });
    const b = await iso.call('POST', '/credits', {
      token: 'job-b',
      body: { creditRequests: [creditRequest({ accountId: 'SAME' })] },
    });
    expect((await iso.call('GET', '/credits', { token: 'job-a' })).body.data.map((c: any) => c.id)).toEqual([
      a.body.credits[0].id,
    ]);
    expect((await iso.call('GET', '/credits', { token: 'job-b' })).body.data.map((c: any) => c.id)).toEqual([
      b.body.credits[0].id,
    ]);
    expect((await iso.call('GET', `/credits/${a.body.credits[0].id}`, { token: 'job-b' })).status).toBe(404);
    expect((await iso.call('POST', `/credits/${a.body.credits[0].id}/void`, { token: 'job-b' })).status).toBe(404);
  });

  it('lets control calls act on one tenant with X-Mock-Tenant', async () => {
    const h = { 'x-mock-tenant': 'job-c' };
    await iso.call('POST', '/_mock/accounts', { body: { accountId: 'C1' }, headers: h });
    await iso.call('POST', '/credits', {
      token: 'job-c',
      body: { creditRequests: [creditRequest({ accountId: 'C1', effectiveUntil: undefined })] },
    });
    const consumed = await iso.call('POST', '/_mock/accounts/C1/consume', { body: { amount: 10 }, headers: h });
    expect(consumed.body.drawn).toHaveLength(1);
    expect((await iso.call('GET', '/_mock/accounts', { headers: h })).body.total).toBe(1);
    expect((await iso.call('GET', '/_mock/accounts', { headers: { 'x-mock-tenant': 'job-d' } })).body.total).toBe(0);
    expect((await iso.call('POST', '/_mock/accounts/C1/consume', { body: { amount: 1 } })).status).toBe(404);
    // Reset with the header empties that tenant only.
    await iso.call('POST', '/_mock/reset', { headers: h });
    expect((await iso.call('GET', '/credits', { token: 'job-c' })).body.data).toEqual([]);
    expect((await iso.call('GET', '/credits', { token: 'job-a' })).body.data).toHaveLength(1);
  });

  it('exports every tenant by its key in GET /_mock/state, never the credential', async () => {
    const s = await iso.call('GET', '/_mock/state');
    expect(s.body.tenants.length).toBeGreaterThanOrEqual(2);
    for (const t of s.body.tenants) expect(t.key).toMatch(/^t_[0-9a-f]{16}$|^shared$/);
    expect(s.text).not.toMatch(/job-[abcd]/);
  });

  it('without isolation, every credential shares one ledger and X-Mock-Tenant is ignored', async () => {
    await shared.call('POST', '/credits', { token: 'one', body: { creditRequests: [creditRequest()] } });
    expect((await shared.call('GET', '/credits', { token: 'two' })).body.data).toHaveLength(1);
    expect((await shared.call('GET', '/_mock/accounts', { headers: { 'x-mock-tenant': 'one' } })).body.total).toBe(1);
  });
});

describe('admin guard', () => {
  it('needs Authorization: Bearer <admin token> on every /_mock call except health', async () => {
    expect((await guarded.call('GET', '/_mock/health', { token: null })).status).toBe(200);
    const none = await guarded.call('GET', '/_mock/clock', { token: null });
    expect(none).toMatchObject({
      status: 401,
      body: { message: 'The control API needs Authorization: Bearer <admin token> (TOGAI_MOCK_ADMIN_TOKEN is set)' },
    });
    const wrong = await guarded.call('POST', '/_mock/reset', { token: 'not-it' });
    expect(wrong).toMatchObject({ status: 401, body: { message: 'Invalid admin token for the control API' } });
    expect(wrong.text).not.toContain('not-it');
    expect((await guarded.call('GET', '/_mock/requests', { token: null })).status).toBe(401);
    expect((await guarded.call('GET', '/_mock/no-such-route', { token: null })).status).toBe(401);
    expect((await guarded.call('GET', '/_mock/clock', { token: 'admin-secret' })).status).toBe(200);
    // The Togai API itself is not guarded by the admin token.
    expect((await guarded.call('GET', '/credits', { token: 'any-client' })).status).toBe(200);
  });
});
