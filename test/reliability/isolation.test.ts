// Isolation and access, on one mock configured as a shared test environment
// would be: isolated tenants, a token list, an admin token.
// - No Togai API or control call of one tenant sees or touches another's data.
// - With TOGAI_MOCK_TOKENS set, no request without one of them reaches a
//   handler (the ledger is spied on: not a single call).
// - With an admin token, no /_mock call without it changes anything (each
//   call is also shown to succeed with the token, so it would have acted).
// - No response, journal entry or snapshot echoes a secret.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ledger } from '../../src/domain/ledger.js';
import { tenantKeyFor } from '../../src/store/machine/store.js';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_SEED, runs } from '../fuzz/config.js';
import { RawClient, type RawResponse } from '../fuzz/http.js';

const TOKEN_A = 'sekret-tenant-A-4f1c';
const TOKEN_B = 'sekret-tenant-B-9d2e';
const ADMIN = 'sekret-admin-77aa';
const SECRETS = [TOKEN_A, TOKEN_B, ADMIN];

let mock: TestMock;
let a: RawClient;
let b: RawClient;
let anon: RawClient;
let aCredits: Array<{ id: string }> = [];

beforeAll(async () => {
  mock = await startTestMock({ isolateTenants: true, tokens: [TOKEN_A, TOKEN_B], adminToken: ADMIN });
  a = new RawClient(mock.url, 16, TOKEN_A);
  b = new RawClient(mock.url, 16, TOKEN_B);
  anon = new RawClient(mock.url);
  const r = await a.post(
    '/credits',
    JSON.stringify({
      creditRequests: [
        creditRequest({ accountId: 'ALPHA', effectiveUntil: '2999-12-31' }),
        creditRequest({ accountId: 'ALPHA', effectiveUntil: '2999-12-31', idempotencyKey: 'shared-key' }),
        creditRequest({ accountId: 'ALPHA-2', effectiveUntil: '2999-12-31' }),
      ],
    }),
  );
  expect(r.status, r.text).toBe(200);
  aCredits = (r.json as { credits: Array<{ id: string }> }).credits;
});
afterAll(() => {
  for (const c of [a, b, anon]) c.close();
});

const admin = (tenant?: string): Record<string, string> => ({
  authorization: `Bearer ${ADMIN}`,
  ...(tenant === undefined ? {} : { 'x-mock-tenant': tenant }),
});
const body = <T = any>(r: RawResponse): T => r.json as T;
const noSecrets = (r: RawResponse): void => {
  const all = `${r.text} ${JSON.stringify(r.headers)}`;
  for (const s of SECRETS) expect(all, `response echoes a secret: ${all.slice(0, 300)}`).not.toContain(s);
};

/** Tenant A's view, through A's own credential. */
async function aView(): Promise<string> {
  const list = await a.get('/credits?pageSize=50');
  const balance = await a.get('/accounts/ALPHA/credit_balance');
  const accounts = await anon.get('/_mock/accounts', admin(TOKEN_A));
  return JSON.stringify([body(list), body(balance), body(accounts).accounts]);
}

describe('tenant isolation', () => {
  it('gives another tenant no read, list, balance or void of tenant A data', async () => {
    const before = await aView();
    const ids = aCredits.map((c) => c.id);
    expect(body(await b.get('/credits')).data).toEqual([]);
    for (const id of ids) {
      expect((await b.get(`/credits/${id}`)).status).toBe(404);
      expect((await b.post(`/credits/${id}/void`, '')).status).toBe(404);
      expect(body(await b.get(`/credits?id=${id}`)).data).toEqual([]);
    }
    expect(body(await b.get('/credits?account_id=ALPHA')).data).toEqual([]);
    const balance = body(await b.get('/accounts/ALPHA/credit_balance'));
    expect([balance.activeCredits, balance.availableBalance, balance.inapplicableCredits]).toEqual([0, 0, 0]);
    // A's cursor means nothing in B's tenant.
    const page = body(await a.get('/credits?pageSize=1'));
    expect((await b.get(`/credits?nextToken=${encodeURIComponent(page.nextToken)}`)).status).toBe(400);
    // Idempotency keys are per tenant: B's grant with A's key is B's own new credit.
    const mine = await b.post(
      '/credits',
      JSON.stringify({ creditRequests: [creditRequest({ accountId: 'ALPHA', idempotencyKey: 'shared-key' })] }),
    );
    expect(ids).not.toContain(body(mine).credits[0].id);
    expect(await aView()).toBe(before);
  });

  it('gives a control call naming tenant B nothing of tenant A', async () => {
    const before = await aView();
    const B = admin(TOKEN_B);
    const accounts = body(await anon.get('/_mock/accounts', B)).accounts.map((x: { accountId: string }) => x.accountId);
    expect(accounts).not.toContain('ALPHA-2');
    expect((await anon.get('/_mock/accounts/ALPHA-2', B)).status).toBe(404);
    for (const op of ['consume', 'holds/release', 'holds/settle']) {
      const r = await anon.post(`/_mock/accounts/ALPHA-2/${op}`, op === 'consume' ? '{"amount":1}' : '{}', B);
      expect(r.status, `${op}: ${r.text}`).toBe(404);
    }
    expect(
      (
        await anon.send({
          method: 'PUT',
          path: '/_mock/clock',
          headers: { ...B, 'content-type': 'application/json' },
          body: '{"now":"2001-01-01T00:00:00Z"}',
        })
      ).status,
    ).toBe(200);
    expect(body(await anon.get('/_mock/clock', admin(TOKEN_A))).now).not.toMatch(/^2001/);
    expect((await anon.post('/_mock/seed', '{"seed":1,"accounts":2,"creditsPerAccount":2}', B)).status).toBe(200);
    expect((await anon.post('/_mock/reset', '', B)).status).toBe(204);
    // B's journal holds B's own calls only (some of them probed A's ids, and their 404s say so).
    const entries = body(await anon.get('/_mock/requests?limit=500', B)).requests as Array<{
      tenant: string;
      status: number;
      responseBody?: unknown;
    }>;
    expect(entries.length).toBeGreaterThan(0);
    expect(new Set(entries.map((e) => e.tenant))).toEqual(new Set([tenantKeyFor(TOKEN_B)]));
    for (const e of entries.filter((x) => x.status === 200)) {
      for (const id of aCredits.map((c) => c.id)) expect(JSON.stringify(e.responseBody ?? null)).not.toContain(id);
    }
    // A fault aimed at tenant B fails B's calls only.
    const fault = await anon.post('/_mock/faults', '{"match":{"operationId":"listCredits"},"status":503}', B);
    expect(fault.status, fault.text).toBe(201);
    expect((await b.get('/credits')).status).toBe(503);
    expect((await a.get('/credits')).status).toBe(200);
    expect((await anon.send({ method: 'DELETE', path: '/_mock/faults', headers: admin() })).status).toBe(204);
    expect(await aView()).toBe(before);
  });
});

