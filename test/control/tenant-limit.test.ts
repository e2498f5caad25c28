// The tenant limit (TOGAI_MOCK_MAX_TENANTS): with isolated tenants every new
// credential that changes something makes a tenant (reads alone make none), so
// past the limit a credential without one gets a
// Togai 403 (on the Credits API and on control calls naming it), while existing
// tenants and the shared one keep working, and a reset makes room again. A
// limit of 0 means none.
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';

const LIMIT_MESSAGE =
  'Tenant limit reached: 2 tenants exist (TOGAI_MOCK_MAX_TENANTS=2); reset the mock or raise the limit';

let mock: TestMock;
let open: TestMock;
beforeAll(async () => {
  [mock, open] = await Promise.all([
    startTestMock({ isolateTenants: true, maxTenants: 2 }),
    startTestMock({ isolateTenants: true, maxTenants: 0 }),
  ]);
});

const GRANT = { creditRequests: [{ accountId: 'A', purpose: 'P', effectiveFrom: '2024-01-01', priority: 1 }] };

/** Makes `token`'s tenant by changing something in it (a grant); answers the status. */
async function grantAs(m: TestMock, token: string): Promise<number> {
  return (await m.call('POST', '/credits', { token, body: GRANT })).status;
}

describe('maxTenants', () => {
  it('answers 403 to a new credential past the limit and keeps serving the tenants that exist', async () => {
    await mock.call('POST', '/_mock/reset');
    expect(await grantAs(mock, 'job-1')).toBe(200);
    expect(await grantAs(mock, 'job-2')).toBe(200);
    const third = await mock.call('GET', '/credits', { token: 'job-3' });
    expect(third).toMatchObject({ status: 403, body: { message: LIMIT_MESSAGE } });
    // A grant from it stores nothing anywhere; the journal shows the refusal.
    expect(await grantAs(mock, 'job-3')).toBe(403);
    expect((await mock.call('GET', '/_mock/requests?limit=1')).body.requests[0]).toMatchObject({
      status: 403,
      error: LIMIT_MESSAGE,
    });
    // Control calls naming a new credential are refused alike; the shared tenant (no header) is not counted.
    expect(await mock.call('GET', '/_mock/accounts', { headers: { 'X-Mock-Tenant': 'job-4' } })).toMatchObject({
      status: 403,
      body: { message: LIMIT_MESSAGE },
    });
    expect((await mock.call('GET', '/_mock/accounts')).status).toBe(200);
    expect((await mock.call('GET', '/credits', { token: 'job-1' })).status).toBe(200);
    expect(mock.runtime.store.keys().filter((k) => k !== 'shared')).toHaveLength(2);
  });

  it('makes room again when a tenant is reset', async () => {
    await mock.call('POST', '/_mock/reset');
    await grantAs(mock, 'job-1');
    await grantAs(mock, 'job-2');
    expect((await mock.call('GET', '/credits', { token: 'job-3' })).status).toBe(403);
    expect((await mock.call('POST', '/_mock/reset', { headers: { 'X-Mock-Tenant': 'job-1' } })).status).toBe(204);
    expect(await grantAs(mock, 'job-3')).toBe(200);
    expect((await mock.call('GET', '/credits', { token: 'job-1' })).status).toBe(403);
  });

  it('counts only credentials that changed something: reads alone make no tenant', async () => {
    await mock.call('POST', '/_mock/reset');
    for (let i = 0; i < 5; i++) expect((await mock.call('GET', '/credits', { token: `reader-${i}` })).status).toBe(200);
    expect(mock.runtime.store.keys().filter((k) => k !== 'shared')).toHaveLength(0);
    expect(await grantAs(mock, 'job-1')).toBe(200);
    expect(mock.runtime.store.keys().filter((k) => k !== 'shared')).toHaveLength(1);
  });

  it('has no limit at 0', async () => {
    for (let i = 0; i < 30; i++) expect(await grantAs(open, `job-${i}`)).toBe(200);
    expect(open.runtime.store.keys().filter((k) => k !== 'shared').length).toBeGreaterThanOrEqual(30);
  });

  it('still loads a snapshot holding more tenants than the limit (the limit is on growth)', async () => {
    for (const token of ['s-1', 's-2', 's-3']) await grantAs(open, token);
    const snapshot = (await open.call('GET', '/_mock/state')).body;
    expect((await mock.call('PUT', '/_mock/state', { body: snapshot })).status).toBe(204);
    expect((await mock.call('GET', '/credits', { token: 's-3' })).status).toBe(200);
    expect((await mock.call('GET', '/credits', { token: 'newcomer' })).status).toBe(403);
  });
});
