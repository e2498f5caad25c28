// The generated clients are as strict as Togai's: a 2xx answer that lacks a
// required field, or breaks an enum, a length or a format, makes the call
// throw. Each case is served by a tiny local server that answers one hand-made
// body, so what is checked is the client, not the mock; a valid body served the
// same way goes through, so the harness itself does not make every call fail.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCustomer, getEvents, getSingleEvent } from './generated/accounts/index.js';
import { getCreditDetails } from './generated/credits/index.js';
import { accountsClient, creditsClient, rejection, type StrictClient } from './strict.js';

let server: Server;
/** What the server answers next, and the last request it saw. */
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let seen: { method: string; url: string; authorization: string | undefined } | undefined;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization };
    req.resume();
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const credit = {
  id: 'cred.1a2b3c4d5e6.f7g8h',
  accountId: 'ACC001',
  customerId: 'CUS001',
  purpose: 'welcome',
  effectiveFrom: '2024-01-01',
  priority: 1,
  status: 'ACTIVE',
  creditUnit: 'USD',
  createdAt: '2024-01-01T00:00:00.000Z',
  transactions: [],
};

describe('a strict generated client', () => {
  let client: StrictClient;
  beforeAll(() => {
    client = creditsClient(baseUrl, 'tok-1');
  });
  const fetchCredit = () => getCreditDetails<true>({ client, path: { credit_id: credit.id } });

  it('accepts a body that matches the spec, sending the bearer credential', async () => {
    answer = { status: 200, body: credit };
    const { data, response } = await fetchCredit();
    expect(response.status).toBe(200);
    expect(data).toEqual(credit);
    expect(seen).toEqual({ method: 'GET', url: `/credits/${credit.id}`, authorization: 'Bearer tok-1' });
  });

  it.each([
    ['a required field is missing', { ...credit, customerId: undefined }, 'customerId'],
    ['an enum breaks', { ...credit, status: 'PROCESSED' }, 'status'],
    ['a string is too long', { ...credit, id: 'c'.repeat(51) }, 'id'],
    ['a date-time is not one', { ...credit, createdAt: 'yesterday' }, 'createdAt'],
    ['a nested item lacks a required field', { ...credit, transactions: [{ id: 'tx' }] }, 'transactions'],
  ])('throws when %s', async (_, body, field) => {
    answer = { status: 200, body };
    const error = await rejection(fetchCredit());
    expect(error.status).toBe(200);
    expect(error.invalid).toContain(`"${field}"`);
  });

  it('throws on an error answer, with its status and Togai-style body', async () => {
    answer = { status: 404, body: { message: 'Credit with id nope not found' } };
    const error = await rejection(fetchCredit());
    expect(error).toMatchObject({
      status: 404,
      body: { message: 'Credit with id nope not found' },
      invalid: undefined,
    });
  });
});

const customer = {
  id: 'CUS001',
  togaiCustomerId: 'cust.1a2b3c.d4e5f',
  name: 'Acme',
  primaryEmail: 'billing@acme.example',
  billingAddress: '{}',
  address: {},
  status: 'ACTIVE',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
};
const event = {
  referenceId: 'ref-1',
  eventPayload: {
    id: 'ev-1',
    schemaName: 'api_calls',
    timestamp: '2024-01-01T00:00:00.000Z',
    accountId: 'ACC001',
    attributes: [{ name: 'calls', value: '3' }],
    dimensions: {},
  },
  ingestionStatus: { status: 'INGESTION_COMPLETED_NO_MATCHING_METERS' },
  createdAt: '2024-01-01T00:00:00.000Z',
};

describe("a strict client of Togai's accounts and events", () => {
  let client: StrictClient;
  beforeAll(() => {
    client = accountsClient(baseUrl);
  });
  const fetchCustomer = () => getCustomer<true>({ client, path: { customer_id: 'CUS001' } });
  const listEvents = () => getEvents<true>({ client, query: { account_id: 'ACC001' } });
  const fetchEvent = () => getSingleEvent<true>({ client, path: { event_id: 'ev-1' } });

  it('accepts a customer, a page of events and a single event that match the spec', async () => {
    answer = { status: 200, body: customer };
    expect((await fetchCustomer()).data).toEqual(customer);
    answer = { status: 200, body: { events: [event] } };
    expect((await listEvents()).data).toEqual({ events: [event] });
    expect(seen?.url).toBe('/events?account_id=ACC001');
    answer = { status: 200, body: { events: [{ ...event, eventPipelineInfo: {} }] } };
    expect((await fetchEvent()).data.events).toHaveLength(1);
  });

  it.each([
    [
      'a customer lacks its billingAddress',
      fetchCustomer,
      { ...customer, billingAddress: undefined },
      'billingAddress',
    ],
    ['a customer has a status Togai does not have', fetchCustomer, { ...customer, status: 'DELETED' }, 'status'],
    ['a customer name is too short', fetchCustomer, { ...customer, name: 'Ac' }, 'name'],
    [
      'a listed event lacks its referenceId',
      listEvents,
      { events: [{ ...event, referenceId: undefined }] },
      'referenceId',
    ],
    [
      'an event attribute value is not a number',
      listEvents,
      { events: [{ ...event, eventPayload: { ...event.eventPayload, attributes: [{ name: 'calls', value: 'x' }] } }] },
      'value',
    ],
    ['a single event lacks its eventPipelineInfo', fetchEvent, { events: [event] }, 'eventPipelineInfo'],
  ])('throws when %s', async (_, call, body, field) => {
    answer = { status: 200, body };
    const error = await rejection(call());
    expect(error.status).toBe(200);
    expect(error.invalid).toContain(`"${field}"`);
  });
});
