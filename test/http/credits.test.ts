// The five Credits operations through real HTTP, as a Togai client sees them:
// success paths, every client error the spec lists, batches, idempotency under
// concurrency, pagination under inserts, and the lifecycle with a moved clock.
// The response self-check is on: every response here is checked against spec/.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});
beforeEach(async () => {
  await mock.reset();
  mock.setTime('2024-06-01T12:00:00Z');
});

const grant = (...reqs: Array<Record<string, unknown>>) =>
  mock.call('POST', '/credits', { body: { creditRequests: reqs } });

describe('createCredit', () => {
  it('grants credits in request order, one per request', async () => {
    const r = await grant(creditRequest({ purpose: 'one' }), creditRequest({ purpose: 'two', accountId: 'ACC002' }));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body.credits.map((c: any) => c.purpose)).toEqual(['one', 'two']);
    expect(r.body.credits[0]).toEqual({
      id: expect.stringMatching(/^cred\.[0-9A-Za-z]{11}\.[0-9A-Za-z]{5}$/),
      customerId: 'ACC001',
      accountId: 'ACC001',
      purpose: 'one',
      effectiveFrom: '2024-01-01',
      effectiveUntil: '2024-12-31',
      creditAmount: 1000,
      priority: 1,
      status: 'ACTIVE',
      applicableEntityIds: [],
      creditUnit: 'USD',
      holdAmount: 0,
      consumedAmount: 0,
      createdAt: '2024-06-01T12:00:00.000Z',
      updatedAt: '2024-06-01T12:00:00.000Z',
    });
  });

  it('stores the request fields exactly as sent', async () => {
    const sent = creditRequest({
      applicableEntityIds: ['umg.1znQx9jiIXw.r44fc', 'ALL_FIXED_FEE_RATE_CARDS'],
      grantorId: 'addon.22IZs2ZVEnw.0zDFe',
      idempotencyKey: 'idem-1',
      creditAmount: 12.5,
    });
    const r = await grant(sent);
    const d = await mock.call('GET', `/credits/${r.body.credits[0].id}`);
    expect(d.body).toMatchObject(sent);
  });

  it('is all-or-nothing: an invalid second request stores nothing and names its index and field', async () => {
    const r = await grant(creditRequest(), creditRequest({ priority: 'high' }));
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: 'creditRequests[1].priority must be integer' });
    expect((await mock.call('GET', '/credits')).body.data).toEqual([]);
  });

  it.each([
    [{ creditRequests: [creditRequest({ accountId: undefined })] }, 'creditRequests[0].accountId is required'],
    [{ creditRequests: [creditRequest({ extra: 1 })] }, 'creditRequests[0].extra is not an allowed field'],
    // The same bounds as the balance path's account_id (deviation D18): no credit an account can never read.
    [{ creditRequests: [creditRequest({ accountId: '' })] }, 'creditRequests[0].accountId must not be empty'],
    [
      { creditRequests: [creditRequest(), creditRequest({ accountId: 'a'.repeat(51) })] },
      'creditRequests[1].accountId must be at most 50 characters',
    ],
    [
      { creditRequests: [creditRequest({ effectiveFrom: '2023-02-30' })] },
      'creditRequests[0].effectiveFrom must be a calendar date (YYYY-MM-DD)',
    ],
    [{ creditRequests: [creditRequest({ creditAmount: '10' })] }, 'creditRequests[0].creditAmount must be number'],
    [
      { creditRequests: [creditRequest({ applicableEntityIds: ['a', 'a'] })] },
      'creditRequests[0].applicableEntityIds must not contain duplicates (items 0 and 1 are equal)',
    ],
    [{ creditRequests: [] }, 'creditRequests must have at least 1 item'],
    [{}, 'creditRequests is required'],
    [[creditRequest()], 'request body must be object'],
    [{ creditRequests: [creditRequest({ creditAmount: -1 })] }, 'creditRequests[0].creditAmount must not be negative'],
    [
      { creditRequests: [creditRequest({ effectiveFrom: '2024-05-02', effectiveUntil: '2024-05-01' })] },
      'creditRequests[0].effectiveUntil (2024-05-01) must not be before effectiveFrom (2024-05-02)',
    ],
  ])('rejects %j with 400', async (body, message) => {
    const r = await mock.call('POST', '/credits', { body });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message });
    expect((await mock.call('GET', '/credits')).body.data).toEqual([]);
  });

  it('rejects invalid JSON, a missing body, a wrong content type and a body over 1 MiB', async () => {
    const bad = await mock.call('POST', '/credits', {
      rawBody: '{"creditRequests": [',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad).toMatchObject({ status: 400, body: { message: 'Request body is not valid JSON' } });
    const none = await mock.call('POST', '/credits');
    expect(none).toMatchObject({ status: 400, body: { message: 'Request body is required (application/json)' } });
    const text = await mock.call('POST', '/credits', { rawBody: '{}', headers: { 'content-type': 'text/plain' } });
    expect(text).toMatchObject({ status: 415, body: { message: 'Content-Type must be application/json' } });
    const latin1 = await mock.call('POST', '/credits', {
      rawBody: '{}',
      headers: { 'content-type': 'application/json; charset=latin1' },
    });
    expect(latin1.status).toBe(415);
    const huge = JSON.stringify({ creditRequests: [creditRequest({ purpose: 'x'.repeat(1024 * 1024) })] });
    const big = await mock.call('POST', '/credits', { rawBody: huge, headers: { 'content-type': 'application/json' } });
    expect(big).toMatchObject({ status: 413, body: { message: 'Request body is larger than the 1 MiB limit' } });
  });

  it('stores exactly one credit for 50 concurrent identical idempotent grants', async () => {
    const body = creditRequest({ idempotencyKey: 'once-only' });
    const results = await Promise.all(Array.from({ length: 50 }, () => grant(body)));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(results.map((r) => r.body.credits[0].id)).size).toBe(1);
    expect((await mock.call('GET', '/credits')).body.data).toHaveLength(1);
  });
});

