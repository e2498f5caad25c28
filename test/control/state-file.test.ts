// TOGAI_MOCK_STATE_FILE through the engine, as a user sees it over HTTP: a
// restarted mock holds everything that was answered (with and without
// compactions in between; seeds, fixtures and provider states included, and
// a pending provider state can still be torn down after the restart), a torn last line of the log is dropped, a write
// that fails answers 503 naming the file and changes nothing, and a state
// file of an earlier version (one v1 JSON document) still loads.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveOptions, type TogaiMockOptions } from '../../src/options.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { FileLog, type FileLogIo } from '../../src/store/backends/file/log.js';
import { nodeIo } from '../../src/store/backends/file/io.js';
import { creditRequest } from '../helpers/mock.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'togai-mock-state-file-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'state.json');
}

async function start(file: string, options: Partial<TogaiMockOptions> = {}, log?: FileLog): Promise<RunningServer> {
  const running = await startServer(
    resolveOptions({ port: 0, logLevel: 'silent', validateResponses: true, stateFile: file }, options),
    {
      ...(log ? { log } : {}),
    },
  );
  // close() runs once, however often it is called.
  cleanups.push(() => running.close());
  return running;
}

async function call(
  mock: RunningServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${mock.url}${path}`, {
    method,
    headers: { authorization: 'Bearer t', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Everything a user can see of the state. */
async function everything(mock: RunningServer): Promise<unknown> {
  return {
    state: (await call(mock, 'GET', '/_mock/state')).body.tenants,
    faults: (await call(mock, 'GET', '/_mock/faults')).body,
    rateLimit: (await call(mock, 'GET', '/_mock/rate-limit')).body,
    clock: (await call(mock, 'GET', '/_mock/clock')).body,
  };
}

/** A bit of everything the control API and the Togai API can change. */
async function workload(mock: RunningServer, round: number): Promise<void> {
  const ok = (r: { status: number; body: unknown }, status = 200): void => {
    expect(r.status, JSON.stringify(r.body)).toBe(status);
  };
  ok(await call(mock, 'PUT', '/_mock/clock', { now: `2024-0${1 + round}-01T00:00:00Z` }));
  const granted = await call(mock, 'POST', '/credits', {
    creditRequests: [
      creditRequest({ accountId: `A${round}`, effectiveUntil: undefined }),
      creditRequest({ accountId: `B${round}`, idempotencyKey: `k${round}` }),
    ],
  });
  ok(granted);
  ok(await call(mock, 'POST', `/credits/${granted.body.credits[1].id}/void`));
  ok(await call(mock, 'POST', `/_mock/accounts/A${round}/consume`, { amount: 10 }));
  ok(
    await call(mock, 'POST', `/_mock/accounts/A${round}/consume`, { amount: 5, hold: true, invoiceId: `inv${round}` }),
  );
  ok(await call(mock, 'POST', `/_mock/accounts/A${round}/holds/settle`, { invoiceId: `inv${round}` }));
  ok(await call(mock, 'POST', '/_mock/accounts', { accountId: `C${round}`, currency: 'EUR' }), 201);
  ok(await call(mock, 'POST', '/_mock/clock/advance', { seconds: 86_400 * 400 }));
  ok(
    await call(mock, 'POST', '/_mock/faults', {
      match: { operationId: 'creditBalanceForAccount' },
      status: 500,
      times: 3,
    }),
    201,
  );
  ok(await call(mock, 'PUT', '/_mock/rate-limit', { requestsPerSecond: 100 + round }));
  ok(await call(mock, 'POST', '/_mock/seed', { seed: round, accounts: 2, creditsPerAccount: 2 }));
  ok(await call(mock, 'POST', '/_mock/seed', { accounts: 1, creditsPerAccount: 1 }));
  ok(
    await call(mock, 'POST', '/_mock/fixtures', {
      accounts: [{ accountId: `F${round}` }],
      credits: [{ accountId: `F${round}`, purpose: 'P', effectiveFrom: '2024-01-01', priority: 1, creditAmount: 9 }],
    }),
  );
  const state = {
    state: 'an account has an active credit',
    params: { accountId: `PS${round}`, creditId: `cred.stateFile000${round}.00000` },
  };
  ok(await call(mock, 'POST', '/_mock/provider-states', state));
  ok(
    await call(mock, 'POST', '/_mock/provider-states', {
      state: 'an account exists',
      params: { accountId: `PS-kept${round}` },
    }),
  );
  // One torn down again, one left pending (its undo is part of the state).
  ok(await call(mock, 'POST', '/_mock/provider-states', { ...state, action: 'teardown' }));
}

describe('state file: restart', () => {
  it('holds everything that was answered, from the log alone', async () => {
    const file = stateFile();
    const first = await start(file);
    await workload(first, 0);
    await workload(first, 1);
    const before = await everything(first);
    await first.close();

    const second = await start(file);
    expect(await everything(second)).toEqual(before);
    // And carries on: a grant after the restart is kept too.
    expect(
      (await call(second, 'POST', '/credits', { creditRequests: [creditRequest({ accountId: 'AFTER' })] })).status,
    ).toBe(200);
    const after = await everything(second);
    await second.close();
    const third = await start(file);
    expect(await everything(third)).toEqual(after);
  });

  it('holds everything that was answered across compactions (snapshot plus the log after it)', async () => {
    const file = stateFile();
    const first = await start(file, { stateSnapshotEvery: 4 });
    for (let round = 0; round < 4; round++) await workload(first, round);
    const before = await everything(first);
    await first.close();
    // A compaction wrote a snapshot in parts; the log holds only what followed it.
    expect(readFileSync(file, 'utf8').startsWith('{"togaiMockSnapshot":1,')).toBe(true);
    expect(readFileSync(`${file}.log`, 'utf8').split('\n').length - 1).toBeLessThan(40);

    const second = await start(file, { stateSnapshotEvery: 4 });
    expect(await everything(second)).toEqual(before);
    // The provider state left pending before the restart is torn down after it.
    const pending = { state: 'an account exists', params: { accountId: 'PS-kept3' }, action: 'teardown' };
    expect((await call(second, 'POST', '/_mock/provider-states', pending)).status).toBe(200);
    expect((await call(second, 'GET', '/_mock/accounts/PS-kept3')).status).toBe(404);
  });

  it('drops a torn last line (a write cut short by a crash) and keeps the rest', async () => {
    const file = stateFile();
    const first = await start(file);
    await workload(first, 0);
    const before = await everything(first);
    await first.close();
    const size = statSync(`${file}.log`).size;
    appendFileSync(`${file}.log`, '{"seq":99,"commands":[{"type":"grant","tenant":"shared","at":1,"requ');

    const second = await start(file);
    expect(await everything(second)).toEqual(before);
    expect(statSync(`${file}.log`).size, 'the torn line was cut off').toBe(size);
  });
});

describe('state file: a write that fails', () => {
  it('answers 503 naming the file and the reason, and the change is not made', async () => {
    const file = stateFile();
    let failWrites = false;
    const io: Partial<FileLogIo> = {
      write: (...args) =>
        failWrites
          ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
          : nodeIo.write(...args),
    };
    const mock = await start(file, {}, new FileLog(file, { io }));
    expect((await call(mock, 'PUT', '/_mock/clock', { now: '2024-06-01T00:00:00Z' })).status).toBe(200);
    expect(
      (await call(mock, 'POST', '/credits', { creditRequests: [creditRequest({ accountId: 'KEPT' })] })).status,
    ).toBe(200);
    const before = await everything(mock);

    failWrites = true;
    const grant = await call(mock, 'POST', '/credits', { creditRequests: [creditRequest({ accountId: 'LOST' })] });
    expect(grant).toEqual({
      status: 503,
      body: { message: `state could not be saved to ${file}.log: ENOSPC: no space left on device` },
    });
    const clock = await call(mock, 'PUT', '/_mock/clock', { now: '2030-01-01T00:00:00Z' });
    expect(clock.status).toBe(503);
    expect(clock.body.message).toMatch(/^state could not be saved to /);
    expect(await everything(mock)).toEqual(before);

    failWrites = false;
    expect(
      (await call(mock, 'POST', '/credits', { creditRequests: [creditRequest({ accountId: 'LATER' })] })).status,
    ).toBe(200);
    const accounts = (await call(mock, 'GET', '/_mock/accounts')).body.accounts.map(
      (a: { accountId: string }) => a.accountId,
    );
    expect(accounts).toEqual(['KEPT', 'LATER']);
    await mock.close();
    // Nothing of the refused changes comes back after a restart.
    const again = await start(file);
    expect(
      (await call(again, 'GET', '/_mock/accounts')).body.accounts.map((a: { accountId: string }) => a.accountId),
    ).toEqual(['KEPT', 'LATER']);
  });
});

describe('state file of an earlier version', () => {
  it('loads a v1 document, keeps changes after it in the log, and loads both after a restart', async () => {
    const file = stateFile();
    const v1 = {
      formatVersion: 1,
      savedAt: '2024-06-01T00:00:00.000Z',
      tenants: [
        {
          key: 'shared',
          clock: { frozenAt: Date.parse('2024-06-01T00:00:00Z') },
          ledger: {
            accounts: [
              { id: 'OLD', customerId: 'OLD', currency: 'USD', createdAt: 1717200000000, updatedAt: 1717200000000 },
            ],
            credits: [
              {
                id: 'cred.fromVersion1.00001',
                request: {
                  accountId: 'OLD',
                  purpose: 'P',
                  effectiveFrom: '2024-01-01',
                  priority: 1,
                  creditAmount: 500,
                  applicableEntityIds: [],
                },
                customerId: 'OLD',
                creditUnit: 'USD',
                status: 'ACTIVE',
                holdAmount: 0,
                consumedAmount: 0,
                createdAt: 1717200000000,
                updatedAt: 1717200000000,
                transactions: [
                  { id: 'ctxn.fromVersion1.00001', type: 'CREDITED', amount: 500, createdAt: 1717200000000 },
                ],
              },
            ],
            holds: [],
          },
        },
      ],
    };
    const text = `${JSON.stringify(v1, null, 2)}\n`;
    writeFileSync(file, text);
    const first = await start(file);
    expect((await call(first, 'GET', '/credits/cred.fromVersion1.00001')).body).toMatchObject({
      id: 'cred.fromVersion1.00001',
      creditAmount: 500,
    });
    expect(
      (await call(first, 'POST', '/credits', { creditRequests: [creditRequest({ accountId: 'NEW' })] })).status,
    ).toBe(200);
    const before = await everything(first);
    await first.close();
    expect(readFileSync(file, 'utf8'), 'the v1 file is not rewritten by changes').toBe(text);

    const second = await start(file);
    expect(await everything(second)).toEqual(before);
  });
});
