// The operations of spec/togai-accounts.yaml are served through the same
// pipeline as the credits: each is routed to its own operationId (the
// journal says which), needs credentials, validates its request against the
// document, and answers 501 while no handler serves it.
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountHandlers } from '../../src/http/account-handlers.js';
import { errorHandler } from '../../src/http/errors.js';
import { eventHandlers } from '../../src/http/event-handlers.js';
import { notImplemented, operationRoutes } from '../../src/http/pipeline.js';
import { openScope } from '../../src/http/request-scope.js';
import type { MockAccess } from '../../src/store/machine/apply.js';
import { ACCOUNTS_SPEC_FILE, loadSpec } from '../../src/spec/load.js';
import { compileOperations } from '../../src/spec/operations.js';
import { startTestMock, type TestMock } from '../helpers/mock.js';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';

let mock: TestMock;
beforeAll(async () => {
  mock = await startTestMock();
});

const event = {
  schemaName: 'Rides',
  id: 'ride-1',
  timestamp: '2024-06-01T00:00:00Z',
  accountId: 'ACC001',
  attributes: [{ name: 'rides', value: '1' }],
  dimensions: {},
};

/** A valid request of every operation, by operationId. */
const VALID: Record<string, { method: string; path: string; body?: unknown }> = {
  getCustomers: { method: 'GET', path: '/customers?pageSize=10' },
  createCustomer: {
    method: 'POST',
    path: '/customers',
    body: { id: 'CUS001', name: 'Acme Inc', primaryEmail: 'billing@acme.example', address: {} },
  },
  deleteCustomer: { method: 'DELETE', path: '/customers/CUS001' },
  getCustomer: { method: 'GET', path: '/customers/CUS001' },
  updateCustomer: { method: 'PATCH', path: '/customers/CUS001', body: { name: 'Acme Ltd' } },
  createCustomerContact: {
    method: 'POST',
    path: '/customers/CUS001/contacts',
    body: { name: 'Jane', email: 'jane@acme.example' },
  },
  getAccounts: { method: 'GET', path: '/accounts' },
  createAccount: { method: 'POST', path: '/accounts', body: { id: 'ACC001', name: 'Acme EU', customerId: 'CUS001' } },
  deleteAccount: { method: 'DELETE', path: '/accounts/ACC001' },
  getAccount: { method: 'GET', path: '/accounts/ACC001?includeGroupDetails=true' },
  updateAccount: { method: 'PATCH', path: '/accounts/ACC001', body: { status: 'DRAFT' } },
  addAliases: { method: 'POST', path: '/accounts/ACC001/add_aliases', body: { aliases: ['acme-eu'] } },
  removeAliases: { method: 'POST', path: '/accounts/ACC001/remove_aliases', body: { aliases: ['acme-eu'] } },
  listAccountAliases: { method: 'GET', path: '/accounts/ACC001/account_aliases' },
  topUpWalletForAccount: { method: 'POST', path: '/accounts/ACC001/wallet_topup', body: { topupAmount: 10 } },
  WalletBalanceForAccount: { method: 'GET', path: '/accounts/ACC001/wallet' },
  updateWalletForAccount: { method: 'PATCH', path: '/accounts/ACC001/wallet', body: { status: 'INACTIVE' } },
  WalletEntriesForAccount: { method: 'GET', path: '/accounts/ACC001/wallet/entries?pageSize=5' },
  ingest: { method: 'POST', path: '/ingest', body: { event } },
  ingestBatch: { method: 'POST', path: '/ingestBatch', body: { events: [event] } },
  getEvents: { method: 'GET', path: '/events?status=INGESTION_FAILED_ACCOUNT_NOT_FOUND&account_id=ACC001' },
  getSingleEvent: { method: 'GET', path: '/events/ride-1' },
  eventCorrection: { method: 'POST', path: '/events/correction?action=UNDO', body: { event } },
};

const operations = compileOperations(loadSpec(ACCOUNTS_SPEC_FILE), 'togai-accounts').operations;