describe('TOGAI_MOCK_TOKENS', () => {
  const LEDGER_METHODS = ['grant', 'list', 'getCredit', 'getCreditDetails', 'void', 'balance', 'settle'] as const;

  it('lets no request without a listed token reach a handler', async () => {
    const spies = LEDGER_METHODS.map((m) => vi.spyOn(Ledger.prototype, m));
    const grant = JSON.stringify({ creditRequests: [creditRequest({ accountId: 'INTRUDER' })] });
    const calls = [
      { method: 'POST', path: '/credits', body: grant },
      { method: 'GET', path: '/credits' },
      { method: 'GET', path: `/credits/${aCredits[0]!.id}` },
      { method: 'POST', path: `/credits/${aCredits[0]!.id}/void` },
      { method: 'GET', path: '/accounts/ALPHA/credit_balance' },
    ];
    // Header sets a client might send: none, wrong, near misses of a real token, other schemes.
    const credentialHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
      fc.constant<Record<string, string>>({}),
      fc.constantFrom<Record<string, string>>(
        { authorization: `Bearer ${TOKEN_A.toUpperCase()}` },
        { authorization: `Bearer ${TOKEN_A}x` },
        { authorization: `Bearer ${TOKEN_A.slice(0, -1)}` },
        { authorization: `Basic ${Buffer.from(`u:${TOKEN_A}`).toString('base64')}` },
        { authorization: TOKEN_A },
        { authorization: 'Bearer' },
        { authorization: `Token ${TOKEN_A}` },
        { 'x-api-key': `${TOKEN_B} ` + 'x' },
        { 'x-api-key': '' },
        { 'x-mock-tenant': TOKEN_A },
        { authorization: `Bearer ${ADMIN}` },
      ),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 })
        .map((s) => ({ authorization: `Bearer sekret-${s.replace(/[\r\n]/g, '')}` })),
      fc
        .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 })
        .map((s) => ({ 'x-api-key': `sekret-${s.replace(/[\r\n]/g, '')}` })),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...calls), credentialHeaders, async (call, headers) => {
        const r = await anon.send({
          method: call.method,
          path: call.path,
          headers: { ...headers, ...(call.body ? { 'content-type': 'application/json' } : {}) },
          ...(call.body ? { body: call.body } : {}),
        });
        expect(r.status, `${call.method} ${call.path} ${JSON.stringify(headers)}: ${r.text}`).toBe(401);
        expect(r.headers['www-authenticate']).toBeDefined();
        noSecrets(r);
        for (const v of Object.values(headers)) if (v.length >= 8) expect(r.text).not.toContain(v.trim());
      }),
      { seed: FUZZ_SEED, numRuns: runs(300) },
    );
    for (const s of spies) expect(s, `Ledger.${s.getMockName()} was reached`).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    // The same calls with a listed token do reach the ledger (the spies can see).
    const seen = vi.spyOn(Ledger.prototype, 'list');
    expect((await a.get('/credits')).status).toBe(200);
    expect(seen).toHaveBeenCalled();
    vi.restoreAllMocks();
  });
});

