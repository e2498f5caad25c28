// The fake clock over HTTP: read, freeze, advance, back to real time; and
// what follows it: createdAt/updatedAt, expiry (status, transaction, balance).
import { beforeAll, describe, expect, it } from 'vitest';
import { creditRequest, startTestMock, type TestMock } from '../helpers/mock.js';

let mock: TestMock;
let iso: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
  iso = await startTestMock({ isolateTenants: true });
});

describe('clock', () => {
  it('freezes, advances and returns to real time', async () => {
    const set = await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-01T12:00:00Z' } });
    expect(set).toMatchObject({ status: 200, body: { now: '2024-06-01T12:00:00.000Z', frozen: true } });
    expect((await mock.call('GET', '/_mock/clock')).body).toEqual({ now: '2024-06-01T12:00:00.000Z', frozen: true });
    const adv = await mock.call('POST', '/_mock/clock/advance', { body: { seconds: 90 } });
    expect(adv.body).toEqual({ now: '2024-06-01T12:01:30.000Z', frozen: true });
    const before = Date.now();
    const real = await mock.call('DELETE', '/_mock/clock');
    expect(real.body.frozen).toBe(false);
    expect(Date.parse(real.body.now)).toBeGreaterThanOrEqual(before);
  });

  it('rejects a bad instant with a message naming the field', async () => {
    const r = await mock.call('PUT', '/_mock/clock', { body: { now: 'yesterday' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^now must be an RFC 3339 date-time/);
    const a = await mock.call('POST', '/_mock/clock/advance', { body: { seconds: 'ten' } });
    expect(a).toMatchObject({ status: 400, body: { message: 'seconds must be number' } });
  });

  it('stamps createdAt and updatedAt with the fake time', async () => {
    await mock.call('PUT', '/_mock/clock', { body: { now: '2024-03-05T08:00:00Z' } });
    const g = await mock.call('POST', '/credits', {
      body: { creditRequests: [creditRequest({ accountId: 'STAMP' })] },
    });
    expect(g.body.credits[0]).toMatchObject({
      createdAt: '2024-03-05T08:00:00.000Z',
      updatedAt: '2024-03-05T08:00:00.000Z',
    });
    await mock.call('POST', '/_mock/clock/advance', { body: { seconds: 3600 } });
    const v = await mock.call('POST', `/credits/${g.body.credits[0].id}/void`);
    expect(v.body).toMatchObject({
      status: 'VOIDED',
      createdAt: '2024-03-05T08:00:00.000Z',
      updatedAt: '2024-03-05T09:00:00.000Z',
    });
  });

  it('expires a credit when the clock passes effectiveUntil: status, transaction, balance', async () => {
    await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-30T10:00:00Z' } });
    const g = await mock.call('POST', '/credits', {
      body: {
        creditRequests: [
          creditRequest({
            accountId: 'EXP',
            effectiveFrom: '2024-06-01',
            effectiveUntil: '2024-06-30',
            creditAmount: 300,
          }),
          creditRequest({
            accountId: 'EXP',
            effectiveFrom: '2024-06-01',
            effectiveUntil: '2024-12-31',
            creditAmount: 200,
          }),
        ],
      },
    });
    const [short] = g.body.credits;
    await mock.call('POST', '/_mock/accounts/EXP/consume', { body: { amount: 100 } });
    const before = await mock.call('GET', '/accounts/EXP/credit_balance');
    expect(before.body).toMatchObject({ activeCredits: 500, availableBalance: 400 });

    // Still the last day of the window: in effect until the day ends.
    await mock.call('PUT', '/_mock/clock', { body: { now: '2024-06-30T23:59:59Z' } });
    expect((await mock.call('GET', `/credits/${short.id}`)).body.status).toBe('ACTIVE');

    await mock.call('POST', '/_mock/clock/advance', { body: { seconds: 2 } });
    const after = await mock.call('GET', `/credits/${short.id}`);
    expect(after.body.status).toBe('EXPIRED');
    const expired = after.body.transactions.filter((t: any) => t.transactionType === 'EXPIRED');
    expect(expired).toEqual([expect.objectContaining({ amount: 200, createdAt: '2024-07-01T00:00:00.000Z' })]);
    const balance = await mock.call('GET', '/accounts/EXP/credit_balance');
    expect(balance.body).toMatchObject({ activeCredits: 200, availableBalance: 200, runningBalance: 200 });
    const list = await mock.call('GET', '/credits?status=EXPIRED&account_id=EXP');
    expect(list.body.data.map((c: any) => c.id)).toEqual([short.id]);
  });

  it('keeps one clock per isolated tenant', async () => {
    await iso.call('PUT', '/_mock/clock', {
      body: { now: '2030-01-01T00:00:00Z' },
      headers: { 'x-mock-tenant': 'job-a' },
    });
    const a = await iso.call('GET', '/_mock/clock', { headers: { 'x-mock-tenant': 'job-a' } });
    const b = await iso.call('GET', '/_mock/clock', { headers: { 'x-mock-tenant': 'job-b' } });
    expect(a.body).toEqual({ now: '2030-01-01T00:00:00.000Z', frozen: true });
    expect(b.body.frozen).toBe(false);
    const g = await iso.call('POST', '/credits', { token: 'job-a', body: { creditRequests: [creditRequest()] } });
    expect(g.body.credits[0].createdAt).toBe('2030-01-01T00:00:00.000Z');
  });
});
