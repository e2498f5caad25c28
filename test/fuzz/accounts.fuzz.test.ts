// Properties of the customers, accounts, wallet and events operations
// (spec/togai-accounts.yaml), over HTTP:
// - any request to any of them (junk JSON, broken JSON text, valid bodies
//   with a field dropped, added or given a value of any type, odd path
//   parameters and query values) is answered without a 5xx, every error
//   with a Togai {"message"}, and a 4xx stores nothing (the whole store is
//   unchanged);
// - so is any fixture document (a valid one with a value dropped or changed,
//   or junk) sent to POST /_mock/fixtures, and no contact's password is ever
//   stored;
// - random sequences of valid changes (customers with and without an
//   account, accounts, deletes, aliases, top-ups, wallet status, events by
//   id or alias, some refused) leave the reads showing exactly what the 2xx
//   answers acknowledged, and nothing of a 4xx.
// Seed and size: see config.ts.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS_SPEC_FILE, HTTP_METHODS, loadSpec } from '../../src/spec/load.js';
import { startTestMock, type TestMock } from '../helpers/mock.js';
import { FUZZ_TIMEOUT, fcParams } from './config.js';
import { isTogaiError, RawClient, type RawResponse } from './http.js';
import { ODD_STRINGS, toJsonText } from './spec-arbitraries.js';

const accountsSpec = loadSpec(ACCOUNTS_SPEC_FILE);
const NOW = '2025-06-01T12:00:00Z';
const EVENT = {
  id: 'ev-fuzz-1',
  schemaName: 'api_calls',
  timestamp: '2025-06-01T11:00:00Z',
  accountId: 'ACC0',
  attributes: [{ name: 'calls', value: '2', unit: 'requests' }],
  dimensions: { region: 'eu' },
};

/** A valid body of each operation that takes one: what the mutations start from. */
const VALID: Record<string, unknown> = {
  createCustomer: {
    id: 'FZC1',
    name: 'Fuzz Co',
    primaryEmail: 'a@fuzz.example',
    address: { city: 'X' },
    account: { id: 'FZA1', name: 'Fuzz A', invoiceCurrency: 'USD', aliases: ['fz-alias'] },
  },
  updateCustomer: { name: 'New name', address: { line1: '1 Road' } },
  createCustomerContact: { name: 'Jo', email: 'jo@fuzz.example', preferredUsername: 'jo123', password: 'secret' },
  createAccount: {
    id: 'FZA2',
    name: 'Fuzz B',
    customerId: 'CUS0',
    invoiceCurrency: 'EUR',
    accountAliases: [{ value: 'fz-b', effectiveFrom: '2025-01-01T00:00:00Z' }],
  },
  updateAccount: { name: 'Renamed', status: 'DRAFT' },
  addAliases: { aliases: ['fz-c'] },
  removeAliases: { aliases: ['fz-c'] },
  topUpWalletForAccount: { topupAmount: 10 },
  updateWalletForAccount: { status: 'INACTIVE' },
  ingest: { event: EVENT },
  ingestBatch: { events: [EVENT, { ...EVENT, id: 'ev-fuzz-2' }] },
  eventCorrection: { event: EVENT },
};

interface Operation {
  operationId: string;
  method: string;
  path: string;
  pathParams: string[];
  query: string[];
}

const operations: Operation[] = Object.entries(accountsSpec.paths).flatMap(([path, item]) =>
  HTTP_METHODS.flatMap((m) => {
    const op = item?.[m];
    if (!op?.operationId) return [];
    const params = (op.parameters ?? []).map((p) =>
      '$ref' in p
        ? (accountsSpec.components!.parameters![p.$ref.split('/').pop()!] as { name: string; in: string })
        : p,
    );
    return [
      {
        operationId: op.operationId,
        method: m.toUpperCase(),
        path,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!),
        query: params.filter((p) => p.in === 'query').map((p) => p.name),
      },
    ];
  }),
);

/** Every path to a value inside a JSON document ([] is the document). */
function pathsOf(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...at, i])));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...at, k]));
  }
  return out;
}