describe('admin token', () => {
  /** Everything a control call could change, read with the admin token. */
  async function observable(): Promise<string> {
    const parts = await Promise.all(
      ['/_mock/state', '/_mock/faults', '/_mock/rate-limit', '/_mock/clock', '/_mock/requests?limit=1000'].map((p) =>
        anon.get(p, admin()),
      ),
    );
    for (const p of parts) expect(p.status, p.text).toBe(200);
    const [state, faults, rate, clock, journal] = parts.map((p) => p.json as any);
    delete state.savedAt; // when the snapshot was taken, not what it holds
    return JSON.stringify({
      state,
      faults,
      rate,
      clock,
      journal: journal.requests.length,
      tenantA: body(await anon.get('/_mock/clock', admin(TOKEN_A))),
    });
  }

  it('lets no /_mock call without it change anything (and each call works with it)', async () => {
    const ops = mock.runtime.control.operations.filter((op) => op.operationId !== 'health');
    // Frozen clocks, so what is observed does not move with real time (resetClock unfreezes them).
    const freeze = async (): Promise<void> => {
      for (const t of [undefined, TOKEN_A]) {
        const r = await anon.send({
          method: 'PUT',
          path: '/_mock/clock',
          headers: { ...admin(t), 'content-type': 'application/json' },
          body: '{"now":"2024-06-01T00:00:00Z"}',
        });
        expect(r.status).toBe(200);
      }
    };
    // Valid bodies, so a call refused here is refused for want of the token, not for its body.
    const bodies: Record<string, string> = {
      seed: '{"seed":5,"accounts":1,"creditsPerAccount":1}',
      loadFixtures: JSON.stringify({
        accounts: [{ accountId: 'FIX-1' }],
        credits: [{ accountId: 'FIX-1', purpose: 'p', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 5 }],
      }),
      setClock: '{"now":"2030-01-01T00:00:00Z"}',
      advanceClock: '{"seconds":3600}',
      createMockAccount: '{"accountId":"EVIL-ACCOUNT"}',
      consume: '{"amount":1}',
      releaseHolds: '{}',
      settleHolds: '{}',
      debitWallet: '{"amount":1}',
      releaseWalletHolds: '{}',
      settleWalletHolds: '{}',
      createFault: '{"match":{"operationId":"createCredit"},"status":503}',
      setRateLimit: '{"requestsPerSecond":1}',
      putState: JSON.stringify(body(await anon.get('/_mock/state', admin()))),
      providerState: JSON.stringify({
        state: 'an account has an active credit',
        params: { accountId: 'PS-1', creditId: 'cred.PSxxxxxxxxx.00001' },
        action: 'setup',
      }),
    };
    const pathParams: Record<string, string> = { accountId: 'ALPHA-2' };
    // Destructive calls last, so the others act on data.
    const order = (id: string): number =>
      ['reset', 'putState', 'clearRequests', 'clearFaults', 'deleteFault'].includes(id) ? 1 : 0;
    const sorted = [...ops].sort((x, y) => order(x.operationId) - order(y.operationId));
    const outsiders: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong-admin' },
      { authorization: `Bearer ${TOKEN_A}` },
      { 'x-api-key': ADMIN },
      { authorization: `Bearer ${ADMIN.toUpperCase()}` },
      { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString('base64')}` },
    ];
    for (const op of sorted) {
      if (op.operationId === 'deleteFault') {
        pathParams.faultId = body(
          await anon.post('/_mock/faults', '{"match":{"path":"/nowhere"},"status":500}', admin()),
        ).id;
      }
      const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(pathParams[name] ?? 'x'));
      const text = bodies[op.operationId];
      const req = (headers: Record<string, string>) =>
        anon.send({
          method: op.method.toUpperCase(),
          path: op.method === 'get' && op.operationId === 'listRequests' ? `${path}?limit=5` : path,
          headers: {
            ...headers,
            'x-mock-tenant': TOKEN_A,
            ...(text === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(text === undefined ? {} : { body: text }),
        });
      await freeze();
      const before = await observable();
      for (const headers of outsiders) {
        const r = await req(headers);
        expect(r.status, `${op.operationId} with ${JSON.stringify(headers)}: ${r.text}`).toBe(401);
        noSecrets(r);
      }
      expect(await observable(), `${op.operationId} changed something without the admin token`).toBe(before);
      const ok = await req(admin());
      expect(ok.status, `${op.operationId} with the admin token: ${ok.text}`).toBeLessThan(300);
    }
  });

  it('keeps health open and does not reveal which control routes exist', async () => {
    expect((await anon.get('/_mock/health')).status).toBe(200);
    const unknown = await anon.get('/_mock/no-such-route');
    expect(unknown.status).toBe(401);
    noSecrets(unknown);
  });
});

describe('secrets', () => {
  it('never appear in the journal or the state snapshot', async () => {
    await b.post('/credits', JSON.stringify({ creditRequests: [creditRequest({ accountId: 'SNAP' })] }));
    await anon.get('/credits', { authorization: `Bearer ${TOKEN_A}-wrong` });
    for (const path of ['/_mock/requests?limit=1000', '/_mock/state', '/_mock/accounts']) {
      const r = await anon.get(path, admin(TOKEN_B));
      expect(r.status).toBe(200);
      noSecrets(r);
    }
  });
});