describe('authentication', () => {
  it('accepts a bearer token or an X-API-Key and refuses requests without credentials', async () => {
    expect((await mock.call('GET', '/credits', { token: null, headers: { 'x-api-key': 'k' } })).status).toBe(200);
    const none = await mock.call('GET', '/credits', { token: null });
    expect(none.status).toBe(401);
    expect(none.body.message).toMatch(/Missing credentials/);
    const basic = await mock.call('GET', '/credits', { token: null, headers: { authorization: 'Basic Zm9vOmJhcg==' } });
    expect(basic.status).toBe(401);
  });
});

describe('listCredits', () => {
  it('pages through everything without duplicates or gaps while credits are inserted between pages', async () => {
    const first = (await grant(...Array.from({ length: 7 }, (_, i) => creditRequest({ purpose: `a${i}` })))).body
      .credits;
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = token === undefined ? '?pageSize=3' : `?nextToken=${encodeURIComponent(token)}`;
      const page = await mock.call('GET', `/credits${q}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((c: any) => c.id));
      token = page.body.nextToken;
      if (pages++ === 0) await grant(creditRequest({ purpose: 'inserted' }));
    } while (token !== undefined);
    expect(seen.slice(0, 7)).toEqual(first.map((c: any) => c.id));
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('issues Togai-shaped tokens: base64 of lastItemId, pageSize, sortOrder', async () => {
    const ids = (await grant(creditRequest(), creditRequest())).body.credits.map((c: any) => c.id);
    const page = await mock.call('GET', '/credits?pageSize=1');
    expect(JSON.parse(Buffer.from(page.body.nextToken, 'base64').toString())).toEqual({
      lastItemId: ids[0],
      pageSize: 1,
      sortOrder: 'asc',
    });
    const last = await mock.call('GET', `/credits?pageSize=1&nextToken=${encodeURIComponent(page.body.nextToken)}`);
    expect(last.body).toEqual({ data: [expect.objectContaining({ id: ids[1] })] });
  });

  it('filters by account_id, status and id', async () => {
    const [a, b] = (await grant(creditRequest({ accountId: 'A' }), creditRequest({ accountId: 'B' }))).body.credits;
    await mock.call('POST', `/credits/${b.id}/void`);
    const ids = async (q: string) => (await mock.call('GET', `/credits?${q}`)).body.data.map((c: any) => c.id);
    expect(await ids('account_id=A')).toEqual([a.id]);
    expect(await ids('status=VOIDED')).toEqual([b.id]);
    expect(await ids(`id=${a.id}`)).toEqual([a.id]);
    expect(await ids('status=ACTIVE&account_id=B')).toEqual([]);
  });

  it.each([
    ['pageSize=0', 'pageSize must be >= 1'],
    ['pageSize=51', 'pageSize must be <= 50'],
    ['pageSize=ten', 'pageSize must be integer'],
    // In range, but not how a strict server writes an integer: an optional minus and digits only.
    ['pageSize=0x10', 'pageSize must be integer'],
    ['pageSize=1e1', 'pageSize must be integer'],
    ['pageSize=%2010', 'pageSize must be integer'],
    ['pageSize=%2B10', 'pageSize must be integer'],
    ['pageSize=10.0', 'pageSize must be integer'],
    ['status=PROCESSED', 'status must be one of ACTIVE, CONSUMED, EXPIRED, VOIDED'],
    ['nextToken=%%%', 'nextToken is malformed: not base64'],
    [`nextToken=${Buffer.from('{"pageSize":5}').toString('base64')}`, 'nextToken is malformed: lastItemId is missing'],
    [
      `nextToken=${Buffer.from('not json').toString('base64')}`,
      'nextToken is malformed: not a token issued by this API',
    ],
    [
      `nextToken=${encodeURIComponent(Buffer.from('{"lastItemId":"cred.gone","pageSize":5,"sortOrder":"asc"}').toString('base64'))}`,
      'nextToken refers to a credit that does not exist (was the mock reset?)',
    ],
  ])('rejects ?%s with 400', async (q, message) => {
    const r = await mock.call('GET', `/credits?${q}`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message });
  });
});

describe('getCreditDetails and voidCredit', () => {
  it('returns a credit with its transactions and voids it', async () => {
    const id = (await grant(creditRequest({ creditAmount: 10 }))).body.credits[0].id;
    const d = await mock.call('GET', `/credits/${id}`);
    expect(d.status).toBe(200);
    expect(d.body.transactions).toEqual([
      {
        id: expect.stringMatching(/^ctxn\./),
        creditId: id,
        transactionType: 'CREDITED',
        amount: 10,
        createdAt: '2024-06-01T12:00:00.000Z',
      },
    ]);
    mock.setTime('2024-06-02T08:00:00Z');
    const v = await mock.call('POST', `/credits/${id}/void`);
    expect(v.status).toBe(200);
    expect(v.body).toMatchObject({ id, status: 'VOIDED', updatedAt: '2024-06-02T08:00:00.000Z' });
    expect(v.body.transactions).toBeUndefined();
    const after = await mock.call('GET', `/credits/${id}`);
    expect(after.body.transactions.map((t: any) => [t.transactionType, t.amount])).toEqual([
      ['CREDITED', 10],
      ['VOIDED', 10],
    ]);
  });

  it('answers 404 for an unknown credit and 400 for voiding a non-ACTIVE one', async () => {
    expect(await mock.call('GET', '/credits/cred.00000000000.00000')).toMatchObject({
      status: 404,
      body: { message: 'Credit cred.00000000000.00000 does not exist' },
    });
    expect((await mock.call('POST', '/credits/cred.00000000000.00000/void')).status).toBe(404);
    const id = (await grant(creditRequest())).body.credits[0].id;
    await mock.call('POST', `/credits/${id}/void`);
    const again = await mock.call('POST', `/credits/${id}/void`);
    expect(again).toMatchObject({
      status: 400,
      body: { message: `Credit ${id} is VOIDED; only an ACTIVE credit can be voided` },
    });
  });

  it('rejects an over-long credit id with 400', async () => {
    const r = await mock.call('GET', `/credits/${'x'.repeat(51)}`);
    expect(r).toMatchObject({ status: 400, body: { message: 'credit_id must be at most 50 characters' } });
  });
});

describe('CreditBalanceForAccount and the lifecycle with a moved clock', () => {
  it('counts active, available, running and inapplicable credits and follows expiry', async () => {
    const [soon] = (
      await grant(
        creditRequest({ creditAmount: 600, effectiveUntil: '2024-06-30' }),
        creditRequest({ creditAmount: 400, effectiveUntil: '2024-12-31' }),
        creditRequest({ creditAmount: 100, effectiveFrom: '2024-07-15' }),
      )
    ).body.credits;
    const bal = async () => (await mock.call('GET', '/accounts/ACC001/credit_balance')).body;
    expect(await bal()).toEqual({
      activeCredits: 1000,
      availableBalance: 1000,
      runningBalance: 1000,
      inapplicableCredits: 100,
      unit: 'USD',
      lastUpdatedAt: '2024-06-01T12:00:00.000Z',
    });
    mock.setTime('2024-07-01T00:00:00Z');
    const expired = await mock.call('GET', `/credits/${soon.id}`);
    expect(expired.body.status).toBe('EXPIRED');
    expect(expired.body.transactions.at(-1)).toMatchObject({ transactionType: 'EXPIRED', amount: 600 });
    expect(await bal()).toMatchObject({
      activeCredits: 400,
      inapplicableCredits: 100,
      lastUpdatedAt: '2024-07-01T00:00:00.000Z',
    });
    mock.setTime('2024-07-15T00:00:00Z');
    expect(await bal()).toMatchObject({ activeCredits: 500, inapplicableCredits: 0 });
    expect((await mock.call('GET', '/credits?status=EXPIRED')).body.data.map((c: any) => c.id)).toEqual([soon.id]);
  });

  it('grants to a 50-character account id and reads its balance back', async () => {
    const accountId = 'a'.repeat(50);
    expect((await grant(creditRequest({ accountId, creditAmount: 30 }))).status).toBe(200);
    expect((await mock.call('GET', `/accounts/${accountId}/credit_balance`)).body).toMatchObject({ activeCredits: 30 });
  });

  it('answers zeros for an account without credits and 400 for an over-long account id', async () => {
    expect((await mock.call('GET', '/accounts/NOBODY/credit_balance')).body).toMatchObject({
      activeCredits: 0,
      unit: 'USD',
    });
    const long = await mock.call('GET', `/accounts/${'a'.repeat(51)}/credit_balance`);
    expect(long).toMatchObject({ status: 400, body: { message: 'account_id must be at most 50 characters' } });
  });
});

describe('routing', () => {
  it('answers unknown routes with a Togai 404 body and wrong methods with 405 and Allow', async () => {
    const r = await mock.call('GET', '/invoices');
    expect(r).toMatchObject({ status: 404, body: { message: 'No such route: GET /invoices' } });
    const m = await mock.call('DELETE', '/credits');
    expect(m.status).toBe(405);
    expect(m.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect(m.body.message).toMatch(/DELETE is not allowed/);
  });

  it('never answers with HTML or a stack trace', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PATCH', '/credits/x'],
      ['POST', '/credits'],
    ] as const) {
      const withBody = method === 'GET' ? {} : { rawBody: '{', headers: { 'content-type': 'application/json' } };
      const r = await mock.call(method, path, withBody);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.text).not.toMatch(/<html|at .*\.js:\d+/i);
    }
  });
});
