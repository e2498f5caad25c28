// `togai-mock check-pacts`: the committed contract passes; each kind of
// interaction the real API could never satisfy is reported as an error and
// fails the command.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/contract/check-pacts-cli.js';
import { checkPacts } from '../../src/contract/check.js';

const PACTS = fileURLToPath(new URL('../../contracts/pacts/', import.meta.url));
const PACT_FILE = join(PACTS, 'togai-mock-reference-consumer-togai-credits-api.json');

const scratch = mkdtempSync(join(tmpdir(), 'togai-mock-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Interaction = {
  description: string;
  providerStates?: Array<{ name: string; params: Record<string, unknown> }>;
  request: { method: string; path: string; headers?: Record<string, string[]>; body?: { content: any } };
  response: { status: number; body?: { content: any } };
};

/** A one-interaction pact made from a committed interaction, changed by `edit`. */
function variant(name: string, description: string, edit: (i: Interaction) => void): string {
  const pact = JSON.parse(readFileSync(PACT_FILE, 'utf8'));
  const i = pact.interactions.find((x: Interaction) => x.description === description) as Interaction;
  expect(i, description).toBeDefined();
  edit(i);
  pact.interactions = [i];
  const file = join(scratch, `${name}.json`);
  writeFileSync(file, JSON.stringify(pact, null, 2));
  return file;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const errorsOf = (file: string): string[] =>
  checkPacts([file])
    .problems.filter((p) => p.severity === 'error')
    .map((p) => p.message);

describe('togai-mock check-pacts', () => {
  it('passes the committed contracts/pacts/ with no errors and no warnings', async () => {
    const r = await run([PACTS]);
    expect(r.out).toContain('39 interaction(s) in 1 file(s): 0 error(s), 0 warning(s)');
    expect(r.code).toBe(0);
  });

  it('finds the pacts under a directory, in subdirectories too (contracts/ holds them in pacts/)', async () => {
    const r = await run([fileURLToPath(new URL('../../contracts', import.meta.url))]);
    expect(r.out).toContain('39 interaction(s) in 1 file(s): 0 error(s), 0 warning(s)');
    expect(r.code).toBe(0);
  });

  it('fails a pact whose request is invalid but expects success, naming the field', async () => {
    const file = variant('invalid-request', 'a request to grant a credit', (i) => {
      i.request.body!.content.creditRequests[0].priority = 'high';
    });
    const r = await run([file]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('"a request to grant a credit": createCredit: creditRequests[0].priority must be integer');
    expect(r.out).toContain('1 error(s)');
  });

  it('accepts an invalid request when the consumer expects the 400', () => {
    expect(errorsOf(PACT_FILE)).toEqual([]);
  });

  it('reports unknown paths and methods', () => {
    const path = variant('unknown-path', "a request for an account's credits", (i) => {
      i.request.path = '/credit_notes';
    });
    expect(errorsOf(path)).toEqual(['GET /credit_notes: no such path in the Togai API']);
    const method = variant('wrong-method', "a request for an account's credits", (i) => {
      i.request.method = 'DELETE';
    });
    expect(errorsOf(method)[0]).toBe('DELETE /credits: method not allowed on this path (allowed: GET, POST)');
  });

  it("judges interactions with the accounts document's operations against that document", () => {
    const valid = variant('ingest', 'a request to grant a credit', (i) => {
      i.description = 'an event';
      i.providerStates = [];
      i.request.method = 'POST';
      i.request.path = '/ingest';
      i.request.body = {
        content: {
          event: {
            schemaName: 'Rides',
            id: 'ride-1',
            timestamp: '2024-06-01T00:00:00Z',
            accountId: 'ACC001',
            attributes: [{ name: 'rides', value: '1' }],
            dimensions: {},
          },
        },
      };
      i.response = { status: 202, body: { content: { success: true } } };
    });
    expect(errorsOf(valid)).toEqual([]);
    const wrong = variant('wallet', "a request for an account's credits", (i) => {
      i.providerStates = [];
      i.request.path = '/accounts/ACC001/wallet';
      i.response = { status: 200, body: { content: { balance: '100' } } };
    });
    expect(errorsOf(wrong)).toEqual(['WalletBalanceForAccount 200: balance must be number']);
    const correction = variant('correction', 'a request to grant a credit', (i) => {
      i.providerStates = [];
      i.request.path = '/events/correction';
      i.request.body = { content: { event: { schemaName: 'Rides' } } };
    });
    // Routed to eventCorrection (not a 405 of GET /events/{event_id}), whose `action` is missing.
    expect(errorsOf(correction)[0]).toMatch(/^eventCorrection: request query: action is required/);
  });

  it("checks the reference pact's accounts interactions: unknown fields, wrong statuses, state params", () => {
    const unknownField = variant('account-field', 'a request for an account', (i) => {
      i.response.body!.content.loyaltyTier = 'GOLD';
    });
    expect(errorsOf(unknownField)[0]).toContain('getAccount 200: loyaltyTier is not an allowed field');
    const customerField = variant('customer-field', 'a request for a customer', (i) => {
      i.response.body!.content.status = 'DELETED';
    });
    expect(errorsOf(customerField)[0]).toMatch(/^getCustomer 200: status must be one of/);
    const requestField = variant('account-request', 'a request to create an account of a customer', (i) => {
      i.request.body!.content.plan = 'gold';
    });
    expect(errorsOf(requestField)[0]).toMatch(/^createAccount: .*plan/);
    const created = variant('customer-status', 'a request to create a customer with an account', (i) => {
      i.response.status = 200;
    });
    expect(errorsOf(created)[0]).toContain('status 200 is not a response of this operation');
    const batch = variant('batch-status', 'a batch of usage events that all complete', (i) => {
      i.response.status = 206;
    });
    expect(errorsOf(batch)[0]).toContain('status 206 is not a response of this operation');
    const events = variant('events-field', "a request for an account's events", (i) => {
      i.response.body!.content.events[0].ingestionStatus.status = 'INGESTED';
    });
    expect(errorsOf(events)[0]).toMatch(/^getEvents 200: .*status must be one of/);
    const state = variant('event-state', 'a request for an event', (i) => {
      i.providerStates = [{ name: 'an event was ingested', params: { accountId: 'togai-mock-pact-acc-1' } }];
    });
    expect(checkPacts([state]).problems.map((p) => p.message)).toEqual([
      "provider state 'an event was ingested' lacks params eventId",
    ]);
  });

  it('reports statuses the operation does not list', () => {
    const file = variant('status', 'a request to grant a credit', (i) => {
      i.response.status = 201;
    });
    expect(errorsOf(file)[0]).toContain('status 201 is not a response of this operation');
  });

  it('reports expected response fields of the wrong type, with a bad enum, or never sent', () => {
    const type = variant('field-type', 'a request to void an active credit', (i) => {
      i.response.body!.content.creditAmount = '500';
    });
    expect(errorsOf(type)).toEqual(['voidCredit 200: creditAmount must be number']);
    const extra = variant('field-extra', "a request for a credit's details", (i) => {
      i.response.body!.content.loyaltyTier = 'GOLD';
    });
    expect(errorsOf(extra)[0]).toContain('loyaltyTier is not an allowed field (the real API never sends it)');
    const status = variant('field-enum', 'a request to void an active credit', (i) => {
      i.response.body!.content.status = 'CANCELLED';
    });
    expect(errorsOf(status)[0]).toContain('status must be one of ACTIVE, CONSUMED, EXPIRED, VOIDED');
  });

  it('reports a request body that is not sent as JSON', () => {
    const file = variant('content-type', 'a request to grant a credit', (i) => {
      i.request.headers!['Content-Type'] = ['text/plain'];
    });
    expect(errorsOf(file)).toEqual([
      'createCredit: the request body is sent as text/plain; the API takes application/json only',
    ]);
  });

  it('reports a request without credentials that expects anything but 401', () => {
    const file = variant('no-auth', "a request for an account's credits", (i) => {
      delete i.request.headers!.Authorization;
    });
    expect(errorsOf(file)[0]).toContain('carries no credentials');
  });

  it('warns (without failing) about states outside the vocabulary', async () => {
    const file = variant('state', 'a request to grant a credit', (i) => {
      i.providerStates = [{ name: 'the customer is on a gold plan', params: {} }];
    });
    const r = await run([file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('warning');
    expect(r.out).toContain("'the customer is on a gold plan' is not in togai-mock's vocabulary");
  });

  it('reads Pact specification 2 files too (providerState string, query string, bare bodies)', () => {
    const file = join(scratch, 'v2.json');
    writeFileSync(
      file,
      JSON.stringify({
        consumer: { name: 'legacy-consumer' },
        provider: { name: 'togai-credits-api' },
        interactions: [
          {
            description: 'a balance request',
            providerState: 'an account exists',
            request: { method: 'GET', path: '/accounts/A1/credit_balance', headers: { Authorization: 'Bearer t' } },
            response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: { activeCredits: 10 } },
          },
          {
            description: 'a list request with a bad page size',
            request: { method: 'GET', path: '/credits', query: 'pageSize=abc', headers: { Authorization: 'Bearer t' } },
            response: { status: 200, body: { data: [] } },
          },
        ],
        metadata: { pactSpecification: { version: '2.0.0' } },
      }),
    );
    const result = checkPacts([file]);
    expect(result.interactions).toBe(2);
    expect(result.problems.map((p) => `${p.severity} ${p.interaction}: ${p.message}`)).toEqual([
      "warning a balance request: provider state 'an account exists' lacks params accountId",
      'error a list request with a bad page size: listCredits: request query: pageSize must be integer, yet the interaction expects 200; the real API answers 400',
    ]);
  });

  it('usage errors exit 2', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['--nope', PACTS]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--nope');
    expect((await run([join(scratch, 'missing.json')])).code).toBe(2);
    const notPact = join(scratch, 'not-a-pact.json');
    writeFileSync(notPact, '{"hello": 1}');
    const r = await run([notPact]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('not a pact file');
    expect((await run(['--help'])).code).toBe(0);
  });
});