/** `doc` with the value at `path` replaced (`remove`: taken out), as a fresh copy. */
function changed(doc: unknown, path: Array<string | number>, value: unknown, remove: boolean): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...ODD_STRINGS),
  fc.constantFrom(null, -1, 0, 1e300, '', 'x'.repeat(600), [], {}, true),
);

/** A body for `operationId`: junk, broken JSON text, or its valid body with one value dropped, changed or added. */
function bodyFor(operationId: string): fc.Arbitrary<string | undefined> {
  const valid = VALID[operationId];
  const junk = fc.oneof(
    oddValue.map((v) => toJsonText(v)),
    fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"__proto__":{"x":1}}', '"\\ud800"', ''),
  );
  if (valid === undefined) return fc.option(junk, { nil: undefined });
  const paths = pathsOf(valid);
  const mutated = fc
    .tuple(fc.constantFrom(...paths), oddValue, fc.constantFrom('drop', 'set', 'add'), fc.string({ maxLength: 12 }))
    .map(([path, value, how, key]) => {
      if (how === 'add') {
        // A field the schema does not have, in the object at `path` (else at the top).
        const node = path.reduce<unknown>((n, k) => (n as Record<string | number, unknown>)[k], valid);
        const at = node !== null && typeof node === 'object' && !Array.isArray(node) ? path : [];
        return toJsonText(changed(valid, [...at, `x-${key}`], value, false));
      }
      return toJsonText(changed(valid, path, value, how === 'drop' && path.length > 0));
    });
  return fc.oneof({ weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: junk });
}

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates as U+FFFD, which encodeURIComponent refuses). */
const enc = (s: string): string =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) && b < 0x80
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
const pathValue = fc.oneof(
  fc.constantFrom('CUS0', 'ACC0', 'NOPE', 'ev-fuzz-1', 'correction'),
  fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
  fc.constantFrom(...ODD_STRINGS.filter((s) => s !== '')),
  fc.integer({ min: 51, max: 600 }).map((n) => 'p'.repeat(n)),
);
const queryValue = fc.oneof(
  fc.constantFrom('ACC0', 'api_calls', 'INGESTION_COMPLETED_NO_MATCHING_METERS', '0', '51', '-1', 'NaN', 'true'),
  fc.string({ maxLength: 30 }),
);

const request = fc.constantFrom(...operations).chain((op) =>
  fc.record({
    op: fc.constant(op),
    params: fc.array(pathValue, { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
    query: fc.dictionary(fc.constantFrom(...op.query, 'unknown'), queryValue, { maxKeys: 3 }),
    body: op.method === 'GET' || op.method === 'DELETE' ? fc.constant(undefined) : bodyFor(op.operationId),
  }),
);

let mock: TestMock;
/** With --strict-accounts: only what a sequence created exists, so the model stays exact. */
let strict: TestMock;
let client: RawClient;
const state = (m: TestMock): string => JSON.stringify(m.runtime.store.snapshot());

beforeAll(async () => {
  [mock, strict] = await Promise.all([startTestMock({ seed: 5 }), startTestMock({ seed: 6, strictAccounts: true })]);
  mock.setTime(NOW);
  client = new RawClient(mock.url);
  const made = await mock.call('POST', '/customers', {
    body: {
      id: 'CUS0',
      name: 'Fuzz Base',
      primaryEmail: 'base@fuzz.example',
      address: {},
      account: { id: 'ACC0', name: 'Base account', aliases: ['base-alias'] },
    },
  });
  expect(made.status).toBe(201);
  expect((await mock.call('POST', '/ingest', { body: { event: EVENT } })).status).toBe(202);
});
afterAll(() => client.close());

function send(method: string, path: string, body?: string): Promise<RawResponse> {
  return client.send({
    method,
    path,
    headers: {
      authorization: 'Bearer fuzz',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body }),
  });
}

describe('fuzz: the accounts operations, any input', () => {
  it(
    'never answer 5xx, answer every error with a Togai message, and store nothing on a 4xx',
    async () => {
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(request, async ({ op, params, query, body }) => {
          let path = op.path;
          op.pathParams.forEach((name, i) => (path = path.replace(`{${name}}`, enc(params[i]!))));
          const qs = Object.entries(query)
            .map(([k, v]) => `${enc(k)}=${enc(v)}`)
            .join('&');
          const before = state(mock);
          const res = await send(op.method, qs ? `${path}?${qs}` : path, body);
          const what = `${op.operationId} ${path.slice(0, 80)} ${String(body).slice(0, 200)}: ${res.text.slice(0, 300)}`;
          seen.add(res.status);
          expect(res.status, what).toBeLessThan(500);
          if (res.status >= 400) {
            expect(isTogaiError(res), what).toBe(true);
            expect(state(mock), `${what} changed the store`).toBe(before);
          }
        }),
        fcParams(800),
      );
      // The property saw both sides: refusals and (some mutations are still valid) successes.
      expect([...seen].some((s) => s >= 400)).toBe(true);
      expect([...seen].some((s) => s < 300)).toBe(true);
      expect((await client.get('/_mock/health')).status).toBe(200);
    },
    FUZZ_TIMEOUT,
  );
});