describe('the operations of spec/togai-accounts.yaml', () => {
  it('have a valid request each in this test', () => {
    expect(Object.keys(VALID).sort()).toEqual(operations.map((op) => op.operationId).sort());
    expect(operations).toHaveLength(23);
  });

  it.each(Object.entries(VALID))('%s is routed to its operation and needs credentials', async (operationId, r) => {
    const res = await mock.call(r.method, r.path, { body: r.body, token: null });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: expect.stringMatching(/credentials/i) });
    const recorded = await mock.requests({ operationId });
    expect(recorded.at(-1)).toMatchObject({ method: r.method, status: 401, operationId });
  });

  it.each(Object.entries(VALID))('%s answers 501 while no handler serves it', async (operationId, r) => {
    // On an empty store: a request valid by the document may still be refused by the state
    // the ones before it left (an archived customer takes no changes).
    await mock.reset();
    const res = await mock.call(r.method, r.path, { body: r.body });
    if (accountHandlers[operationId] === undefined && eventHandlers[operationId] === undefined) {
      expect(res).toMatchObject({
        status: 501,
        body: { message: `${operationId} is not implemented by togai-mock` },
      });
    } else {
      expect(res.status).not.toBe(501);
    }
    expect(res.status).not.toBe(400); // the request is valid
  });

  it.each([
    ['POST', '/customers', { id: 'CUS1', name: 'Ac', primaryEmail: 'a@b.example', address: {} }, 'name'],
    ['POST', '/accounts', { id: 'ACC1', name: 'Acme' }, 'customerId'],
    ['POST', '/accounts/ACC1/add_aliases', { aliases: ['ok-alias', 'x'] }, 'aliases[1]'],
    ['POST', '/accounts/ACC1/add_aliases', { accountAliases: [{ value: 'x' }] }, 'accountAliases[0].value'],
    ['POST', '/accounts/ACC1/wallet_topup', { topupAmount: 'ten' }, 'topupAmount'],
    ['POST', '/ingestBatch', { events: [event, { ...event, timestamp: 'yesterday' }] }, 'events[1].timestamp'],
    [
      'POST',
      '/ingest',
      { event: { ...event, attributes: [{ name: 'rides', value: 'one' }] } },
      'event.attributes[0].value',
    ],
    ['POST', '/events/correction', { event }, 'action'],
  ])('%s %s refuses a bad request with 400 naming the field', async (method, path, body, field) => {
    const res = await mock.call(method, path, { body });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(['message']);
    expect(res.body.message).toContain(field);
  });

  it("words a refusal as the document's error example does", async () => {
    const res = await mock.call('POST', '/customers', {
      body: { id: 'CUS1', name: 'Ac', primaryEmail: 'a@b.example', address: {} },
    });
    expect(res).toMatchObject({ status: 400, body: { message: 'name must be at least 3 characters' } });
  });

  it('refuse a missing body where the document requires one', async () => {
    for (const path of ['/accounts/ACC1/wallet_topup', '/ingest', '/events/correction?action=UNDO']) {
      const res = await mock.call('POST', path);
      expect(res, path).toMatchObject({
        status: 400,
        body: { message: 'Request body is required (application/json)' },
      });
    }
  });

  it('route a concrete path before a template that also matches it', async () => {
    // POST /events/correction is eventCorrection, not a 405 of GET /events/{event_id}.
    await mock.call('POST', '/events/correction?action=UNDO', { body: { event }, token: null });
    expect((await mock.requests({ path: '/events/correction' })).at(-1)).toMatchObject({
      operationId: 'eventCorrection',
    });
    const get = await mock.call('GET', '/events/correction', { token: null });
    expect(get.status).toBe(401);
    expect((await mock.requests({ path: '/events/correction' })).at(-1)).toMatchObject({
      method: 'GET',
      operationId: 'getSingleEvent',
    });
  });
});

describe('an operation without a handler', () => {
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = express();
    // The pipeline expects the scope the request log opens first; no engine is needed before a handler.
    app.use((req, _res, next) => {
      openScope(req, 'test', {} as MockAccess);
      next();
    });
    app.use(operationRoutes(operations, { contextOf: () => ({}), handlers: {}, unhandled: notImplemented }));
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(() => close());

  it('answers 501 naming it, after validating the request', async () => {
    const ok = await fetch(`${url}/accounts/ACC001/wallet`);
    expect(ok.status).toBe(501);
    expect(await ok.json()).toEqual({ message: 'WalletBalanceForAccount is not implemented by togai-mock' });
    const bad = await fetch(`${url}/accounts/${'x'.repeat(51)}/wallet`);
    expect(bad.status).toBe(400);
  });

  it('is refused at mount time without `unhandled`', () => {
    expect(() => operationRoutes(operations, { contextOf: () => ({}), handlers: {} })).toThrow(/has no handler/);
  });
});
