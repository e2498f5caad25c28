import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TogaiMockContainer, type StartedTogaiMockContainer } from 'togai-mock/testcontainers';

let togai: StartedTogaiMockContainer;

beforeAll(async () => {
  // The image built with `docker build -t togai-mock .` (TOGAI_MOCK_IMAGE names another).
  togai = await new TogaiMockContainer().withTokens('test-api-key').start();
}, 120_000);
// Without the reaper (TESTCONTAINERS_RYUK_DISABLED=true) nothing else removes it.
afterAll(() => togai?.stop());
beforeEach(async () => {
  await togai.reset();
  await togai.clock.set('2024-06-15T12:00:00Z');
});

// Stands in for your code that calls Togai; its base URL is togai.getBaseUrl().
async function callTogai(method: string, path: string, body?: unknown) {
  const res = await fetch(`${togai.getBaseUrl()}${path}`, {
    method,
    headers: { authorization: 'Bearer test-api-key', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('prepaid credits, against the container', () => {
  it('a granted credit counts in the balance until it expires', async () => {
    const grant = await callTogai('POST', '/credits', {
      creditRequests: [
        {
          accountId: 'ACC-1',
          purpose: 'PREPAID_CREDIT',
          effectiveFrom: '2024-06-01',
          effectiveUntil: '2024-06-30',
          creditAmount: 100,
          priority: 1,
        },
      ],
    });
    expect(grant.status).toBe(200);
    expect((await callTogai('GET', '/accounts/ACC-1/credit_balance')).body.availableBalance).toBe(100);

    await togai.clock.advance(30 * 24 * 3600);
    expect((await callTogai('GET', '/accounts/ACC-1/credit_balance')).body.availableBalance).toBe(0);
  });

  it('seeded data and the request journal', async () => {
    const { accounts } = await togai.seed({ seed: 42, accounts: 2, creditsPerAccount: 3 });
    await callTogai('GET', `/credits?account_id=${accounts[0]!.accountId}`);
    const calls = await togai.requests({ operationId: 'listCredits' });
    expect(calls.map((c) => c.status)).toEqual([200]);
  });
});