const FIXTURES = {
  customers: [
    {
      id: 'FXC',
      name: 'Fixture Co',
      primaryEmail: 'f@fx.example',
      address: { city: 'Y' },
      account: { id: 'FXA', name: 'Fixture A', aliases: ['fx-alias'] },
      contacts: [{ name: 'Jo', email: 'jo@fx.example', password: 'pw' }],
    },
  ],
  accounts: [
    { id: 'FXB', name: 'Fixture B', customerId: 'FXC', invoiceCurrency: 'EUR' },
    { accountId: 'FXL', currency: 'GBP' },
  ],
  credits: [{ accountId: 'FXB', purpose: 'P', effectiveFrom: '2025-01-01', creditAmount: 5, priority: 1 }],
  wallets: [{ accountId: 'FXA', topUps: [10, 2.5] }],
  events: [{ ...EVENT, id: 'fx-ev', accountId: 'fx-alias' }],
};

describe('fuzz: fixtures', () => {
  it(
    'answer any document without a 5xx, every error with a message, and store nothing on a 4xx',
    async () => {
      const paths = pathsOf(FIXTURES);
      const doc = fc.oneof(
        { weight: 1, arbitrary: oddValue.map((v) => toJsonText(v)) },
        {
          weight: 6,
          arbitrary: fc
            .tuple(fc.constantFrom(...paths), oddValue, fc.boolean())
            .map(([path, value, drop]) => toJsonText(changed(FIXTURES, path, value, drop && path.length > 0))),
        },
      );
      let loaded = 0;
      await fc.assert(
        fc.asyncProperty(doc, async (body) => {
          await mock.call('POST', '/_mock/reset');
          // The tenant exists (as after any change): what a refusal must leave is its empty state.
          await mock.call('PUT', '/_mock/clock', { body: { now: NOW } });
          const before = state(mock);
          const res = await send('POST', '/_mock/fixtures', body);
          const what = `${body.slice(0, 300)}: ${res.text.slice(0, 300)}`;
          expect(res.status, what).toBeLessThan(500);
          if (res.status < 300) loaded++;
          if (res.status >= 400) {
            expect(isTogaiError(res), what).toBe(true);
            expect(state(mock), `${what} changed the store`).toBe(before);
          }
          expect(state(mock)).not.toContain('"pw"');
        }),
        fcParams(300),
      );
      // Some mutations still make a valid document: both sides were checked.
      expect(loaded).toBeGreaterThan(0);
    },
    FUZZ_TIMEOUT,
  );
});

// ------------------------------------------------------ stored == acknowledged

type Step =
  | { kind: 'customer'; c: number; account: number | null }
  | { kind: 'account'; a: number; c: number; currency: string }
  | { kind: 'deleteAccount'; a: number }
  | { kind: 'deleteCustomer'; c: number }
  | { kind: 'alias'; a: number; alias: number }
  | { kind: 'topUp'; a: number; amount: number }
  | { kind: 'walletStatus'; a: number; active: boolean }
  | { kind: 'ingest'; events: Array<{ id: number | null; target: number; daysAgo: number }> };

