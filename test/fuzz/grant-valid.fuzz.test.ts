// Property: every grant batch the spec allows (generated from
// spec/togai-credits.yaml, see spec-arbitraries.ts) is answered 200, one
// credit per request in order, each stored exactly as it was sent, readable
// back by id; a repeated idempotency key returns the first credit and stores
// nothing new. Seed and size: see config.ts.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_TIMEOUT, fcParams } from './config.js';
import { RawClient } from './http.js';
import { toJsonText, validBatch, type Req } from './spec-arbitraries.js';

let mock: TestMock;
let client: RawClient;
const NOW = '2025-06-01T12:00:00.000Z';

beforeAll(async () => {
  mock = await startTestMock({ seed: 7 });
  mock.setTime(NOW);
  client = new RawClient(mock.url);
});
afterAll(() => client.close());

const ledger = () => mock.runtime.store.peek('shared').ledger;
const CREDIT_ID = /^cred\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/;

describe('fuzz: valid grant batches', () => {
  it(
    'answers 200 and stores each request exactly as sent',
    async () => {
      // What the mock answered for each (accountId, idempotencyKey) so far.
      const byKey = new Map<string, unknown>();
      // Sum of creditAmount stored per account: amounts are doubles, and a grant
      // whose account total would pass Number.MAX_VALUE is refused (checked as
      // if every request of the batch were new).
      const totals = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(validBatch, async (batch) => {
          const text = toJsonText(batch);
          const sent = (JSON.parse(text) as { creditRequests: Req[] }).creditRequests;
          const before = ledger().creditCount;
          const res = await client.post('/credits', text);
          const running = new Map(totals);
          const overflow = sent.findIndex((r) => {
            const t = (running.get(String(r.accountId)) ?? 0) + ((r.creditAmount as number | undefined) ?? 0);
            running.set(String(r.accountId), t);
            return !Number.isFinite(t);
          });
          if (overflow >= 0) {
            expect(res.status, res.text).toBe(400);
            expect((res.json as { message: string }).message).toContain(`creditRequests[${overflow}].creditAmount`);
            expect(ledger().creditCount).toBe(before);
            return;
          }
          expect(res.status, res.text).toBe(200);
          const credits = (res.json as { credits: Array<Record<string, unknown>> }).credits;
          expect(credits).toHaveLength(sent.length);
          const fresh: Array<Record<string, unknown>> = [];
          sent.forEach((r, i) => {
            const c = credits[i]!;
            const key =
              r.idempotencyKey === undefined ? undefined : `${String(r.accountId)}\u0000${String(r.idempotencyKey)}`;
            const earlier = key === undefined ? undefined : byKey.get(key);
            if (earlier !== undefined) {
              expect(c, `idempotent replay of request ${i}`).toEqual(earlier);
              return;
            }
            const { id, customerId, status, creditUnit, holdAmount, consumedAmount, createdAt, updatedAt, ...stored } =
              c;
            expect(stored, `request ${i} stored as sent`).toEqual({ applicableEntityIds: [], ...r });
            expect(id).toMatch(CREDIT_ID);
            expect(customerId).toBe(r.accountId);
            expect(creditUnit).toBe('USD');
            expect([holdAmount, consumedAmount, createdAt, updatedAt]).toEqual([0, 0, NOW, NOW]);
            // Already over when granted: expires at once; otherwise ACTIVE.
            const over = typeof r.effectiveUntil === 'string' && r.effectiveUntil < NOW.slice(0, 10);
            expect(status).toBe(over ? 'EXPIRED' : 'ACTIVE');
            if (key !== undefined) byKey.set(key, c);
            totals.set(
              String(r.accountId),
              (totals.get(String(r.accountId)) ?? 0) + ((r.creditAmount as number | undefined) ?? 0),
            );
            fresh.push(c);
          });
          expect(ledger().creditCount, 'credits stored').toBe(before + fresh.length);
          // Every account the balance path can name answers with finite totals.
          for (const account of new Set(sent.map((r) => String(r.accountId)))) {
            if ([...account].length < 1 || [...account].length > 50) continue;
            let encoded: string;
            try {
              encoded = encodeURIComponent(account);
            } catch {
              continue; // a lone surrogate: no URL can name this account
            }
            const balance = await client.get(`/accounts/${encoded}/credit_balance`);
            expect(balance.status, `balance of ${account}: ${balance.text}`).toBe(200);
            for (const v of Object.values(balance.json as object))
              if (typeof v !== 'string') expect(Number.isFinite(v)).toBe(true);
          }
          for (const c of fresh) {
            const back = await client.get(`/credits/${encodeURIComponent(String(c.id))}`);
            expect(back.status, back.text).toBe(200);
            const { transactions, ...credit } = back.json as Record<string, unknown>;
            expect(credit).toEqual(c);
            expect((transactions as Array<{ transactionType: string }>)[0]?.transactionType).toBe('CREDITED');
          }
        }),
        // Stateful (the mock keeps what earlier runs stored): report the first failure as it happened, unshrunk.
        { ...fcParams(1000), endOnFailure: true },
      );
    },
    FUZZ_TIMEOUT,
  );
});
