// The response self-check must catch a response that spec/ does not allow:
// here a handler is made to drop a required field, and the mock must answer
// 500 and record the mismatch instead of sending it. The broken handler goes
// in through the server's test-only overrides; the exported handlers stay
// untouched (they are frozen).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditHandlers } from '../../src/http/handlers.js';
import { resolveOptions } from '../../src/options.js';
import { startServer, type RunningServer } from '../../src/server.js';

let mock: RunningServer;
beforeAll(async () => {
  const original = creditHandlers.CreditBalanceForAccount!;
  mock = await startServer(resolveOptions({ port: 0, logLevel: 'silent', validateResponses: true }), {
    // The accounts document's operations are checked the same way; this one answers a wallet without its balance.
    handlers: {
      WalletBalanceForAccount: ({ params }) => ({
        status: 200,
        body: {
          id: 'wal.1',
          accountId: params.account_id,
          customerId: params.account_id,
          creditUnit: 'USD',
          status: 'ACTIVE',
          effectiveFrom: '2024-01-01T00:00:00Z',
        },
      }),
    },
    creditHandlers: {
      CreditBalanceForAccount: (input) => {
        const result = original(input) as { status: number; body: Record<string, unknown> };
        const { unit: _dropped, ...body } = result.body;
        return { status: 200, body };
      },
    },
  });
});
afterAll(async () => {
  await mock.close();
});

describe('response self-check', () => {
  it('turns a response that breaks spec/ into a loud 500 and records it', async () => {
    const res = await fetch(`${mock.url}/accounts/A/credit_balance`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      message: 'togai-mock response self-check failed: CreditBalanceForAccount 200: unit is required',
    });
    expect(mock.runtime.selfCheckFailures).toEqual(['CreditBalanceForAccount 200: unit is required']);
  });

  it("checks the accounts document's operations too, whose handlers the same overrides replace", async () => {
    const res = await fetch(`${mock.url}/accounts/A/wallet`, { headers: { authorization: 'Bearer t' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      message: 'togai-mock response self-check failed: WalletBalanceForAccount 200: balance is required',
    });
    expect(mock.runtime.selfCheckFailures).toEqual([
      'CreditBalanceForAccount 200: unit is required',
      'WalletBalanceForAccount 200: balance is required',
    ]);
  });
});