const c = fc.integer({ min: 0, max: 1 });
const a = fc.integer({ min: 0, max: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('customer' as const), c, account: fc.option(a, { nil: null }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('account' as const),
      a,
      c,
      currency: fc.constantFrom('USD', 'EUR', 'usd'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteAccount' as const), a }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteCustomer' as const), c }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('alias' as const), a, alias: fc.integer({ min: 0, max: 2 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('topUp' as const), a, amount: fc.integer({ min: -5, max: 500 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('walletStatus' as const), a, active: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('ingest' as const),
      events: fc.array(
        fc.record({
          id: fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
          // 0-3: an account, 4-6: an alias, 7: nobody
          target: fc.integer({ min: 0, max: 7 }),
          daysAgo: fc.constantFrom(0, 0, 1, 40),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
);

interface ModelAccount {
  customerId: string;
  currency: string;
  status: 'ACTIVE' | 'ARCHIVED';
  balance: number;
  entries: number;
  wallet: 'ACTIVE' | 'INACTIVE';
}

async function everything(m: TestMock, path: string, key: string): Promise<any[]> {
  const out: any[] = [];
  let token: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await m.call('GET', `${path}${token ? `${sep}nextToken=${enc(token)}` : ''}`);
    expect(r.status, r.text).toBe(200);
    out.push(...r.body[key]);
    token = r.body.nextToken;
  } while (token);
  return out;
}

describe('fuzz: valid sequences of changes', () => {
  it(
    'leave the reads showing what the 2xx answers acknowledged, and nothing of a 4xx',
    async () => {
      const tally = { acknowledged: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 8, maxLength: 30, size: 'max' }), async (steps) => {
          const m = strict;
          await m.call('POST', '/_mock/reset');
          const customers = new Map<string, { status: 'ACTIVE' | 'ARCHIVED'; accounts: string[] }>();
          const accounts = new Map<string, ModelAccount>();
          const events = new Map<string, string>();
          const now = Date.parse(NOW);
          m.setTime(NOW);
          for (const s of steps) {
            const before = state(m);
            let res: { status: number; body: any; text: string };
            const accountId = (i: number) => `MA${i}`;
            const customerId = (i: number) => `MC${i}`;
            switch (s.kind) {
              case 'customer':
                res = await m.call('POST', '/customers', {
                  body: {
                    id: customerId(s.c),
                    name: `Model ${s.c}`,
                    primaryEmail: `m${s.c}@model.example`,
                    address: {},
                    ...(s.account === null ? {} : { account: { id: accountId(s.account), name: 'Embedded' } }),
                  },
                });
                if (res.status === 201) {
                  customers.set(customerId(s.c), { status: 'ACTIVE', accounts: [] });
                  if (s.account !== null) {
                    expect(res.body.account.id).toBe(accountId(s.account));
                    customers.get(customerId(s.c))!.accounts.push(accountId(s.account));
                    accounts.set(accountId(s.account), {
                      customerId: customerId(s.c),
                      currency: 'USD',
                      status: 'ACTIVE',
                      balance: 0,
                      entries: 0,
                      wallet: 'ACTIVE',
                    });
                  }
                }
                break;
              case 'account':
                res = await m.call('POST', '/accounts', {
                  body: {
                    id: accountId(s.a),
                    name: 'Model account',
                    customerId: customerId(s.c),
                    invoiceCurrency: s.currency,
                  },
                });
                if (res.status === 201) {
                  customers.get(customerId(s.c))!.accounts.push(accountId(s.a));
                  accounts.set(accountId(s.a), {
                    customerId: customerId(s.c),
                    currency: res.body.invoiceCurrency,
                    status: 'ACTIVE',
                    balance: 0,
                    entries: 0,
                    wallet: 'ACTIVE',
                  });
                }
                break;
              case 'deleteAccount':
                res = await m.call('DELETE', `/accounts/${accountId(s.a)}`);
                if (res.status < 300) accounts.get(accountId(s.a))!.status = 'ARCHIVED';
                break;
              case 'deleteCustomer':
                res = await m.call('DELETE', `/customers/${customerId(s.c)}`);
                if (res.status < 300) {
                  const cu = customers.get(customerId(s.c))!;
                  cu.status = 'ARCHIVED';
                  for (const id of cu.accounts) accounts.get(id)!.status = 'ARCHIVED';
                }
                break;
              case 'alias':
                res = await m.call('POST', `/accounts/${accountId(s.a)}/add_aliases`, {
                  body: { aliases: [`mal-${s.alias}`] },
                });
                break;
              case 'topUp':
                res = await m.call('POST', `/accounts/${accountId(s.a)}/wallet_topup`, {
                  body: { topupAmount: s.amount },
                });
                if (res.status < 300) {
                  const acc = accounts.get(accountId(s.a))!;
                  acc.balance += s.amount;
                  acc.entries++;
                  expect(res.body.balance).toBe(acc.balance);
                }
                break;
              case 'walletStatus':
                res = await m.call('PATCH', `/accounts/${accountId(s.a)}/wallet`, {
                  body: { status: s.active ? 'ACTIVE' : 'INACTIVE' },
                });
                if (res.status < 300) accounts.get(accountId(s.a))!.wallet = s.active ? 'ACTIVE' : 'INACTIVE';
                break;
              case 'ingest': {
                const list = s.events.map((e, i) => ({
                  ...(e.id === null ? {} : { id: `mev-${e.id}` }),
                  schemaName: 'model',
                  timestamp: new Date(now - e.daysAgo * 86_400_000 - i).toISOString(),
                  accountId: e.target < 4 ? accountId(e.target) : e.target < 7 ? `mal-${e.target - 4}` : 'NOBODY',
                  attributes: [],
                  dimensions: {},
                }));
                res =
                  list.length === 1
                    ? await m.call('POST', '/ingest', { body: { event: list[0] } })
                    : await m.call('POST', '/ingestBatch', { body: { events: list } });
                if (res.status < 300) {
                  for (const d of res.body.details.events) events.set(d.referenceId, d.status);
                }
                break;
              }
            }
            expect(res.status, res.text).toBeLessThan(500);
            tally[res.status < 300 ? 'acknowledged' : 'refused']++;
            if (res.status >= 400) {
              expect(res.body.message, res.text).toEqual(expect.any(String));
              expect(state(m), `${s.kind} answered ${res.status} and changed the store`).toBe(before);
            }
          }
          // What the reads show is what was acknowledged.
          const listed = await everything(m, '/customers?pageSize=50', 'data');
          expect(listed.map((x) => x.id).sort()).toEqual(
            [...customers]
              .filter(([, v]) => v.status === 'ACTIVE')
              .map(([k]) => k)
              .sort(),
          );
          for (const [id, cu] of customers) {
            expect((await m.call('GET', `/customers/${id}`)).body.status).toBe(cu.status);
          }
          const listedAccounts = await everything(m, '/accounts?pageSize=50', 'data');
          expect(listedAccounts.map((x) => x.id).sort()).toEqual(
            [...accounts]
              .filter(([, v]) => v.status === 'ACTIVE')
              .map(([k]) => k)
              .sort(),
          );
          for (const [id, acc] of accounts) {
            const got = (await m.call('GET', `/accounts/${id}`)).body;
            expect(got).toMatchObject({
              customerId: acc.customerId,
              invoiceCurrency: acc.currency,
              status: acc.status,
            });
            const wallet = (await m.call('GET', `/accounts/${id}/wallet`)).body;
            expect(wallet).toMatchObject({ balance: acc.balance, status: acc.wallet });
            const entries = await everything(m, `/accounts/${id}/wallet/entries?pageSize=50`, 'data');
            expect(entries).toHaveLength(acc.entries);
          }
          for (let i = 0; i < 4; i++) {
            if (!accounts.has(`MA${i}`)) expect((await m.call('GET', `/accounts/MA${i}`)).status).toBe(404);
          }
          const stored = await everything(m, '/events?pageSize=50', 'events');
          expect(new Map(stored.map((e) => [e.referenceId, e.ingestionStatus.status]))).toEqual(events);
        }),
        { ...fcParams(40) },
      );
      // Both kinds of answer were checked, many times.
      expect(tally.acknowledged, JSON.stringify(tally)).toBeGreaterThan(100);
      expect(tally.refused).toBeGreaterThan(20);
    },
    FUZZ_TIMEOUT,
  );
});
